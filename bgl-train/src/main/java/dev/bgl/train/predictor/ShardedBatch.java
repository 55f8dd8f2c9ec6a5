package dev.bgl.train.predictor;

import dev.bgl.tensor.Parallel;

import java.util.Arrays;

/**
 * The loss and gradient of one batch, computed by a fixed number of shards whose gradients are
 * summed in shard order: the result is the same whatever the thread count. The heads are sparse
 * (one row each per position), so each shard adds its head rows itself and {@link #clear} zeroes
 * only the rows the last batch touched.
 */
final class ShardedBatch {
    private final PredictorLayout lay;
    private final PredictorNet[] nets;
    private final float[][] shardGrads;
    private final double[] shardLoss;
    private final float[] pT;
    /** The summed gradient of the last batch, dense part and touched head rows. */
    final float[] grad;

    ShardedBatch(PredictorLayout lay, int nIn, int batch) {
        this.lay = lay;
        int shards = Math.min(PredictorTrainer.SHARDS, batch), perShard = (batch + shards - 1) / shards;
        nets = new PredictorNet[shards];
        shardGrads = new float[shards][lay.headsOffset()];
        shardLoss = new double[shards];
        for (int s = 0; s < shards; s++) nets[s] = new PredictorNet(lay, nIn, perShard);
        pT = new float[lay.size()];
        grad = new float[lay.size()];
    }

    /** Mean loss of positions {@code perm[from..from+bn-1]} under weights {@code p}; their gradient is added to {@link #grad}. */
    double run(float[] p, HiddenPositions pos, int[] perm, int from, int bn) {
        int shards = nets.length;
        lay.transposeMatrices(p, pT);
        float scale = 1f / bn;
        Parallel.forRange(shards, 1, (lo, hi) -> {
            for (int s = lo; s < hi; s++) {
                int a = from + (int) ((long) bn * s / shards), z = from + (int) ((long) bn * (s + 1) / shards);
                Arrays.fill(shardGrads[s], 0f);
                shardLoss[s] = 0;
                if (z <= a) {
                    nets[s].reset();
                    continue;
                }
                pos.load(nets[s], perm, a, z - a);
                shardLoss[s] = nets[s].forward(p, pT, z - a);
                nets[s].backward(p, scale, shardGrads[s]);
            }
        });
        double loss = 0;
        for (int s = 0; s < shards; s++) {
            loss += shardLoss[s];
            float[] sg = shardGrads[s];
            for (int i = 0; i < sg.length; i++) grad[i] += sg[i];
            nets[s].addHeadGradients(grad);
        }
        return loss / bn;
    }

    /** Zeroes the dense part and the head rows the last batch touched. */
    void clear() {
        Arrays.fill(grad, 0, lay.headsOffset(), 0f);
        int d = lay.config().width(), ao = lay.alpha().offset(), lo = lay.lam().offset();
        for (PredictorNet net : nets)
            for (int b = 0; b < net.batch(); b++) {
                int r = net.target[b];
                Arrays.fill(grad, ao + r * d, ao + (r + 1) * d, 0f);
                Arrays.fill(grad, lo + r * d, lo + (r + 1) * d, 0f);
            }
    }
}
