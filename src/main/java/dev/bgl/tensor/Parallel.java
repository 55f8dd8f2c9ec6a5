package dev.bgl.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits index ranges over a fixed pool sized to the cores (or {@code -Dbgl.threads=N}). Work is
 * cut into a few chunks per thread; small ranges run on the caller's thread.
 */
public final class Parallel {
    private static volatile ForkJoinPool pool = new ForkJoinPool(defaultThreads());

    private Parallel() {
    }

    public static int defaultThreads() {
        String s = System.getProperty("bgl.threads");
        if (s != null) {
            try {
                return Math.max(1, Integer.parseInt(s));
            } catch (NumberFormatException ignored) {
                // fall through to the core count
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    public static int threads() {
        return pool.getParallelism();
    }

    /** Replaces the pool (e.g. from the CLI's --threads). */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        if (n == pool.getParallelism()) return;
        ForkJoinPool old = pool;
        pool = new ForkJoinPool(n);
        old.shutdown();
    }

    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /** Runs {@code body} over [0, n) in chunks of at least {@code grain} indices. */
    public static void forRange(int n, int grain, RangeBody body) {
        int threads = pool.getParallelism();
        if (threads == 1 || n <= grain) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(threads * 4, Math.max(1, n / grain));
        pool.invoke(new Chunk(body, 0, chunks, chunks, n));
    }

    private static final class Chunk extends RecursiveAction {
        private final RangeBody body;
        private final int lo, hi, chunks, n;

        Chunk(RangeBody body, int lo, int hi, int chunks, int n) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
            this.chunks = chunks;
            this.n = n;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                int start = (int) ((long) n * lo / chunks), end = (int) ((long) n * hi / chunks);
                if (end > start) body.run(start, end);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunk(body, lo, mid, chunks, n), new Chunk(body, mid, hi, chunks, n));
        }
    }
}
