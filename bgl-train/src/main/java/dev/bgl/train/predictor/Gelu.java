package dev.bgl.train.predictor;

/**
 * BERT's exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)), with erf from Abramowitz &amp; Stegun 7.1.26
 * (absolute error below 1.5e-7, under float rounding of the result) since Java has no erf.
 */
final class Gelu {
    private static final double INV_SQRT2 = 0.7071067811865476, INV_SQRT_2PI = 0.3989422804014327;

    private Gelu() {
    }

    static double erf(double x) {
        double a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
        double y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
        return x < 0 ? -y : y;
    }

    static float forward(float x) {
        return (float) (0.5 * x * (1 + erf(x * INV_SQRT2)));
    }

    /** d/dx x·Φ(x) = Φ(x) + x·φ(x). */
    static float derivative(float x) {
        double cdf = 0.5 * (1 + erf(x * INV_SQRT2));
        return (float) (cdf + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x));
    }
}
