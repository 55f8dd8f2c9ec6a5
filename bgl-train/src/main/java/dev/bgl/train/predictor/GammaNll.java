package dev.bgl.train.predictor;

import org.apache.commons.math3.special.Gamma;

/**
 * The loss of budget guidance: the negative log-likelihood of x = log(L + 1) under Gamma(α, λ)
 * (shape α, rate λ), with α and λ the softplus of the heads' outputs:
 * <pre>
 * nll = −[α·log λ − logΓ(α) + (α − 1)·log x − λ·x]
 * ∂nll/∂α = ψ(α) − log λ − log x        ∂nll/∂λ = x − α/λ
 * </pre>
 */
final class GammaNll {
    private GammaNll() {
    }

    /** x = log(L + 1), the scale on which the Gamma is fitted ("log" scale_type). */
    static double encode(double remaining) {
        return Math.log(remaining + 1);
    }

    static double nll(double alpha, double lambda, double x) {
        return -(alpha * Math.log(lambda) - Gamma.logGamma(alpha) + (alpha - 1) * Math.log(x) - lambda * x);
    }

    static double dAlpha(double alpha, double lambda, double x) {
        return Gamma.digamma(alpha) - Math.log(lambda) - Math.log(x);
    }

    static double dLambda(double alpha, double lambda, double x) {
        return x - alpha / lambda;
    }

    /** PyTorch's softplus (threshold 20: linear above it). */
    static double softplus(double a) {
        return a > 20 ? a : Math.log1p(Math.exp(a));
    }

    /** d softplus / da = sigmoid(a) (1 above the threshold, as PyTorch's backward). */
    static double softplusGrad(double a) {
        return a > 20 ? 1 : 1 / (1 + Math.exp(-a));
    }

    /** The softplus inverse: log(e^y − 1), for initialising heads to a target α or λ. */
    static double softplusInverse(double y) {
        return y > 20 ? y : Math.log(Math.expm1(y));
    }
}
