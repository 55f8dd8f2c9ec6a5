package dev.bgl.tensor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.L;

/**
 * The float-array operations the transformer needs besides matrix products (attention scores,
 * norms, activations, residuals), vectorised with scalar tails. Where ggml's rounding is visible
 * (rms_norm and softmax sums in double) these follow ggml's CPU ops.
 */
public final class VectorOps {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED.vectorBitSize() >= F.vectorBitSize()
            ? VectorSpecies.of(double.class, F.vectorShape()) : DoubleVector.SPECIES_PREFERRED;

    /** Floats per vector register in these kernels. */
    public static final int LANES = L;

    private VectorOps() {
    }

    /** Σ a[aOff+i]·b[bOff+i] for i < n. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), acc1);
        }
        for (; i <= n - L; i += L) acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /**
     * out[outOff+o] = bias[o] + Σ_i x[xOff+i]·wt[i·outDim+o] for o in [o0, o1): a matrix-vector
     * product with the matrix stored transposed (input-major). Each output is a lane, so no
     * horizontal reduction is needed; four vectors of outputs stay in registers across the input
     * loop. For narrow layers (a budget predictor's 96..768 columns) this beats a row-major dot
     * per output, whose lane reductions cost more than its multiply-adds. {@code bias} may be null.
     */
    public static void matVecT(float[] wt, int inDim, int outDim, float[] x, int xOff, float[] bias,
                               float[] out, int outOff, int o0, int o1) {
        int o = o0;
        for (; o <= o1 - 4 * L; o += 4 * L) {
            FloatVector a0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, o);
            FloatVector a1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, o + L);
            FloatVector a2 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, o + 2 * L);
            FloatVector a3 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, o + 3 * L);
            for (int i = 0, w = o; i < inDim; i++, w += outDim) {
                FloatVector xi = FloatVector.broadcast(F, x[xOff + i]);
                a0 = FloatVector.fromArray(F, wt, w).fma(xi, a0);
                a1 = FloatVector.fromArray(F, wt, w + L).fma(xi, a1);
                a2 = FloatVector.fromArray(F, wt, w + 2 * L).fma(xi, a2);
                a3 = FloatVector.fromArray(F, wt, w + 3 * L).fma(xi, a3);
            }
            a0.intoArray(out, outOff + o);
            a1.intoArray(out, outOff + o + L);
            a2.intoArray(out, outOff + o + 2 * L);
            a3.intoArray(out, outOff + o + 3 * L);
        }
        for (; o <= o1 - L; o += L) {
            FloatVector a0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, o);
            for (int i = 0, w = o; i < inDim; i++, w += outDim)
                a0 = FloatVector.fromArray(F, wt, w).fma(FloatVector.broadcast(F, x[xOff + i]), a0);
            a0.intoArray(out, outOff + o);
        }
        for (; o < o1; o++) {
            float acc = bias == null ? 0f : bias[o];
            for (int i = 0; i < inDim; i++) acc = Math.fma(x[xOff + i], wt[i * outDim + o], acc);
            out[outOff + o] = acc;
        }
    }

    /** The transpose of a rows×cols row-major matrix: cols×rows, row-major. */
    public static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        return t;
    }

    /** y[yOff+i] += a·x[xOff+i] for i < n (axpy; attention's weighted sum of values). */
    public static void scaledAdd(float[] y, int yOff, float a, float[] x, int xOff, int n) {
        FloatVector va = FloatVector.broadcast(F, a);
        int i = 0;
        for (; i <= n - L; i += L)
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        for (; i < n; i++) y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
    }

    /** y[i] += x[i] for i < n (residual connection). */
    public static void add(float[] y, float[] x, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(F, y, i).add(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        for (; i < n; i++) y[i] += x[i];
    }

    /** out[i] = a[i]·b[i] for i < n; out may be a or b. */
    public static void mul(float[] out, float[] a, float[] b, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(F, a, i).mul(FloatVector.fromArray(F, b, i)).intoArray(out, i);
        for (; i < n; i++) out[i] = a[i] * b[i];
    }

    /** x[off+i] *= s for i < n. */
    public static void scale(float[] x, int off, float s, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] *= s;
    }

    /** RMS norm of {@code x[0..n)} times {@code weight}, into {@code out} (may be x). */
    public static void rmsnorm(float[] out, float[] x, float[] weight, float eps, int n) {
        rmsnorm(out, 0, x, 0, weight, eps, n);
    }

    /**
     * ggml's rms_norm followed by its mul with the weight: squares rounded to float but summed in
     * double, {@code scale = 1/sqrtf(float(sum/n) + eps)}, {@code out = (x·scale)·w}. The offset form
     * serves per-head norms (Qwen3's q/k norm) on a slice; {@code weight} starts at 0.
     */
    public static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float eps, int n) {
        DoubleVector acc = DoubleVector.zero(D);
        int parts = L / D.length();
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            FloatVector sq = v.mul(v);
            for (int p = 0; p < parts; p++) acc = acc.add((DoubleVector) sq.convertShape(VectorOperators.F2D, D, p));
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += x[xOff + i] * x[xOff + i];
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        i = 0;
        for (; i <= n - L; i += L)
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, outOff + i);
        for (; i < n; i++) out[outOff + i] = (x[xOff + i] * scale) * weight[i];
    }

    /** Largest of x[off..off+n); −∞ for n = 0. */
    public static float max(float[] x, int off, int n) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) m = m.max(FloatVector.fromArray(F, x, off + i));
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) r = Math.max(r, x[off + i]);
        return r;
    }

    /**
     * In-place softmax of x[off..off+n) as ggml's soft_max: subtract the max, exponentiate, sum
     * in double (per vector as ggml's AVX-512 path), scale by {@code float(1/sum)}.
     */
    public static void softmax(float[] x, int off, int n) {
        float max = max(x, off, n);
        double sum = expSum(x, off, n, max);
        scale(x, off, (float) (1.0 / sum), n);
    }

    /**
     * x[off..off+n) to e^(x − max) in place, and their sum: each vector's lanes summed in float,
     * the vectors' sums in double, as ggml's soft_max sums (and so the attention's softmax). The
     * exponential is {@link VectorExp}'s, the same bits compiled or not and in a lane or the tail
     * ({@code lanewise(EXP)} changed its last bits when C2 compiled this loop, so attention, and
     * a greedy token on a near tie, depended on how warm the JVM was); below its range (e^−87.3,
     * a masked −∞ score) it is 0.
     */
    public static double expSum(float[] x, int off, int n, float max) {
        double sum = 0;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector d = FloatVector.fromArray(F, x, off + i).sub(max);
            FloatVector e = VectorExp.exp(d).blend(0f, d.compare(VectorOperators.LT, EXP_FLOOR));
            e.intoArray(x, off + i);
            sum += e.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float d = x[off + i] - max;
            float e = d < EXP_FLOOR ? 0f : VectorExp.exp(d);
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }

    /** Where {@link #expSum} counts e^x as 0: the bottom of {@link VectorExp}'s range. */
    private static final float EXP_FLOOR = -87.3f;

    /**
     * x·sigmoid(x) = x / (1 + e^−x), as ggml_silu_f32, with {@link VectorExp}'s e^x: the same bits
     * in a vector lane and here, compiled or not.
     */
    public static float silu(float x) {
        return x / (1.0f + VectorExp.exp(-x));
    }

    /** In place: x[off+i] = silu(x[off+i]). */
    public static void silu(float[] x, int off, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            v.div(VectorExp.exp(v.neg()).add(1f)).intoArray(x, off + i);
        }
        for (; i < n; i++) x[off + i] = silu(x[off + i]);
    }

    /**
     * The exact GELU in place, x·Φ(x) = ½x(1 + erf(x/√2)) (BERT's "gelu"), with erf from Abramowitz
     * and Stegun 7.1.26 (absolute error 1.5e-7, below a float's resolution of the result) and the
     * vector exp: a budget predictor's FFN calls it on every hidden unit at every guided token,
     * where a scalar Math.exp per element cost a quarter of the encoder. {@link VectorExp}'s, so a
     * guided run's predictions do not change when the JIT compiles this loop.
     */
    public static void gelu(float[] x, int off, int n) {
        final float invSqrt2 = (float) Math.sqrt(0.5), p = 0.3275911f;
        final float a1 = 0.254829592f, a2 = -0.284496736f, a3 = 1.421413741f, a4 = -1.453152027f, a5 = 1.061405429f;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            FloatVector ax = v.abs().mul(invSqrt2);
            FloatVector t = ax.mul(p).add(1f);
            t = FloatVector.broadcast(F, 1f).div(t);
            FloatVector poly = t.mul(a5).add(a4).mul(t).add(a3).mul(t).add(a2).mul(t).add(a1).mul(t);
            FloatVector r = poly.mul(VectorExp.exp(ax.mul(ax).neg())).neg().add(1f);
            FloatVector erf = r.blend(r.neg(), v.compare(VectorOperators.LT, 0f));
            v.mul(0.5f).mul(erf.add(1f)).intoArray(x, off + i);
        }
        for (; i < n; i++) x[off + i] = gelu(x[off + i]);
    }

    /** The scalar GELU of {@link #gelu(float[], int, int)}, in double inside. */
    public static float gelu(float x) {
        double ax = Math.abs(x) * Math.sqrt(0.5);
        double t = 1 / (1 + 0.3275911 * ax);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double r = 1 - poly * Math.exp(-ax * ax);
        return (float) (0.5 * x * (1 + (x < 0 ? -r : r)));
    }

    /** SwiGLU in place: gate[i] = silu(gate[i])·up[i] for i < n. */
    public static void siluMul(float[] gate, float[] up, int n) {
        siluMul(gate, up, gate, n);
    }

    /**
     * SwiGLU: out[i] = silu(gate[i])·up[i] for i < n ({@code out} may be {@code gate}). Every
     * element gets the same bits whether a vector lane or the scalar tail computes it (see
     * {@link #silu(float)}), so a row's values do not depend on where it sits in a batch. The
     * FFN of every layer calls it: with a scalar {@code Math.exp} per element it was about 2% of a
     * decode step.
     */
    public static void siluMul(float[] gate, float[] up, float[] out, int n) {
        siluMul(gate, 0, up, 0, out, n);
    }

    /** {@link #siluMul(float[], float[], float[], int)} from {@code gate[gateOff..]} and {@code up[upOff..]} into {@code out[0..n)}. */
    public static void siluMul(float[] gate, int gateOff, float[] up, int upOff, float[] out, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(F, gate, gateOff + i);
            v.div(VectorExp.exp(v.neg()).add(1f)).mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = silu(gate[gateOff + i]) * up[upOff + i];
    }
}
