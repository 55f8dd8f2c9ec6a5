package dev.bgl.train;

import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Central finite differences against analytic gradients. The functions run in float, so the
 * checks use directional derivatives along random unit directions (a signal of |∇L| rather than
 * of one component, far above float noise) plus a few single components, with ~1e-2 relative
 * tolerance.
 */
public final class GradCheck {
    private GradCheck() {
    }

    public static float[] random(Rng r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * std);
        return a;
    }

    /** Σ r_i·y_i in double: the scalar loss whose gradient wrt y is r. */
    static double weighted(float[] y, float[] r, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) y[i] * r[i];
        return s;
    }

    /**
     * Checks {@code grad} (∂loss/∂x over x[off..off+n)) against central differences of {@code loss},
     * perturbing x in place (restored afterwards).
     */
    public static void check(String what, DoubleSupplier loss, float[] x, int off, int n, float[] grad, int gradOff, Rng rng) {
        check(what, loss, x, off, n, grad, gradOff, rng, 4);
    }

    /** As above, with {@code components} single-component checks after the three directional ones. */
    public static void check(String what, DoubleSupplier loss, float[] x, int off, int n, float[] grad, int gradOff, Rng rng,
                             int components) {
        double eps = 1e-2;
        for (int trial = 0; trial < 3; trial++) {
            float[] d = random(rng, n, 1);
            double norm = 0;
            for (float v : d) norm += (double) v * v;
            norm = Math.sqrt(norm);
            double analytic = 0;
            for (int i = 0; i < n; i++) {
                d[i] /= (float) norm;
                analytic += (double) grad[gradOff + i] * d[i];
            }
            double numeric = central(loss, x, off, d, eps);
            assertClose(what + " (direction " + trial + ")", analytic, numeric);
        }
        for (int trial = 0; trial < Math.min(n, components); trial++) {
            int i = (int) (rng.nextDouble() * n);
            float[] d = new float[n];
            d[i] = 1;
            assertClose(what + "[" + i + "]", grad[gradOff + i], central(loss, x, off, d, eps));
        }
    }

    private static double central(DoubleSupplier loss, float[] x, int off, float[] d, double eps) {
        float[] saved = java.util.Arrays.copyOfRange(x, off, off + d.length);
        for (int i = 0; i < d.length; i++) x[off + i] = (float) (saved[i] + eps * d[i]);
        double plus = loss.getAsDouble();
        for (int i = 0; i < d.length; i++) x[off + i] = (float) (saved[i] - eps * d[i]);
        double minus = loss.getAsDouble();
        System.arraycopy(saved, 0, x, off, d.length);
        return (plus - minus) / (2 * eps);
    }

    public static void assertClose(String what, double analytic, double numeric) {
        double tol = 1e-2 * Math.max(Math.abs(analytic), Math.abs(numeric)) + 1e-4;
        assertTrue(Math.abs(analytic - numeric) <= tol,
                what + ": analytic " + analytic + " vs finite difference " + numeric);
    }
}
