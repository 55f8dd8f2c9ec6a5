package dev.bgl.budget.predictor;

import org.apache.commons.math3.exception.MaxCountExceededException;
import org.apache.commons.math3.special.Gamma;

/**
 * The Gamma distribution as budget guidance uses it: over x = log(L + 1), L the thinking tokens
 * left (through {@code </think>}), with shape α and rate λ. Inference needs the CDF and the expected
 * length; training needs the negative log-likelihood and its gradient. All in double; α, λ > 0.
 */
public final class GammaMath {
    /** commons-math's own default accuracy; the iteration cap keeps a pathological α from looping long. */
    private static final double CDF_EPSILON = 1e-14;
    private static final int CDF_MAX_ITERATIONS = 100_000;

    private GammaMath() {
    }

    /** The encoding of a length the predictor works in: x = log(L + 1). */
    public static double encode(double length) {
        return Math.log1p(length);
    }

    /** P(X ≤ x) for X ~ Gamma(α, rate λ): the regularised lower incomplete gamma P(α, λx); 0 for x ≤ 0 or a NaN input. */
    public static double cdf(double alpha, double lambda, double x) {
        if (!(alpha > 0) || !(lambda > 0) || !(x > 0)) return 0;
        if (x == Double.POSITIVE_INFINITY || lambda == Double.POSITIVE_INFINITY) return 1;
        try {
            double p = Gamma.regularizedGammaP(alpha, lambda * x, CDF_EPSILON, CDF_MAX_ITERATIONS);
            return Double.isNaN(p) ? 0 : Math.min(1, Math.max(0, p));
        } catch (MaxCountExceededException e) {
            // only for extreme α; the mass then sits at the mean α/λ, so a step there is the limit
            return lambda * x >= alpha ? 1 : 0;
        }
    }

    /** Negative log-likelihood of x under Gamma(α, rate λ): −[α log λ − log Γ(α) + (α−1) log x − λx]. */
    public static double nll(double alpha, double lambda, double x) {
        return -(alpha * Math.log(lambda) - Gamma.logGamma(alpha) + (alpha - 1) * Math.log(x) - lambda * x);
    }

    /** ∂ nll / ∂α = −[log λ − ψ(α) + log x]. */
    public static double nllGradAlpha(double alpha, double lambda, double x) {
        return -(Math.log(lambda) - Gamma.digamma(alpha) + Math.log(x));
    }

    /** ∂ nll / ∂λ = −[α/λ − x]. */
    public static double nllGradLambda(double alpha, double lambda, double x) {
        return -(alpha / lambda - x);
    }

    /**
     * Expected length E[L] = E[exp(X)] − 1 = (λ/(λ−1))^α − 1 (the Gamma's moment generating function
     * at 1), finite only for λ > 1; +∞ otherwise. Computed as expm1(−α·log1p(−1/λ)) for accuracy
     * when λ is large.
     */
    public static double expectedLength(double alpha, double lambda) {
        if (!(alpha > 0) || !(lambda > 1)) return Double.POSITIVE_INFINITY;
        return Math.expm1(-alpha * Math.log1p(-1 / lambda));
    }

    /**
     * The length at the mode of X, exp((α−1)/λ) − 1 (for α ≥ 1). The official code calls this the
     * "expected" length and uses it in its validity mask.
     */
    public static double modeLength(double alpha, double lambda) {
        return Math.expm1((alpha - 1) / lambda);
    }

    /** log(1 + eˣ) without overflow or loss for large |x|. */
    public static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    public static float softplus(float x) {
        return (float) softplus((double) x);
    }

    /** The inverse of softplus, log(eʸ − 1), for y > 0 (NaN otherwise); stable for small and large y. */
    public static double inverseSoftplus(double y) {
        if (!(y > 0)) return Double.NaN;
        return y + Math.log(-Math.expm1(-y));
    }

    /** d softplus(x) / dx = 1 / (1 + e^−x). */
    public static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
