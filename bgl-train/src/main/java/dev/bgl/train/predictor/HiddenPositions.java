package dev.bgl.train.predictor;

import dev.bgl.model.Transformer;
import dev.bgl.tensor.Parallel;

import java.util.List;

/**
 * The inputs of every thinking position of a group of sequences, computed by the frozen LLM: the
 * hidden vectors [count][nIn][hidden] the predictor reads, the token that came next (the head's
 * column), x = log(L + 1) and L itself, and where each position came from (for the calibration file).
 * Kept apart from the trainer because training and held-out evaluation both read them.
 */
final class HiddenPositions {
    final float[] hidden;
    final int[] target, remaining, sequence, offset;
    final float[] x;
    final int count, nIn, width;

    private HiddenPositions(int count, int nIn, int width) {
        this.count = count;
        this.nIn = nIn;
        this.width = width;
        this.hidden = new float[count * nIn * width];
        target = new int[count];
        remaining = new int[count];
        sequence = new int[count];
        offset = new int[count];
        x = new float[count];
    }

    /** The predictor reads one hidden vector per LLM layer plus the final norm's output. */
    static int inputs(Transformer transformer) {
        return transformer.config().layers() + 1;
    }

    /** Runs the frozen LLM over the sequences (in parallel) and gathers the inputs of every thinking position. */
    static HiddenPositions extract(Transformer transformer, List<TrainingSequence> seqs) {
        int llmLayers = transformer.config().layers(), hidden = transformer.config().dim(), nIn = inputs(transformer);
        int total = 0;
        int[] first = new int[seqs.size()];
        for (int i = 0; i < seqs.size(); i++) {
            first[i] = total;
            total += seqs.get(i).positions();
        }
        HiddenPositions pos = new HiddenPositions(total, nIn, hidden);
        int per = (llmLayers + 2) * hidden, in = nIn * hidden;
        Parallel.forRange(seqs.size(), 1, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                TrainingSequence s = seqs.get(i);
                int n = s.positions();
                Transformer.State st = transformer.newState(s.close(), true);
                if (s.open() > 0) transformer.forward(st, s.tokens(), 0, s.open(), null, false, null);
                float[] all = new float[n * per];
                transformer.forwardHiddenAll(st, s.tokens(), s.open(), n, all);
                for (int k = 0; k < n; k++) {
                    int at = first[i] + k, j = s.open() + k;
                    // HF output_hidden_states: embedding, layers 0..N-2, final norm (the last layer's raw residual is not used)
                    System.arraycopy(all, k * per, pos.hidden, at * in, llmLayers * hidden);
                    System.arraycopy(all, k * per + (llmLayers + 1) * hidden, pos.hidden, at * in + llmLayers * hidden, hidden);
                    pos.target[at] = s.tokens()[j + 1];
                    pos.remaining[at] = s.close() - j;
                    pos.x[at] = (float) GammaNll.encode(s.close() - j);
                    pos.sequence[at] = i;
                    pos.offset[at] = k;
                }
            }
        });
        return pos;
    }

    /** Copies positions {@code from..from+n-1} (through {@code perm} when not null) into the net's batch. */
    void load(PredictorNet net, int[] perm, int from, int n) {
        int in = nIn * width;
        for (int b = 0; b < n; b++) {
            int at = perm == null ? from + b : perm[from + b];
            System.arraycopy(hidden, at * in, net.x0, net.inputOffset(b), in);
            net.target[b] = target[at];
            net.x[b] = x[at];
        }
    }
}
