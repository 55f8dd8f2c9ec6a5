package dev.bgl.train;

import dev.bgl.tensor.Parallel;

import java.util.ArrayList;
import java.util.List;

/**
 * Training throughput of the demo shape (dim 128, 4 layers, 4/2 heads of 32, ffn 384, vocab 281)
 * on batches of 16 sequences of ~150 tokens, with 1 and 2 threads. Not a test: run with
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.bgl.train.TrainBench [steps]}.
 */
public final class TrainBench {
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        TrainConfig c = TrainConfig.small(281, 192, 1000);
        Rng rng = new Rng(1);
        List<Example> batch = new ArrayList<>();
        for (int i = 0; i < c.batchSize(); i++) {
            int n = 130 + (int) (rng.nextDouble() * 41);
            int[] t = new int[n];
            boolean[] m = new boolean[n];
            for (int j = 0; j < n; j++) {
                t[j] = (int) (rng.nextDouble() * 281);
                m[j] = j > 20;
            }
            batch.add(new Example(t, m));
        }
        for (int threads : new int[]{1, 2}) {
            Parallel.setThreads(threads);
            Trainer trainer = new Trainer(c);
            TrainState s = TrainState.fresh(c);
            for (int i = 0; i < 3; i++) trainer.step(s, batch, null); // JIT warm-up
            long tokens = 0, t0 = System.nanoTime();
            double loss = 0;
            for (int i = 0; i < steps; i++) {
                loss = trainer.step(s, batch, null).loss();
                for (Example e : batch) tokens += e.length() - 1;
            }
            double sec = (System.nanoTime() - t0) / 1e9;
            System.out.printf("threads %d: %.0f tokens/s (%.3f s/step, loss %.3f)%n", threads, tokens / sec, sec / steps, loss);
        }
    }
}
