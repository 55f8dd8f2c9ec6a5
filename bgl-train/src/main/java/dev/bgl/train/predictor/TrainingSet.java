package dev.bgl.train.predictor;

import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The traces as the trainer uses them: checked, turned into sequences, and split into training and
 * held-out sequences by a hash of their id (so that a trace stays on its side whatever else is in the
 * file). With {@code concise}, each training trace also gives its concise copy.
 *
 * @param unusable      traces whose thinking never opened or never closed
 * @param heldOutTraces traces held out (the size of {@code test})
 */
record TrainingSet(List<TrainingSequence> train, List<TrainingSequence> test, int unusable, int heldOutTraces) {

    static TrainingSet of(LoadedModel model, List<Trace> traces, double heldOut, boolean concise) {
        int vocab = model.transformer().config().vocabSize();
        List<TrainingSequence> train = new ArrayList<>(), test = new ArrayList<>();
        int unusable = 0, heldOutTraces = 0;
        Set<String> ids = new HashSet<>();
        ThinkingFormat markers = model.thinkingFormat(ThinkingFormat.Phase.BEFORE);
        if (markers == null) throw new BglException("model " + model.name() + " " + model.notThinkingReason() + ": its traces have no thinking to train on");
        for (Trace t : traces) {
            TraceFile.check(t, vocab, "trace " + t.id());
            if (!ids.add(t.id())) throw new BglException("trace id " + t.id() + " appears twice in the traces");
            TrainingSequence s = TrainingSequence.of(t, markers);
            if (s == null) {
                unusable++;
                continue;
            }
            if (PredictorTrainer.heldOut(t.id(), heldOut)) {
                test.add(s);
                heldOutTraces++;
            } else {
                train.add(s);
                if (concise) {
                    TrainingSequence c = TrainingSequence.concise(t, model.tokenizer(), markers, model.markers());
                    if (c != null) train.add(c);
                }
            }
        }
        if (train.isEmpty()) throw new BglException("no usable training traces: " + traces.size() + " traces, " + unusable
                + " without closed thinking, " + heldOutTraces + " held out");
        return new TrainingSet(train, test, unusable, heldOutTraces);
    }

    long heldOutPositions() {
        long n = 0;
        for (TrainingSequence s : test) n += s.positions();
        return n;
    }
}
