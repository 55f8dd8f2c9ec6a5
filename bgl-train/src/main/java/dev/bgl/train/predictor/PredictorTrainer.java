package dev.bgl.train.predictor;

import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.model.Transformer;
import dev.bgl.train.Rng;
import dev.bgl.train.StepListener;
import dev.bgl.tasks.Split;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains a budget predictor (Li et al. 2025) on the frozen LLM's own traces: at every thinking
 * position, the Gamma NLL of x = log(L + 1) for the token that actually came next (see
 * {@link TrainingSequence} for the positions and L, {@link PredictorNet} for the network). The
 * LLM's hidden states are computed as needed, a group of traces at a time, whose positions are
 * shuffled together into batches. 10% of the traces (by a hash of their id) are held out to measure
 * the NLL and the error of the predicted remaining length; a calibration file of the held-out
 * positions is written beside the weights.
 *
 * <p>AdamW (β 0.9/0.999, eps 1e-8) with gradient clipping at 1, constant learning rate after a
 * linear warm-up, as the official recipe (lr 1e-4, 5% warm-up, HF's default weight decay 0 and
 * clipping 1). Deterministic for a seed: the batch is cut into a fixed number of shards whose
 * gradients are summed in order, whatever the thread count.
 */
public final class PredictorTrainer {
    /** Shards per batch: fixed so that the result does not depend on the thread count. */
    static final int SHARDS = 4;
    /** Traces whose hidden states are computed together; their positions are shuffled together. */
    static final int GROUP = 64;

    /**
     * @param ffn           FFN inner size (0: 4·width, as BERT)
     * @param warmup        fraction of the steps with a linear warm-up
     * @param weightDecay   AdamW decay of the matrices, CLS vector and heads (not of biases and LayerNorms)
     * @param clip          global gradient-norm limit (0: none)
     * @param heldOut       fraction of traces held out for evaluation
     */
    public record Options(int width, int layers, int heads, int ffn, int epochs, float lr, float warmup, float weightDecay,
                          float clip, int batch, boolean concise, long seed, double heldOut) {
        public Options {
            if (width < 1 || layers < 1 || heads < 1)
                throw new BglException("predictor: width, layers and heads must be >= 1 (got " + width + ", " + layers + ", " + heads
                        + "); with no layer the CLS output would not see the hidden states");
            if (width % heads != 0) throw new BglException("predictor: --width " + width + " is not a multiple of --heads " + heads);
            if (ffn < 0) throw new BglException("predictor: --ffn must be >= 0, got " + ffn);
            if (epochs < 1) throw new BglException("predictor: --epochs must be >= 1, got " + epochs);
            if (!(lr > 0)) throw new BglException("predictor: --lr must be > 0, got " + lr);
            if (!(warmup >= 0 && warmup < 1)) throw new BglException("predictor: warm-up fraction must be in [0, 1), got " + warmup);
            if (!(weightDecay >= 0)) throw new BglException("predictor: --weight-decay must be >= 0, got " + weightDecay);
            if (batch < 1) throw new BglException("predictor: --batch must be >= 1, got " + batch);
            if (!(heldOut >= 0 && heldOut < 1)) throw new BglException("predictor: held-out fraction must be in [0, 1), got " + heldOut);
        }

        /** The official recipe: lr 1e-4 constant after 5% warm-up, 1 epoch, no weight decay, clip 1 (BERT-base shape: 768/12/12). */
        public static Options paper(long seed) {
            return new Options(768, 12, 12, 0, 1, 1e-4f, 0.05f, 0f, 1f, 64, false, seed, 0.1);
        }

        /** bgl's defaults for its small model: see the CLI's help for why. */
        public static Options defaults(long seed) {
            return new Options(64, 2, 4, 0, 2, 1e-3f, 0.05f, 0f, 1f, 64, false, seed, 0.1);
        }

        PredictorConfig config(int hidden, int vocab) {
            return new PredictorConfig(hidden, width, layers, heads, ffn > 0 ? ffn : 4 * width, vocab, PredictorConfig.BERT_EPS);
        }
    }

    /** Figures of a run. NaN where not measured (no held-out traces). */
    public record Report(int traces, int unusable, int trainSequences, int heldOutTraces, long trainPositionsPerEpoch,
                         long heldOutPositions, int steps, double seconds, double positionsPerSecond,
                         double firstLoss, double lastLoss, double heldOutNllBefore, double heldOutNll,
                         double maeMedian, double maeMean, double finiteMeanFraction, double maeConstant,
                         double initAlpha, double initLambda, String weights, String calibration) {
    }

    private final LoadedModel model;
    private final Options o;
    private final PredictorLayout lay;
    private final Transformer transformer;

    private PredictorTrainer(LoadedModel model, Options o) {
        this.model = model;
        this.o = o;
        this.transformer = model.transformer();
        this.lay = new PredictorLayout(o.config(transformer.config().dim(), transformer.config().vocabSize()));
    }

    /** Trains on {@code traces}, saves the weights to {@code out} and the calibration file beside it. */
    public static Report train(LoadedModel model, List<Trace> traces, Options o, Path out, StepListener listener) {
        if (!model.isThinkingModel()) throw new BglException("model " + model.name() + " has no " + model.markers().close() + " token: no predictor to train");
        return new PredictorTrainer(model, o).run(traces, out, listener == null ? StepListener.NONE : listener);
    }

    static boolean heldOut(String id, double fraction) {
        return fraction > 0 && Split.of("predictor-holdout:" + id, fraction) == Split.TEST;
    }

    private Report run(List<Trace> traces, Path out, StepListener listener) {
        long t0 = System.nanoTime();
        TrainingSet set = TrainingSet.of(model, traces, o.heldOut(), o.concise());
        List<TrainingSequence> train = set.train(), test = set.test();

        float[] p = PredictorInit.weights(lay, train, o.seed());
        double initAlpha = GammaNll.softplus(p[lay.alpha().offset()]), initLambda = GammaNll.softplus(p[lay.lam().offset()]);
        double nllBefore = test.isEmpty() ? Double.NaN : HeldOutEvaluation.of(transformer, lay, p, test, null).nll();

        Rng rng = new Rng(o.seed());
        TrainingSchedule schedule = TrainingSchedule.of(train, o.epochs(), o.batch(), rng);
        int steps = schedule.steps(), warmupSteps = (int) Math.ceil(o.warmup() * steps);
        AdamW adamw = new AdamW(lay, o.clip(), o.weightDecay());
        ShardedBatch batch = new ShardedBatch(lay, HiddenPositions.inputs(transformer), o.batch());

        int step = 0;
        double firstLoss = Double.NaN;
        double lastSum = 0;
        int lastCount = 0, lastFrom = Math.max(0, steps - Math.max(1, steps / 20));
        long positionsDone = 0, trainNanos = 0;
        for (int e = 0; e < o.epochs(); e++) {
            for (int g = 0; g < train.size(); g += GROUP) {
                HiddenPositions pos = HiddenPositions.extract(transformer, schedule.group(train, e, g));
                int[] perm = TrainingSchedule.permutation(pos.count, rng);
                for (int b0 = 0; b0 < pos.count; b0 += o.batch()) {
                    long s0 = System.nanoTime();
                    int bn = Math.min(o.batch(), pos.count - b0);
                    double loss = batch.run(p, pos, perm, b0, bn);
                    float lr = step < warmupSteps ? o.lr() * (step + 1) / warmupSteps : o.lr();
                    double norm = adamw.step(p, batch.grad, step + 1, lr);
                    batch.clear();
                    step++;
                    positionsDone += bn;
                    trainNanos += System.nanoTime() - s0;
                    if (step == 1) firstLoss = loss;
                    if (step > lastFrom) {
                        lastSum += loss;
                        lastCount++;
                    }
                    listener.onStep(new StepListener.Stats(step, steps, loss, positionsDone / (trainNanos / 1e9), lr, norm, positionsDone));
                }
            }
        }

        PredictorWeights w = lay.toWeights(p);
        try {
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
        } catch (IOException ex) {
            throw new BglException("cannot create the folder of " + out + ": " + ex.getMessage(), ex);
        }
        w.save(out);
        Path calibration = sibling(out, ".calibration.jsonl");
        HeldOutEvaluation ev = test.isEmpty() ? null : HeldOutEvaluation.of(transformer, lay, p, test, calibration);
        double constant = test.isEmpty() ? Double.NaN : HeldOutEvaluation.constantBaseline(train, test);
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Report(traces.size(), set.unusable(), train.size(), set.heldOutTraces(), schedule.positionsPerEpoch(),
                set.heldOutPositions(), steps, secs,
                positionsDone / Math.max(1e-9, trainNanos / 1e9), firstLoss, lastCount == 0 ? Double.NaN : lastSum / lastCount,
                nllBefore, ev == null ? Double.NaN : ev.nll(), ev == null ? Double.NaN : ev.maeMedian(),
                ev == null ? Double.NaN : ev.maeMean(), ev == null ? Double.NaN : ev.finiteMean(),
                constant, initAlpha, initLambda, out.toString(), ev == null ? null : calibration.toString());
    }

    static Path sibling(Path out, String suffix) {
        String name = out.getFileName().toString().replaceFirst("\\.safetensors$", "");
        return out.resolveSibling(name + suffix);
    }
}
