package dev.bgl.tensor;

import dev.bgl.format.GgmlType;

import java.util.Random;

/**
 * Rough matvec benchmark (no JMH): for each type and shape, times the vector kernels and the scalar
 * reference in the same run and prints effective weight bandwidth (weight bytes / time) and the
 * speed-up; also a 16-row matmul against 16 matvecs. Time-boxed per case, so it finishes in about
 * half a minute. Run after {@code mvn test-compile}:
 * <pre>java --add-modules jdk.incubator.vector -Dbgl.threads=1 -cp target/classes:target/test-classes dev.bgl.tensor.KernelBench</pre>
 * {@code -Dbench.n=64} sets the tokens of the batched product (32, a prefill chunk, by default).
 * "vs 1 group" is the packed product against the same packed rows taken one group a kernel call.
 */
public final class KernelBench {
    private static final double WARMUP_S = Double.parseDouble(System.getProperty("bench.warmup", "1.0"));
    private static final double MEASURE_S = Double.parseDouble(System.getProperty("bench.measure", "0.5"));
    /** Types to run, e.g. {@code -Dbench.types=Q8_0,Q4_0}; all by default. */
    private static final String TYPES = System.getProperty("bench.types", "");

    @FunctionalInterface
    private interface Body {
        void run();
    }

    /** Seconds per call, after warming up. */
    private static double time(Body body) {
        // Until C2 has compiled the kernels, Vector API code runs boxed and is ~100x slower, so a
        // first call can take most of a second: warm up for a minimum time and number of calls.
        long end = System.nanoTime() + (long) (WARMUP_S * 1e9);
        for (int calls = 0; calls < 30 || System.nanoTime() < end; calls++) body.run();
        int calls = 0;
        long start = System.nanoTime();
        end = start + (long) (MEASURE_S * 1e9);
        long now;
        do {
            body.run();
            calls++;
        } while ((now = System.nanoTime()) < end);
        return (now - start) / 1e9 / calls;
    }

    /**
     * The packed product as it ran before kernels {@link PackedKernel#pairsGroups paired groups}:
     * encode, then one {@link PackedKernel#matvec} call per group (the reference for "vs 1 group").
     */
    private static void oneGroupACall(Tensor w, float[] x, float[] out, Activations a) {
        PackedRows p = w.packed();
        Kernels.encodeFor(w, x, a);
        if (p.kernel().readsFloatPairs()) a.ensureFloatPairs();
        long groupBytes = p.groupBytes();
        int g = PackedRows.G;
        Parallel.forRange(p.groups(), 64 / g, (start, end) -> {
            for (int i = start; i < end; i++) p.kernel().matvec(p.data(), i * groupBytes, p.cols(), a, out, i * g);
        });
    }

    public static void main(String[] args) {
        System.out.printf("threads=%d vectors=%s%n", Parallel.threads(), Species.describe());
        long t0 = System.nanoTime();
        Kernels.warmUp();
        System.out.printf("Kernels.warmUp: %.2f s%n", (System.nanoTime() - t0) / 1e9);
        System.out.printf("%-5s %-10s %10s %10s %10s %10s %8s %10s %10s %10s %12s %10s%n", "type", "shape", "vec us", "vec GB/s", "ref us", "ref GB/s", "speedup", "max|diff|",
                "packed us", "vs vec", "1 group us", "vs 1 group");
        Random rnd = new Random(1);
        // -Dbench.shapes=65536x1024 adds a matrix larger than the last-level cache (decode streams from memory)
        int[][] shapes = java.util.Arrays.stream(System.getProperty("bench.shapes", "1024x1024,4096x1024").split(","))
                .map(t -> t.split("x")).map(t -> new int[]{Integer.parseInt(t[0].strip()), Integer.parseInt(t[1].strip())}).toArray(int[][]::new);
        for (GgmlType type : KernelCheck.TYPES) {
            if (!TYPES.isEmpty() && !("," + TYPES + ",").contains("," + type + ",")) continue;
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1];
                Tensor w = KernelCheck.randomTensor(rnd, type, rows, cols);
                float[] x = KernelCheck.gaussian(rnd, cols, 1), out = new float[rows], ref = new float[rows];
                Activations a = new Activations(cols);
                double tv = time(() -> Kernels.matvec(w, x, out, a));
                double tr = time(() -> Kernels.matvecReference(w, x, ref, a));
                Kernels.matvec(w, x, out, a);
                Kernels.matvecReference(w, x, ref, a);
                double diff = 0, scale = 0;
                for (int r = 0; r < rows; r++) {
                    diff = Math.max(diff, Math.abs(out[r] - ref[r]));
                    scale = Math.max(scale, Math.abs(ref[r]));
                }
                double bytes = w.data().byteSize();
                Tensor p = w.packedForProducts();
                double tp = p.packed() == null ? Double.NaN : time(() -> Kernels.matvec(p, x, out, a));
                double t1 = p.packed() == null ? Double.NaN : time(() -> oneGroupACall(p, x, out, a));
                System.out.printf("%-5s %-10s %10.1f %10.2f %10.1f %10.2f %8.1f %10.2e %10.1f %10.2f %12.1f %10.2f%n", type, rows + "x" + cols,
                        tv * 1e6, bytes / tv / 1e9, tr * 1e6, bytes / tr / 1e9, tr / tv, diff / scale, tp * 1e6, tv / tp, t1 * 1e6, t1 / tp);
            }
        }
        System.out.println();
        System.out.printf("%-5s %-10s %14s %14s %14s %8s %8s %14s%n", "type", "shape", "matmul32 us", "dot4-path us", "32 matvec us", "vs dot4", "vs mv", "packed mm us");
        int n = Integer.getInteger("bench.n", 32), rows = 4096, cols = 1024;
        for (GgmlType type : KernelCheck.TYPES) {
            if (!TYPES.isEmpty() && !("," + TYPES + ",").contains("," + type + ",")) continue;
            Tensor w = KernelCheck.randomTensor(rnd, type, rows, cols);
            float[] x = KernelCheck.gaussian(rnd, n * cols, 1), out = new float[n * rows], xi = new float[cols], o1 = new float[rows];
            Activations[] scratch = new Activations[n];
            for (int i = 0; i < n; i++) scratch[i] = new Activations(cols);
            double tm = time(() -> Kernels.matmul(w, x, n, out, scratch));
            Tensor p = w.packedForProducts();
            double tmp = p.packed() == null ? Double.NaN : time(() -> Kernels.matmul(p, x, n, out, scratch));
            double t4 = time(() -> {
                for (int i = 0; i < n; i++) scratch[i].encode(w.kernel().activationType(), x, i * cols, cols);
                Kernels.matmulDot4(w, n, out, scratch);
            });
            double tv = time(() -> {
                for (int i = 0; i < n; i++) {
                    System.arraycopy(x, i * cols, xi, 0, cols);
                    Kernels.matvec(w, xi, o1, scratch[0]);
                }
            });
            System.out.printf("%-5s %-10s %14.1f %14.1f %14.1f %8.2f %8.2f %14.1f%n", type, rows + "x" + cols, tm * 1e6, t4 * 1e6, tv * 1e6, t4 / tm, tv / tm, tmp * 1e6);
        }
    }
}
