package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.util.Random;

/**
 * A qwen3moe decode layer's expert products from cold memory (6 layers of 64 experts of dim 1024
 * and FFN 384, Q8_0, 8 random experts a layer), against one large matrix streamed in the same run:
 * each figure is the weight bytes read per second and its share of the large stream's rate. Modes:
 * gate and up as two products sharing one encoding ("apart"), as one stacked product ("stacked"),
 * each with the SwiGLU in vector lanes ("vsilu", "stacked+vsilu"), and "stacked+vsilu" again with
 * the next expert's first 2 or 8 KB read ahead ("touch2k", "touch8k": no clear gain, not adopted).
 * No JMH; run after {@code mvn test-compile}:
 * <pre>java --add-modules jdk.incubator.vector -Dbgl.threads=1 -cp bgl-core/target/classes:bgl-tests/target/test-classes dev.bgl.tensor.MoeKernelBench</pre>
 */
public final class MoeKernelBench {
    static long sink;
    public static void main(String[] args) {
        int layers = Integer.getInteger("bench.layers", 6), count = 64, used = 8, dim = 1024, f = Integer.getInteger("bench.ffn", 384);
        GgmlType type = GgmlType.valueOf(System.getProperty("bench.type", "Q8_0"));
        Random rnd = new Random(1);
        float[] gw = KernelCheck.gaussian(rnd, f * dim, 0.5f), uw = KernelCheck.gaussian(rnd, f * dim, 0.5f), dw = KernelCheck.gaussian(rnd, f * dim, 0.5f);
        float[] guw = new float[2 * f * dim];
        System.arraycopy(gw, 0, guw, 0, f * dim);
        System.arraycopy(uw, 0, guw, f * dim, f * dim);
        Tensor[][] gate = new Tensor[layers][count], up = new Tensor[layers][count], down = new Tensor[layers][count], gu = new Tensor[layers][count];
        for (int l = 0; l < layers; l++)
            for (int e = 0; e < count; e++) {
                gate[l][e] = Tensor.quantize("g", type, gw, f, dim).packedForProducts();
                up[l][e] = Tensor.quantize("u", type, uw, f, dim).packedForProducts();
                down[l][e] = Tensor.quantize("d", type, dw, dim, f).packedForProducts();
                gu[l][e] = Tensor.quantize("gu", type, guw, 2 * f, dim).packedForProducts();
            }
        float[] bw = KernelCheck.gaussian(rnd, 24 * f * dim, 0.5f);
        Tensor[] bigs = new Tensor[16];
        for (int i = 0; i < bigs.length; i++) bigs[i] = Tensor.quantize("big", type, bw, 24 * f, dim).packedForProducts();
        long expertBytes = gate[0][0].data().byteSize() * 3;
        float[] x = KernelCheck.gaussian(rnd, dim, 1), g = new float[2 * f], u = new float[f], h = new float[f], o = new float[dim], ob = new float[24 * f];
        Activations a = new Activations(Math.max(dim, 2 * f)), a2 = new Activations(dim);
        int[][] pick = new int[4096][used];
        for (int[] p : pick) {
            java.util.BitSet s = new java.util.BitSet();
            for (int i = 0; i < used; i++) {
                int e;
                do e = rnd.nextInt(count); while (s.get(e));
                s.set(e);
                p[i] = e;
            }
        }
        String[] names = {"apart", "stacked", "vsilu", "large", "stacked+vsilu", "touch2k", "touch8k"};
        int touchKb[] = {0, 0, 0, 0, 0, 2, 8};
        int rounds = Integer.getInteger("bench.rounds", 5);
        double[][] rate = new double[rounds][names.length];
        for (int round = 0; round < rounds; round++) {
            for (int mode = 0; mode < names.length; mode++) {
                int steps = 300;
                long t0 = System.nanoTime();
                long bytes = 0;
                for (int s = 0; s < steps; s++) {
                    for (int l = 0; l < layers; l++) {
                        if (mode == 3) {
                            Tensor bt = bigs[(s * layers + l) % bigs.length];
                            Kernels.matvec(bt, x, ob, a);
                            bytes += bt.data().byteSize();
                            continue;
                        }
                        int[] p = pick[(s * layers + l) & 4095];
                        Activations ax = null;
                        for (int pi = 0; pi < p.length; pi++) {
                            int e = p[pi];
                            if (touchKb[mode] > 0) {
                                int[] np = pi + 1 < p.length ? p : pick[(s * layers + l + 1) & 4095];
                                int ne = pi + 1 < p.length ? p[pi + 1] : np[0];
                                int nl = pi + 1 < p.length ? l : (l + 1) % layers;
                                long t = 0;
                                for (Tensor w : new Tensor[]{gu[nl][ne], down[nl][ne]}) {
                                    java.lang.foreign.MemorySegment d = w.packed().data();
                                    for (long off = 0; off < touchKb[mode] * 1024L; off += 64) t += d.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off);
                                }
                                sink += t;
                            }
                            if (mode == 1 || mode >= 4) {
                                ax = Kernels.matvecSharing(gu[l][e], x, ax, g, a2);
                                System.arraycopy(g, f, u, 0, f);
                            } else {
                                ax = Kernels.matvecSharing(gate[l][e], x, ax, g, a2);
                                ax = Kernels.matvecSharing(up[l][e], x, ax, u, a2);
                            }
                            if (mode == 2 || mode >= 4) {
                                int i = 0;
                                for (; i + Species.L <= f; i += Species.L) {
                                    FloatVector gv = FloatVector.fromArray(Species.F, g, i);
                                    gv.div(gv.neg().lanewise(VectorOperators.EXP).add(1f)).mul(FloatVector.fromArray(Species.F, u, i)).intoArray(h, i);
                                }
                                for (; i < f; i++) h[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
                            } else {
                                for (int i = 0; i < f; i++) h[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
                            }
                            Kernels.matvec(down[l][e], h, o, a);
                        }
                        bytes += used * expertBytes;
                    }
                }
                double dt = (System.nanoTime() - t0) / 1e9;
                rate[round][mode] = bytes / dt / 1e9;
            }
            StringBuilder sb = new StringBuilder("round " + round);
            for (int m = 0; m < names.length; m++) sb.append(String.format("  %s %.2f GB/s (%.3f of large)", names[m], rate[round][m], rate[round][m] / rate[round][3]));
            System.out.println(sb);
        }
    }
}
