package dev.bgl.budget.predictor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class GammaMathTest {

    @Test
    void shapeOneIsTheExponential() {
        for (double lambda : new double[]{0.3, 1, 2.5, 12})
            for (double x : new double[]{0.01, 0.5, 1, 3, 7})
                assertEquals(1 - Math.exp(-lambda * x), GammaMath.cdf(1, lambda, x), 1e-12, "lambda " + lambda + " x " + x);
    }

    @Test
    void shapeTwoAndThreeHaveClosedForms() {
        for (double lambda : new double[]{0.5, 3, 10})
            for (double x : new double[]{0.1, 0.7, 2, 5}) {
                double t = lambda * x;
                assertEquals(1 - Math.exp(-t) * (1 + t), GammaMath.cdf(2, lambda, x), 1e-12);
                assertEquals(1 - Math.exp(-t) * (1 + t + t * t / 2), GammaMath.cdf(3, lambda, x), 1e-12);
            }
    }

    @Test
    void chiSquareTableValues() {
        // chi-square with k degrees of freedom is Gamma(k/2, rate 1/2); 95% points from standard tables
        double[][] table = {{1, 3.841}, {2, 5.991}, {3, 7.815}, {5, 11.070}, {10, 18.307}, {20, 31.410}};
        for (double[] row : table) assertEquals(0.95, GammaMath.cdf(row[0] / 2, 0.5, row[1]), 2e-4, "k = " + row[0]);
        // Gamma(1/2, 1) at 1 is erf(1)
        assertEquals(0.8427007929497149, GammaMath.cdf(0.5, 1, 1), 1e-13);
    }

    @Test
    void cdfEdgeCases() {
        assertEquals(0, GammaMath.cdf(2, 3, 0));
        assertEquals(0, GammaMath.cdf(2, 3, -1));
        assertEquals(0, GammaMath.cdf(Double.NaN, 3, 1));
        assertEquals(0, GammaMath.cdf(2, Double.NaN, 1));
        assertEquals(1, GammaMath.cdf(2, 3, Double.POSITIVE_INFINITY));
        double big = GammaMath.cdf(1e7, 1e7, 1.01);
        assertTrue(big > 0.99 && big <= 1, "huge shape: mass at the mean, got " + big);
    }

    @Test
    void nllMatchesTheDensity() {
        // Gamma(2, λ) density: λ² x e^{−λx}
        double a = 2, l = 3, x = 0.8;
        assertEquals(-Math.log(l * l * x * Math.exp(-l * x)), GammaMath.nll(a, l, x), 1e-12);
    }

    @Test
    void nllGradientMatchesFiniteDifferences() {
        double[][] points = {{1.5, 10, 2.3}, {8, 12, 0.7}, {0.4, 0.9, 5}, {30, 20, 1.4}};
        for (double[] pt : points) {
            double a = pt[0], l = pt[1], x = pt[2], h = 1e-6;
            double da = (GammaMath.nll(a + h, l, x) - GammaMath.nll(a - h, l, x)) / (2 * h);
            double dl = (GammaMath.nll(a, l + h, x) - GammaMath.nll(a, l - h, x)) / (2 * h);
            assertEquals(da, GammaMath.nllGradAlpha(a, l, x), 1e-6 * Math.max(1, Math.abs(da)));
            assertEquals(dl, GammaMath.nllGradLambda(a, l, x), 1e-6 * Math.max(1, Math.abs(dl)));
        }
    }

    @Test
    void expectedLengthIsTheMeanOfExpXMinusOne() {
        // numeric integral of (eˣ − 1)·density over x, compared with (λ/(λ−1))^α − 1
        double[][] params = {{2, 3}, {8, 10}, {1, 5}, {20, 15}};
        for (double[] pr : params) {
            double a = pr[0], l = pr[1];
            double sum = 0, dx = 1e-4;
            for (double x = dx / 2; x < 40; x += dx)
                sum += Math.expm1(x) * Math.exp(a * Math.log(l) + (a - 1) * Math.log(x) - l * x
                        - org.apache.commons.math3.special.Gamma.logGamma(a)) * dx;
            assertEquals(sum, GammaMath.expectedLength(a, l), 1e-6 * Math.max(1, sum), "alpha " + a + " lambda " + l);
        }
        assertEquals(Double.POSITIVE_INFINITY, GammaMath.expectedLength(3, 1));
        assertEquals(Double.POSITIVE_INFINITY, GammaMath.expectedLength(3, 0.5));
        assertEquals(Math.exp(0.7) - 1, GammaMath.modeLength(8, 10), 1e-12);
    }

    @Test
    void softplusAndInverseAreStable() {
        for (double x : new double[]{-30, -5, -0.1, 0, 0.1, 3, 19, 21, 50}) {
            assertEquals(Math.log(1 + Math.exp(x)), GammaMath.softplus(x), 1e-12 * Math.max(1, Math.abs(x)));
            assertEquals(x, GammaMath.inverseSoftplus(GammaMath.softplus(x)), 1e-9 * Math.max(1, Math.abs(x)));
        }
        assertEquals(1000, GammaMath.softplus(1000.0), 1e-9);
        assertEquals(Math.exp(-700), GammaMath.softplus(-700.0), 1e-310);
        assertEquals(Math.log(1e-20), GammaMath.inverseSoftplus(1e-20), 1e-9);
        assertEquals(500, GammaMath.inverseSoftplus(500), 1e-12);
        assertTrue(Double.isNaN(GammaMath.inverseSoftplus(0)));
        assertEquals(0.5, GammaMath.sigmoid(0), 0);
        assertEquals(1 / (1 + Math.exp(-3)), GammaMath.sigmoid(3), 1e-15);
        assertEquals(Math.exp(-800) / (1 + Math.exp(-800)), GammaMath.sigmoid(-800), 1e-300);
    }

    @Test
    void geluMatchesCommonsMathErfScalarAndVector() {
        // the vector body and its scalar tail both: 97 values, not a multiple of any vector length
        float[] xs = new float[97];
        for (int i = 0; i < xs.length; i++) xs[i] = -8f + 16f * i / (xs.length - 1) + 0.013f;
        float[] v = xs.clone();
        dev.bgl.tensor.VectorOps.gelu(v, 0, v.length);
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i], want = 0.5 * x * (1 + org.apache.commons.math3.special.Erf.erf(x / Math.sqrt(2)));
            double tol = 2e-7 * Math.max(1, Math.abs(x)) + Math.ulp((float) want);
            assertEquals(want, dev.bgl.tensor.VectorOps.gelu(xs[i]), tol, "scalar x = " + x);
            assertEquals(want, v[i], tol, "vector x = " + x);
        }
    }
}
