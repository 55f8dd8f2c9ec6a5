package dev.bgl.train;

import dev.bgl.tensor.Parallel;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Trains a {@link Qwen3Model}: each step takes {@code batchSize} examples, runs every sequence on
 * its own (no padding) with the sequences of the batch spread over {@link Parallel}'s threads,
 * each worker adding gradients into its own buffer, then sums the buffers in a fixed order and
 * applies AdamW. The assignment of sequences to workers depends only on their lengths, so a run
 * with the same thread count is deterministic, and a resumed run is bit-identical.
 */
public final class Trainer {
    private final TrainConfig c;
    private final Qwen3Model model;
    private final float[] pT;
    private final List<Workspace> workers = new ArrayList<>();

    public Trainer(TrainConfig c) {
        this.c = c;
        this.model = new Qwen3Model(c);
        this.pT = new float[model.layout().size()];
    }

    public Qwen3Model model() {
        return model;
    }

    /**
     * Runs (or resumes) a training run. When {@code checkpointDir} holds a checkpoint, training
     * continues from it: the first {@code examplesConsumed} examples of {@code data} are skipped,
     * so pass the data stream from its beginning. Training stops after {@code steps} steps or when
     * the data cannot fill a batch; a checkpoint is written every {@code checkpointEvery} steps
     * and at the end.
     *
     * @param checkpointDir may be null (no checkpoints)
     * @return the final state (its {@code params} are what {@link ModelExport#writeGguf} writes)
     */
    public static TrainState train(TrainConfig c, Iterator<Example> data, Path checkpointDir, StepListener listener) {
        return train(c, data, checkpointDir, listener, null);
    }

    /**
     * The same, starting from {@code init} (a fine-tune) when no checkpoint is there to resume;
     * null: fresh random weights.
     */
    public static TrainState train(TrainConfig c, Iterator<Example> data, Path checkpointDir, StepListener listener, float[] init) {
        TrainState s = loadOrFresh(c, checkpointDir, init);
        for (long i = 0; i < s.examplesConsumed; i++) {
            if (!data.hasNext())
                throw new BglException("the training data ended after " + i + " examples, but the checkpoint in " + checkpointDir
                        + " had consumed " + s.examplesConsumed);
            data.next();
        }
        Trainer trainer = new Trainer(c);
        List<Example> batch = new ArrayList<>(c.batchSize());
        int lastSaved = s.step;
        while (s.step < c.steps()) {
            batch.clear();
            while (batch.size() < c.batchSize() && data.hasNext()) batch.add(data.next());
            if (batch.size() < c.batchSize()) break; // a partial batch is dropped (and not counted)
            trainer.step(s, batch, listener);
            if (checkpointDir != null && c.checkpointEvery() > 0 && s.step % c.checkpointEvery() == 0) {
                save(checkpointDir, s);
                lastSaved = s.step;
            }
        }
        if (checkpointDir != null && s.step != lastSaved) save(checkpointDir, s);
        return s;
    }

    private static TrainState loadOrFresh(TrainConfig c, Path dir, float[] init) {
        if (dir == null) return init == null ? TrainState.fresh(c) : TrainState.from(c, init);
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        if (Files.exists(file)) return Checkpoint.read(file, c);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BglException("cannot create checkpoint directory " + dir + ": " + e.getMessage(), e);
        }
        return init == null ? TrainState.fresh(c) : TrainState.from(c, init);
    }

    private static void save(Path dir, TrainState s) {
        try {
            Checkpoint.write(dir.resolve(Checkpoint.FILE_NAME), s);
        } catch (IOException e) {
            throw new BglException("cannot write checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** One optimiser step on {@code batch}; advances {@code s.step} and {@code s.examplesConsumed}. */
    public StepListener.Stats step(TrainState s, List<Example> batch, StepListener listener) {
        long t0 = System.nanoTime();
        int counted = 0;
        long positions = 0;
        for (Example ex : batch) {
            check(ex);
            for (int i = 1; i < ex.length(); i++) if (ex.lossMask()[i]) counted++;
            positions += ex.length() - 1;
        }
        float lossScale = 1f / Math.max(1, counted);
        double loss = gradients(s.params, batch, lossScale);
        float[] grad = workers.getFirst().grad;
        float lr = LrSchedule.at(s.step, c.lr(), c.warmupSteps(), c.steps());
        double norm = AdamW.step(model.layout(), s.params, grad, s.m, s.v, s.step + 1, lr, c.weightDecay(), c.gradClip());
        s.step++;
        s.examplesConsumed += batch.size();
        double seconds = (System.nanoTime() - t0) / 1e9;
        var stats = new StepListener.Stats(s.step, c.steps(), loss / Math.max(1, counted), positions / seconds, lr, norm, s.examplesConsumed);
        if (listener != null) listener.onStep(stats);
        return stats;
    }

    private void check(Example ex) {
        if (ex.length() > c.maxSeq())
            throw new BglException("a training example has " + ex.length() + " tokens, more than --max-seq " + c.maxSeq());
        for (int t : ex.tokens())
            if (t < 0 || t >= c.vocab()) throw new BglException("token id " + t + " in a training example is outside the vocabulary (0.." + (c.vocab() - 1) + ")");
    }

    /**
     * Sums the gradient of lossScale·Σ loss over the batch into the first worker's buffer
     * and returns the unscaled loss sum.
     */
    double gradients(float[] params, List<Example> batch, float lossScale) {
        int nw = Math.max(1, Math.min(Parallel.threads(), batch.size()));
        while (workers.size() < nw) workers.add(model.newWorkspace());
        model.transposeWeights(params, pT);
        int[][] assigned = assign(batch, nw);
        double[] losses = new double[nw];
        Parallel.forRange(nw, 1, (w0, w1) -> {
            for (int w = w0; w < w1; w++) {
                Workspace ws = workers.get(w);
                Arrays.fill(ws.grad, 0f);
                double l = 0;
                for (int i : assigned[w]) l += model.forwardBackward(params, pT, ws, batch.get(i), lossScale);
                losses[w] = l;
            }
        });
        float[] g = workers.getFirst().grad;
        for (int w = 1; w < nw; w++) {
            float[] gw = workers.get(w).grad;
            Parallel.forRange(g.length, 1 << 14, (a, b) -> {
                for (int i = a; i < b; i++) g[i] += gw[i];
            });
        }
        double loss = 0;
        for (double l : losses) loss += l;
        return loss;
    }

    /**
     * Longest-first greedy balance of the sequences over workers by cost (length plus a quadratic
     * attention term); depends only on the lengths, so it is reproducible.
     */
    private int[][] assign(List<Example> batch, int nw) {
        Integer[] order = new Integer[batch.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> batch.get(b).length() != batch.get(a).length()
                ? Integer.compare(batch.get(b).length(), batch.get(a).length()) : Integer.compare(a, b));
        double[] load = new double[nw];
        List<List<Integer>> lists = new ArrayList<>();
        for (int w = 0; w < nw; w++) lists.add(new ArrayList<>());
        for (int i : order) {
            int best = 0;
            for (int w = 1; w < nw; w++) if (load[w] < load[best]) best = w;
            double n = batch.get(i).length();
            load[best] += n * (1 + n / 1024.0);
            lists.get(best).add(i);
        }
        int[][] out = new int[nw][];
        for (int w = 0; w < nw; w++) out[w] = lists.get(w).stream().mapToInt(Integer::intValue).toArray();
        return out;
    }

    /** Logits [n][vocab] of the model {@code params} on tokens[0..n) (the trainer's own forward pass). */
    public static float[] logits(TrainConfig c, float[] params, int[] tokens, int n) {
        if (n < 1 || n > c.maxSeq()) throw new BglException("sequence of " + n + " tokens; expected 1.." + c.maxSeq());
        Qwen3Model model = new Qwen3Model(c);
        Workspace ws = model.newWorkspace();
        model.forward(params, model.transposed(params), ws, tokens, n);
        return Arrays.copyOf(ws.logits, n * c.vocab());
    }
}
