package dev.bgl.train.predictor;

import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.train.GradCheck;
import dev.bgl.train.Rng;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.junit.jupiter.api.Test;

import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Analytic gradients of every piece of the predictor against central finite differences, on tiny sizes. */
class PredictorGradientTest {

    static float[] random(Rng r, int n, double std) {
        return GradCheck.random(r, n, std);
    }

    static void check(String what, DoubleSupplier loss, float[] x, int off, int n, float[] grad, int gradOff, Rng rng) {
        GradCheck.check(what, loss, x, off, n, grad, gradOff, rng, 3);
    }

    @Test
    void gammaNllMatchesCommonsMathDensityAndItsDerivatives() {
        double[][] cases = {{0.7, 0.4, 1.1}, {3.0, 1.5, 2.0}, {12.0, 3.5, 4.2}, {1.0, 0.2, 0.7}};
        for (double[] c : cases) {
            double a = c[0], l = c[1], x = c[2];
            double ref = -new GammaDistribution(null, a, 1 / l).logDensity(x);
            assertEquals(ref, GammaNll.nll(a, l, x), 1e-9 * Math.max(1, Math.abs(ref)), "nll " + java.util.Arrays.toString(c));
            double h = 1e-5;
            double da = (GammaNll.nll(a + h, l, x) - GammaNll.nll(a - h, l, x)) / (2 * h);
            double dl = (GammaNll.nll(a, l + h, x) - GammaNll.nll(a, l - h, x)) / (2 * h);
            assertEquals(da, GammaNll.dAlpha(a, l, x), 1e-6 * Math.max(1, Math.abs(da)), "d/dα");
            assertEquals(dl, GammaNll.dLambda(a, l, x), 1e-6 * Math.max(1, Math.abs(dl)), "d/dλ");
        }
    }

    @Test
    void softplusItsInverseAndItsDerivative() {
        for (double a : new double[]{-5, -0.3, 0, 0.8, 4, 19.9, 25}) {
            double h = 1e-6;
            double fd = (GammaNll.softplus(a + h) - GammaNll.softplus(a - h)) / (2 * h);
            assertEquals(fd, GammaNll.softplusGrad(a), 1e-6, "softplus' at " + a);
            assertEquals(a, GammaNll.softplusInverse(GammaNll.softplus(a)), 1e-6 * Math.max(1, Math.abs(a)), "inverse at " + a);
        }
        assertEquals(Math.log(2), GammaNll.softplus(0), 1e-15);
    }

    @Test
    void geluUsesTheErfFunctionAndItsDerivativeIsRight() {
        // erf reference values (Abramowitz & Stegun table 7.1)
        assertEquals(0.5204998778, Gelu.erf(0.5), 2e-7);
        assertEquals(0.8427007929, Gelu.erf(1.0), 2e-7);
        assertEquals(-0.9953222650, Gelu.erf(-2.0), 2e-7);
        assertEquals(0.0, Gelu.erf(0.0), 2e-7);
        // exact GELU at 1: 1·Φ(1) = 0.8413447461
        assertEquals(0.8413447461f, Gelu.forward(1f), 2e-7);
        for (float x : new float[]{-3f, -1.2f, -0.1f, 0f, 0.4f, 1.7f, 3.5f}) {
            double h = 1e-3;
            double fd = (0.5 * (x + h) * (1 + Gelu.erf((x + h) / Math.sqrt(2))) - 0.5 * (x - h) * (1 + Gelu.erf((x - h) / Math.sqrt(2)))) / (2 * h);
            assertEquals(fd, Gelu.derivative(x), 1e-5, "gelu' at " + x);
        }
    }

    @Test
    void layerNormBackward() {
        Rng rng = new Rng(3);
        int rows = 3, n = 7;
        float[] x = random(rng, rows * n, 1.5), r = random(rng, rows * n, 1);
        float[] p = random(rng, 2 * n, 0.5);
        for (int i = 0; i < n; i++) p[i] += 1f;
        float[] y = new float[rows * n], xh = new float[rows * n], rs = new float[rows];
        DoubleSupplier loss = () -> {
            LayerNorm.forward(y, 0, x, 0, xh, 0, rs, 0, p, 0, n, rows, n, 1e-5f);
            double s = 0;
            for (int i = 0; i < y.length; i++) s += (double) y[i] * r[i];
            return s;
        };
        loss.getAsDouble();
        float[] dx = new float[rows * n], dp = new float[2 * n];
        LayerNorm.backward(dx, 0, r, 0, xh, 0, rs, 0, p, 0, dp, 0, n, rows, n);
        check("layernorm dx", loss, x, 0, x.length, dx, 0, rng);
        check("layernorm gain", loss, p, 0, n, dp, 0, rng);
        check("layernorm bias", loss, p, n, n, dp, n, rng);
        // normalised rows have mean 0 and variance 1 before gain and bias
        double mean = 0, var = 0;
        for (int i = 0; i < n; i++) mean += xh[i];
        mean /= n;
        for (int i = 0; i < n; i++) var += (xh[i] - mean) * (xh[i] - mean);
        assertEquals(0, mean, 1e-6);
        assertEquals(1, var / n, 1e-4);
    }

    /** A tiny predictor with non-trivial weights, so every path carries gradient. */
    static final class Tiny {
        final PredictorLayout lay;
        final float[] p, pT;
        final PredictorNet net;
        final float[] inputs;
        final int B = 3, nIn = 3;

        Tiny(long seed) {
            PredictorConfig c = new PredictorConfig(8, 8, 2, 2, 12, 5, 1e-5f);
            lay = new PredictorLayout(c);
            Rng rng = new Rng(seed);
            p = random(rng, lay.size(), 0.35);
            for (PredictorLayout.View v : lay.views())
                if (v.name().endsWith("LayerNorm.weight")) for (int i = 0; i < v.size(); i++) p[v.offset() + i] += 1f;
            for (int i = 0; i < lay.alpha().size(); i++) {
                p[lay.alpha().offset() + i] += 0.3f;
                p[lay.lam().offset() + i] += 0.2f;
            }
            pT = new float[lay.size()];
            net = new PredictorNet(lay, nIn, B);
            inputs = random(rng, B * nIn * c.hidden(), 1.0);
            int[] targets = {1, 4, 1};
            float[] xs = {0.9f, 2.3f, 4.0f};
            System.arraycopy(targets, 0, net.target, 0, B);
            System.arraycopy(xs, 0, net.x, 0, B);
        }

        double loss() {
            lay.transposeMatrices(p, pT);
            int h = lay.config().hidden();
            for (int b = 0; b < B; b++) System.arraycopy(inputs, b * nIn * h, net.x0, net.inputOffset(b), nIn * h);
            return net.forward(p, pT, B);
        }

        float[] gradient() {
            loss();
            float[] g = new float[lay.size()];
            net.backward(p, 1f, g);
            net.addHeadGradients(g);
            return g;
        }
    }

    @Test
    void everyParameterOfTheNetworkAgreesWithFiniteDifferences() {
        Tiny t = new Tiny(11);
        float[] g = t.gradient();
        Rng rng = new Rng(5);
        for (PredictorLayout.View v : t.lay.views())
            check(v.name(), t::loss, t.p, v.offset(), v.size(), g, v.offset(), rng);
    }

    @Test
    void headGradientsTouchOnlyTheTargetRows() {
        Tiny t = new Tiny(12);
        float[] g = t.gradient();
        int d = t.lay.config().width();
        for (PredictorLayout.View head : new PredictorLayout.View[]{t.lay.alpha(), t.lay.lam()})
            for (int row = 0; row < head.rows(); row++) {
                double s = 0;
                for (int i = 0; i < d; i++) s += Math.abs(g[head.offset() + row * d + i]);
                if (row == 1 || row == 4) assertTrue(s > 0, head.name() + " row " + row + " has no gradient");
                else assertEquals(0, s, 0, head.name() + " row " + row + " is not a target but has gradient");
            }
    }
}
