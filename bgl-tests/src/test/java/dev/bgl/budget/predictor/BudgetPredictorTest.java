package dev.bgl.budget.predictor;

import dev.bgl.format.FormatException;
import dev.bgl.format.SafetensorsDtype;
import dev.bgl.format.SafetensorsWriter;
import dev.bgl.model.HiddenStates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class BudgetPredictorTest {
    @TempDir
    Path dir;

    /**
     * A plain double-precision BERT over all rows, written from the method's definition (HF's
     * hidden_states tuple, CLS in front, post-LN layers, CLS output, softplus heads).
     */
    static double[][] reference(PredictorWeights w, HiddenStates hs) {
        PredictorConfig c = w.config();
        int d = c.width(), nh = c.heads(), hd = c.headDim(), n = hs.layers().length;
        List<float[]> inputs = new ArrayList<>();
        inputs.add(w.cls());
        inputs.add(hs.embedding());
        for (int i = 0; i < n - 1; i++) inputs.add(hs.layers()[i]);
        inputs.add(hs.finalNorm());
        int s = inputs.size();
        double[][] x = new double[s][];
        for (int r = 0; r < s; r++) x[r] = lin(w.inW(), w.inB(), toD(inputs.get(r)), d);
        for (PredictorWeights.Layer L : w.layers()) {
            double[][] q = new double[s][], k = new double[s][], v = new double[s][];
            for (int r = 0; r < s; r++) {
                q[r] = lin(L.qW(), L.qB(), x[r], d);
                k[r] = lin(L.kW(), L.kB(), x[r], d);
                v[r] = lin(L.vW(), L.vB(), x[r], d);
            }
            double[][] next = new double[s][];
            for (int r = 0; r < s; r++) {
                double[] ctx = new double[d];
                for (int h = 0; h < nh; h++) {
                    double[] sc = new double[s];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < s; j++) {
                        for (int i = 0; i < hd; i++) sc[j] += q[r][h * hd + i] * k[j][h * hd + i];
                        sc[j] /= Math.sqrt(hd);
                        max = Math.max(max, sc[j]);
                    }
                    for (int j = 0; j < s; j++) sum += sc[j] = Math.exp(sc[j] - max);
                    for (int j = 0; j < s; j++) for (int i = 0; i < hd; i++) ctx[h * hd + i] += sc[j] / sum * v[j][h * hd + i];
                }
                double[] a = lin(L.attnOutW(), L.attnOutB(), ctx, d);
                for (int i = 0; i < d; i++) a[i] += x[r][i];
                a = ln(a, L.attnLnW(), L.attnLnB(), c.layerNormEps());
                double[] f = lin(L.ffnInW(), L.ffnInB(), a, c.ffn());
                for (int i = 0; i < f.length; i++) f[i] = 0.5 * f[i] * (1 + org.apache.commons.math3.special.Erf.erf(f[i] / Math.sqrt(2)));
                double[] o = lin(L.ffnOutW(), L.ffnOutB(), f, d);
                for (int i = 0; i < d; i++) o[i] += a[i];
                next[r] = ln(o, L.outLnW(), L.outLnB(), c.layerNormEps());
            }
            x = next;
        }
        double[] z = x[0];
        double[] alpha = lin(w.alphaHead(), null, z, c.vocab()), lam = lin(w.lamHead(), null, z, c.vocab());
        for (int t = 0; t < alpha.length; t++) {
            alpha[t] = Math.log1p(Math.exp(alpha[t]));
            lam[t] = Math.log1p(Math.exp(lam[t]));
        }
        return new double[][]{z, alpha, lam};
    }

    static double[] toD(float[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }

    static double[] lin(float[] W, float[] b, double[] in, int out) {
        double[] r = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b[o];
            for (int i = 0; i < in.length; i++) s += W[o * in.length + i] * in[i];
            r[o] = s;
        }
        return r;
    }

    static double[] ln(double[] x, float[] g, float[] b, double eps) {
        double mean = 0, var = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        for (double v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) r[i] = (x[i] - mean) / Math.sqrt(var + eps) * g[i] + b[i];
        return r;
    }

    @Test
    void aBatchOfPositionsGetsEachItsLoneEncoding() {
        PredictorConfig c = PredictorConfig.bert(256, 64, 2, 4, 97);
        BudgetPredictor p = new BudgetPredictor(Fixtures.random(c, 5), 3, 100);
        SplittableRandom r = new SplittableRandom(12);
        int n = 5;
        HiddenStates[] hs = new HiddenStates[n];
        float[][] batched = new float[n][64];
        for (int i = 0; i < n; i++) hs[i] = Fixtures.hidden(r, 3, 256);
        // The batch runs each position through the same kernels in the same order as alone, so the two agree bitwise
        // once C2 has compiled both call sites alike; it may compile them differently (a lane-summing row kernel moved a
        // sum by 1 ulp in one full run), so every pass is held to 1e-5 and one pass of several must be bitwise.
        boolean bitwise = false;
        for (int pass = 0; pass < 8; pass++) {
            p.encodeBatch(hs, batched, n);
            boolean all = true;
            for (int i = 0; i < n; i++) {
                float[] alone = new float[64];
                p.encode(hs[i], alone);
                for (int j = 0; j < 64; j++)
                    assertEquals(alone[j], batched[i][j], 1e-5 * Math.max(1, Math.abs(alone[j])), "pass " + pass + ", position " + i + ", z[" + j + "]");
                all &= Arrays.equals(alone, batched[i]);
            }
            bitwise |= all;
        }
        assertTrue(bitwise, "no pass gave every position its lone encoding bitwise");
        double[][] ref = reference(p.weights(), hs[3]);
        for (int i = 0; i < 64; i++) assertEquals(ref[0][i], batched[3][i], 2e-4, "z[" + i + "] against the reference");
    }

    @Test
    void matchesAPlainReferenceOfTheMethod() {
        // width 64 x seq 5 x hidden 256 and the 256-wide FFN take the parallel paths too
        PredictorConfig c = PredictorConfig.bert(256, 64, 2, 4, 97);
        PredictorWeights w = Fixtures.random(c, 5);
        BudgetPredictor p = new BudgetPredictor(w, 3, 100);
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 3; trial++) {
            HiddenStates hs = Fixtures.hidden(r, 3, 256);
            double[][] ref = reference(w, hs);
            float[] z = new float[64];
            p.encode(hs, z);
            for (int i = 0; i < 64; i++) assertEquals(ref[0][i], z[i], 2e-4, "z[" + i + "]");
            float[] a = new float[97], l = new float[97];
            p.headsAll(z, a, l);
            for (int t = 0; t < 97; t++) {
                assertEquals(ref[1][t], a[t], 2e-4 * Math.max(1, ref[1][t]), "alpha of token " + t);
                assertEquals(ref[2][t], l[t], 2e-4 * Math.max(1, ref[2][t]), "lambda of token " + t);
            }
            int[] some = {96, 0, 41};
            float[] a3 = new float[3], l3 = new float[3];
            p.heads(z, some, 3, a3, l3);
            for (int i = 0; i < 3; i++) { // the same dot products; only JIT-vs-interpreted lane order may differ
                assertEquals(a[some[i]], a3[i], 1e-6f * Math.max(1, a3[i]));
                assertEquals(l[some[i]], l3[i], 1e-6f * Math.max(1, l3[i]));
            }
        }
    }

    @Test
    void theLastHiddenStateIsTheFinalNormNotTheLastResidual() {
        PredictorConfig c = PredictorConfig.bert(16, 8, 1, 2, 10);
        BudgetPredictor p = new BudgetPredictor(Fixtures.random(c, 1), 2, 10);
        HiddenStates hs = Fixtures.hidden(new SplittableRandom(3), 2, 16);
        float[] z1 = new float[8], z2 = new float[8];
        p.encode(hs, z1);
        hs.layers()[1][0] += 100; // the raw residual after the last layer is not an input
        p.encode(hs, z2);
        assertArrayEquals(z1, z2, 1e-5f); // equal up to JIT-vs-interpreter rounding of the vector kernels
        hs.finalNorm()[0] += 1;
        p.encode(hs, z2);
        assertFalse(java.util.Arrays.equals(z1, z2));
    }

    private static float bf16(float f) {
        return Float.intBitsToFloat(Float.floatToIntBits(f) & 0xffff0000);
    }

    private static float[] roundBf16(float[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) r[i] = bf16(a[i]);
        return r;
    }

    private static byte[] bf16Bytes(float[] a) {
        ByteBuffer bb = ByteBuffer.allocate(2 * a.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : a) bb.putShort((short) (Float.floatToIntBits(f) >>> 16));
        return bb.array();
    }

    /** Writes weights as the official code's state dict would be saved: no bgl metadata, cls [1,1,H], some BF16. */
    private static SafetensorsWriter official(PredictorWeights w, String skip, String reshape) {
        PredictorConfig c = w.config();
        SafetensorsWriter sw = new SafetensorsWriter().metadata("format", "pt");
        java.util.function.BiConsumer<String, Object[]> put = (name, sv) -> {
            if (name.equals(skip)) return;
            long[] shape = (long[]) sv[0];
            if (name.equals(reshape)) shape = new long[]{shape[0], shape.length > 1 ? shape[1] + 1 : 1};
            float[] v = (float[]) sv[1];
            long n = 1;
            for (long s : shape) n *= s;
            if (n != v.length) v = java.util.Arrays.copyOf(v, (int) n);
            boolean half = name.startsWith("alpha_head") || name.equals("encoder.0.weight") || name.contains("intermediate.dense");
            if (half) sw.tensor(name, SafetensorsDtype.BF16, shape, bf16Bytes(v));
            else sw.tensorF32(name, shape, v);
        };
        put.accept("cls_token", new Object[]{new long[]{1, 1, c.hidden()}, w.cls()});
        put.accept("encoder.0.weight", new Object[]{new long[]{c.width(), c.hidden()}, w.inW()});
        put.accept("encoder.0.bias", new Object[]{new long[]{c.width()}, w.inB()});
        for (int i = 0; i < c.layers(); i++)
            for (Map.Entry<String, float[]> e : PredictorWeights.layerTensors(w.layers().get(i)).entrySet())
                put.accept(PredictorWeights.layerKey(i, e.getKey()), new Object[]{PredictorWeights.layerShape(c, e.getKey()), e.getValue()});
        put.accept("alpha_head.weight", new Object[]{new long[]{c.vocab(), c.width()}, w.alphaHead()});
        put.accept("lam_head.weight", new Object[]{new long[]{c.vocab(), c.width()}, w.lamHead()});
        return sw;
    }

    /** The weights with the tensors stored as BF16 rounded, so the file holds them exactly. */
    private static PredictorWeights asStored(PredictorWeights w) {
        List<PredictorWeights.Layer> ls = new ArrayList<>();
        for (PredictorWeights.Layer L : w.layers())
            ls.add(new PredictorWeights.Layer(L.qW(), L.qB(), L.kW(), L.kB(), L.vW(), L.vB(), L.attnOutW(), L.attnOutB(),
                    L.attnLnW(), L.attnLnB(), roundBf16(L.ffnInW()), roundBf16(L.ffnInB()), L.ffnOutW(), L.ffnOutB(), L.outLnW(), L.outLnB()));
        return new PredictorWeights(w.config(), w.cls(), roundBf16(w.inW()), w.inB(), ls, roundBf16(w.alphaHead()), w.lamHead());
    }

    @Test
    void loadsAnOfficialCheckpointAndComputesTheSame() throws Exception {
        PredictorConfig c = PredictorConfig.bert(24, 16, 2, 4, 30);
        PredictorWeights mem = asStored(Fixtures.random(c, 8));
        Path f = dir.resolve("predictor.safetensors");
        official(mem, null, null).write(f);
        PredictorWeights loaded = PredictorWeights.load(f, 4);
        assertEquals(c, loaded.config());

        BudgetPredictor a = new BudgetPredictor(mem, 3, 30), b = new BudgetPredictor(loaded, 3, 30);
        HiddenStates hs = Fixtures.hidden(new SplittableRandom(2), 3, 24);
        float[] za = new float[16], zb = new float[16];
        a.encode(hs, za);
        b.encode(hs, zb);
        assertArrayEquals(za, zb, 1e-5f); // equal up to JIT-vs-interpreter rounding of the vector kernels
        float[] aa = new float[30], la = new float[30], ab = new float[30], lb = new float[30];
        a.headsAll(za, aa, la);
        b.headsAll(zb, ab, lb);
        assertArrayEquals(aa, ab, 1e-5f);
        assertArrayEquals(la, lb, 1e-5f);
    }

    @Test
    void aMissingTensorIsNamed() throws Exception {
        PredictorWeights w = Fixtures.random(PredictorConfig.bert(8, 8, 1, 2, 5), 1);
        Path f = dir.resolve("missing.safetensors");
        String key = "encoder.1.layer.0.attention.self.key.bias";
        official(w, key, null).write(f);
        FormatException e = assertThrows(FormatException.class, () -> PredictorWeights.load(f, 2));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void aMisshapenTensorIsNamed() throws Exception {
        PredictorWeights w = Fixtures.random(PredictorConfig.bert(8, 8, 1, 2, 5), 1);
        Path f = dir.resolve("shape.safetensors");
        official(w, null, "lam_head.weight").write(f);
        FormatException e = assertThrows(FormatException.class, () -> PredictorWeights.load(f, 2));
        assertTrue(e.getMessage().contains("lam_head.weight") && e.getMessage().contains("shape"), e.getMessage());
    }

    @Test
    void aPredictorForAnotherModelIsRefused() {
        PredictorConfig c = PredictorConfig.bert(32, 8, 1, 2, 300);
        var e = assertThrows(dev.bgl.util.BglException.class, () -> BudgetPredictor.checkFits(c, 64, 281, "m.gguf"));
        assertTrue(e.getMessage().contains("32") && e.getMessage().contains("64"), e.getMessage());
        PredictorConfig small = PredictorConfig.bert(64, 8, 1, 2, 200);
        e = assertThrows(dev.bgl.util.BglException.class, () -> BudgetPredictor.checkFits(small, 64, 281, "m.gguf"));
        assertTrue(e.getMessage().contains("200") && e.getMessage().contains("281"), e.getMessage());
        assertDoesNotThrow(() -> BudgetPredictor.checkFits(PredictorConfig.bert(64, 8, 1, 2, 300), 64, 281, "m.gguf"));
    }
}
