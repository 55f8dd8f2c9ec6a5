package dev.bgl.train;

import dev.bgl.model.Architecture;
import dev.bgl.model.ModelConfig;
import dev.bgl.util.BglException;

/**
 * Everything that decides a training run: the model's shape (a Qwen3 with tied embeddings) and the
 * optimiser's schedule. A checkpoint stores it, and resuming checks that it did not change.
 *
 * @param maxSeq          longest example (tokens); activation buffers are sized for it
 * @param warmupSteps     steps of linear lr warm-up before the cosine decay to 10% of {@code lr}
 * @param weightDecay     AdamW's decoupled decay, applied to matrices only (not norms, not the embedding)
 * @param gradClip        global gradient-norm clip (≤ 0: none)
 * @param checkpointEvery steps between checkpoints (≤ 0: only at the end)
 */
public record TrainConfig(int dim, int layers, int heads, int kvHeads, int headDim, int ffnDim, int vocab, int maxSeq,
                          float ropeBase, float rmsEps,
                          float lr, int warmupSteps, int steps, int batchSize, float weightDecay, float gradClip,
                          long seed, int checkpointEvery) {

    public TrainConfig {
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kv-heads", kvHeads);
        positive("head-dim", headDim);
        positive("ffn", ffnDim);
        positive("vocab", vocab);
        positive("max-seq", maxSeq);
        positive("steps", steps);
        positive("batch", batchSize);
        if (maxSeq < 2) throw new BglException("--max-seq must be at least 2, got " + maxSeq);
        if (heads % kvHeads != 0) throw new BglException("--heads " + heads + " must be a multiple of --kv-heads " + kvHeads);
        if (headDim % 2 != 0) throw new BglException("--head-dim " + headDim + " must be even (RoPE rotates pairs)");
        if (!(ropeBase > 1)) throw new BglException("--rope-base must be > 1, got " + ropeBase);
        if (!(rmsEps > 0)) throw new BglException("--rms-eps must be > 0, got " + rmsEps);
        if (!(lr > 0)) throw new BglException("--lr must be > 0, got " + lr);
        if (warmupSteps < 0) throw new BglException("--warmup must be >= 0, got " + warmupSteps);
        if (!(weightDecay >= 0)) throw new BglException("--weight-decay must be >= 0, got " + weightDecay);
        if (Float.isNaN(gradClip)) throw new BglException("--clip must be a number");
    }

    private static void positive(String name, int v) {
        if (v < 1) throw new BglException("--" + name + " must be positive, got " + v);
    }

    /** The bgl demo model's shape (dim 128, 4 layers, 4 heads / 2 KV heads of 32, ffn 384) with a default schedule. */
    public static TrainConfig small(int vocab, int maxSeq, int steps) {
        return new TrainConfig(128, 4, 4, 2, 32, 384, vocab, maxSeq, 1_000_000f, 1e-6f,
                2e-3f, Math.min(100, steps / 10), steps, 16, 0.1f, 1.0f, 1234, 200);
    }

    public TrainConfig withSteps(int newSteps) {
        return new TrainConfig(dim, layers, heads, kvHeads, headDim, ffnDim, vocab, maxSeq, ropeBase, rmsEps,
                lr, warmupSteps, newSteps, batchSize, weightDecay, gradClip, seed, checkpointEvery);
    }

    public TrainConfig withCheckpointEvery(int every) {
        return new TrainConfig(dim, layers, heads, kvHeads, headDim, ffnDim, vocab, maxSeq, ropeBase, rmsEps,
                lr, warmupSteps, steps, batchSize, weightDecay, gradClip, seed, every);
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /** The engine's view of this shape: what {@link ModelExport} writes and {@code GgufModelSource} reads back. */
    public ModelConfig modelConfig() {
        return new ModelConfig(Architecture.QWEN3, vocab, dim, layers, heads, kvHeads, headDim, headDim, ffnDim,
                maxSeq, rmsEps, ropeBase, true);
    }
}
