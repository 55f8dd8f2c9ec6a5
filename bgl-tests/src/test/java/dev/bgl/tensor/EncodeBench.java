package dev.bgl.tensor;

import java.util.Random;

/**
 * Time to encode one input for the integer kernels (Q8_0, Q8_K), per call, after warming up; no
 * JMH. Every quantised product encodes its input, so at decode this is paid once per product (or
 * once per input shared by several, {@link Kernels#matvecSharing}). Run after {@code mvn test-compile}:
 * <pre>java --add-modules jdk.incubator.vector -cp bgl-core/target/classes:bgl-tests/target/test-classes dev.bgl.tensor.EncodeBench</pre>
 * {@code -Dbench.n=} sets the length (default 1,024, a 0.6B model's dim).
 */
public final class EncodeBench {
    public static void main(String[] args) {
        int n = Integer.getInteger("bench.n", 1024);
        float[] x = KernelCheck.gaussian(new Random(1), n, 1);
        Activations a = new Activations(n);
        for (ActivationType t : new ActivationType[]{ActivationType.Q8_0, ActivationType.Q8_K})
            for (int round = 0; round < 5; round++) {
                int calls = 200_000;
                long t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) a.encode(t, x, 0, n);
                System.out.printf("%s n=%d: %.3f us per encode%s%n", t, n, (System.nanoTime() - t0) / 1e3 / calls, round == 0 ? " (warming up)" : "");
            }
    }
}
