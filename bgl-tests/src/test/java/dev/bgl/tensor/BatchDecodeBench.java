package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The decode step of n sequences ({@link Kernels#matvecBatch}) against n single-sequence
 * {@link Kernels#matvec}s, on the weight shapes of Qwen3-0.6B (hidden 1024, q 2048, kv 1024, ffn
 * 3072, vocabulary 151936). Each shape is held in as many distinct copies as the model has layers
 * (28), so the weights stream from memory as in real decoding rather than sitting in cache; the
 * output head is one matrix. Prints, per shape and for the whole sweep, the time per token and the
 * per-token speed-up over n matvecs (the aggregate decode gain continuous batching can reach on
 * the products). Times are CPU time on one thread, wall-clock time on more. Run after {@code mvn test-compile}, from the repository root:
 * <pre>java --add-modules jdk.incubator.vector -Dbgl.threads=1 -cp bgl-core/target/classes:bgl-tests/target/test-classes dev.bgl.tensor.BatchDecodeBench</pre>
 * {@code -Dbench.type=Q4_K} for another type, {@code -Dbench.layers=8} for fewer copies,
 * {@code -Dbench.n=1,2,4,8,16} for the batch sizes, {@code -Dbench.rounds=3} for the rounds each
 * figure is the fastest of.
 */
public final class BatchDecodeBench {
    private static final double WARMUP_S = Double.parseDouble(System.getProperty("bench.warmup", "0.3"));
    private static final double MEASURE_S = Double.parseDouble(System.getProperty("bench.measure", "0.3"));
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    private static final GgmlType TYPE = GgmlType.valueOf(System.getProperty("bench.type", "Q8_0"));
    private static final int LAYERS = Integer.getInteger("bench.layers", 28);
    private static final int[] NS = java.util.Arrays.stream(System.getProperty("bench.n", "1,2,4,8,16").split(","))
            .mapToInt(s -> Integer.parseInt(s.strip())).toArray();

    private record Shape(String name, int rows, int cols, int copies) {
    }

    @FunctionalInterface
    private interface Body {
        void run();
    }

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Now in nanoseconds: on one thread this thread's CPU time, which leaves out the time others'
     * processes hold the core (the machines we measure on are shared); with more, wall-clock time.
     */
    private static long now() {
        return Parallel.threads() == 1 ? CPU.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** Seconds per call, after warming up (Vector API code runs boxed until C2 compiles it). */
    private static double time(Body body) {
        long end = now() + (long) (WARMUP_S * 1e9);
        for (int calls = 0; calls < 3 || now() < end; calls++) body.run();
        int calls = 0;
        long start = now(), t;
        end = start + (long) (MEASURE_S * 1e9);
        do {
            body.run();
            calls++;
        } while ((t = now()) < end);
        return (t - start) / 1e9 / calls;
    }

    /** {@code copies} tensors with the bytes of one random matrix, each in memory of its own, packed where the type packs. */
    private static List<Tensor> copies(Random rnd, Shape s) {
        Tensor w = KernelCheck.randomTensor(rnd, TYPE, s.rows, s.cols);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < s.copies; i++) {
            MemorySegment m = Arena.ofAuto().allocate(w.data().byteSize(), 64);
            m.copyFrom(w.data());
            out.add(new Tensor(s.name + i, TYPE, m, s.rows, s.cols).packedForProducts());
        }
        return out;
    }

    public static void main(String[] args) {
        System.out.printf("type=%s layers=%d threads=%d vectors=%s%n", TYPE, LAYERS, Parallel.threads(), Species.describe());
        Kernels.warmUp();
        Shape[] shapes = {
                new Shape("q 1024->2048", 2048, 1024, LAYERS),
                new Shape("k,v 1024->1024", 1024, 1024, 2 * LAYERS),
                new Shape("o 2048->1024", 1024, 2048, LAYERS),
                new Shape("gate,up 1024->3072", 3072, 1024, 2 * LAYERS),
                new Shape("down 3072->1024", 1024, 3072, LAYERS),
                new Shape("head 1024->151936", 151936, 1024, 1)};
        Random rnd = new Random(1);
        int maxN = java.util.Arrays.stream(NS).max().orElse(1);
        double[] sumSingle = new double[1], sumBatch = new double[NS.length];
        System.out.printf("%-20s %9s", "shape", "1x us/tok");
        for (int n : NS) System.out.printf(" %13s", "n=" + n + " us/tok");
        System.out.printf("   per-token speed-up at n=%s%n", java.util.Arrays.toString(NS));
        for (Shape s : shapes) {
            List<Tensor> ws = copies(rnd, s);
            float[] x = KernelCheck.gaussian(rnd, maxN * s.cols, 1), out = new float[maxN * s.rows];
            Activations[] scratch = new Activations[maxN];
            for (int i = 0; i < maxN; i++) scratch[i] = new Activations(s.cols);
            // rounds alternate the single product and every batch size, each keeping its fastest:
            // on a shared machine the load of others slows some rounds, and min is the least disturbed
            double single = Double.MAX_VALUE;
            double[] perToken = new double[NS.length];
            java.util.Arrays.fill(perToken, Double.MAX_VALUE);
            for (int round = 0; round < ROUNDS; round++) {
                single = Math.min(single, time(() -> {
                    for (Tensor w : ws) Kernels.matvec(w, x, out, scratch[0]);
                }));
                for (int j = 0; j < NS.length; j++) {
                    int n = NS[j];
                    perToken[j] = Math.min(perToken[j], time(() -> {
                        for (Tensor w : ws) Kernels.matvecBatch(w, x, n, out, scratch);
                    }) / n);
                }
            }
            sumSingle[0] += single;
            for (int j = 0; j < NS.length; j++) sumBatch[j] += perToken[j];
            System.out.printf("%-20s %9.1f", s.name, single * 1e6);
            for (double t : perToken) System.out.printf(" %13.1f", t * 1e6);
            System.out.print("  ");
            for (double t : perToken) System.out.printf(" %5.2fx", single / t);
            System.out.println();
        }
        System.out.printf("%-20s %9.1f", "sweep (1 token)", sumSingle[0] * 1e6);
        for (double t : sumBatch) System.out.printf(" %13.1f", t * 1e6);
        System.out.print("  ");
        for (double t : sumBatch) System.out.printf(" %5.2fx", sumSingle[0] / t);
        System.out.println();
    }
}
