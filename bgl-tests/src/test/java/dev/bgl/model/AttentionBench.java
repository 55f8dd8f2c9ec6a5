package dev.bgl.model;

import java.util.Random;

/**
 * Decode attention at depth, alone: one query per layer over a KV cache of {@code bench.depth}
 * positions in every layer of Qwen3-0.6B's shapes (28 layers, 16 query and 8 KV heads of 128), so
 * the cache streams from memory as in a decode step. Prints milliseconds per token (all layers)
 * and the KV bytes read per second, the fastest of {@code bench.rounds} rounds.
 *
 * <pre>java --add-modules jdk.incubator.vector -Dbgl.threads=1 -cp bgl-core/target/classes:bgl-tests/target/test-classes dev.bgl.model.AttentionBench</pre>
 * Options: {@code -Dbench.depth=4096 -Dbench.kv=f16|q8_0|q4_0 -Dbench.layers=28 -Dbench.rounds=5}, and
 * {@code -Dbench.chunk=32} to time a prefill chunk of that many queries ending at the depth.
 */
public final class AttentionBench {
    public static void main(String[] args) {
        int depth = Integer.getInteger("bench.depth", 4096), layers = Integer.getInteger("bench.layers", 28);
        int rounds = Integer.getInteger("bench.rounds", 5), threads = dev.bgl.tensor.Parallel.threads();
        int chunk = Integer.getInteger("bench.chunk", 1); // queries per call: 1 decodes, more is a prefill chunk ending at the depth
        KvCacheType type = KvCacheType.parse(System.getProperty("bench.kv", "f16"));
        ModelConfig c = new ModelConfig(Architecture.QWEN3, 16, 1024, layers, 16, 8, 128, 128, 3072, depth + 64, 1e-6f, 1e6f, true);
        KvCache cache = new KvCache(c, depth + 1, type);
        Random rnd = new Random(1);
        float[] k = new float[c.kvDim()], v = new float[c.vDim()];
        for (int pos = 0; pos < depth; pos++)
            for (int l = 0; l < layers; l++) {
                for (int i = 0; i < k.length; i++) k[i] = (float) rnd.nextGaussian() * 0.3f;
                for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
                cache.store(l, pos, k, 0, v, 0);
            }
        float[] q = new float[chunk * c.qDim()], out = new float[chunk * c.heads() * c.valueHeadDim()];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
        TiledAttention att = new TiledAttention(c, threads);
        double kvBytes = (double) layers * depth * (type.rowBytes(c.kvDim()) + type.rowBytes(c.vDim()));
        long best = Long.MAX_VALUE;
        for (int r = 0; r < rounds + 2; r++) { // two warm-up rounds
            int reps = 20;
            long t0 = System.nanoTime();
            for (int rep = 0; rep < reps; rep++)
                for (int l = 0; l < layers; l++) att.run(cache, l, depth - chunk, chunk, q, out);
            long per = (System.nanoTime() - t0) / reps;
            if (r >= 2) best = Math.min(best, per);
            System.out.printf("round %d: %.2f ms per token%n", r, per / 1e6);
        }
        System.out.printf("depth %d chunk %d kv %s threads %d layers %d: %.2f ms per call, %.1f GB/s of KV cache (%.1f MB a token), checksum %.4f%n",
                depth, chunk, type.label(), threads, layers, best / 1e6, kvBytes / best, kvBytes / 1e6, out[0] + out[out.length - 1]);
    }
}
