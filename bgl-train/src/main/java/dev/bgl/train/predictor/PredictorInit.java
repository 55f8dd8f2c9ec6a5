package dev.bgl.train.predictor;

import dev.bgl.train.Rng;

import java.util.List;

/**
 * The predictor's starting weights: BERT initialisation (N(0, 0.02) matrices and heads, zero biases
 * and CLS, unit LayerNorm gains), except that the last LayerNorm's channel 0 starts as the constant
 * 1 and the heads' column 0 holds softplus⁻¹ of the Gamma fitted by moments to the training x: the
 * predictor starts from the marginal distribution of the remaining length instead of
 * α = λ ≈ 0.7 (L ≈ 2).
 */
final class PredictorInit {
    private PredictorInit() {
    }

    static float[] weights(PredictorLayout lay, List<TrainingSequence> train, long seed) {
        Rng rng = new Rng(seed ^ 0x5DEECE66DL);
        float[] p = new float[lay.size()];
        for (PredictorLayout.View v : lay.views()) {
            boolean gain = v.name().endsWith("LayerNorm.weight");
            for (int i = 0; i < v.size(); i++)
                p[v.offset() + i] = switch (v.kind()) {
                    case MATRIX, HEAD -> (float) (rng.nextGaussian() * 0.02);
                    case VECTOR -> gain ? 1f : 0f;
                    case CLS -> 0f;
                };
        }
        double sum = 0, sq = 0;
        long n = 0;
        for (TrainingSequence s : train)
            for (int j = s.open(); j < s.close(); j++) {
                double x = GammaNll.encode(s.close() - j);
                sum += x;
                sq += x * x;
                n++;
            }
        double mean = sum / n, var = Math.max(1e-6, sq / n - mean * mean);
        double alpha = Math.min(1e3, Math.max(0.1, mean * mean / var)), lambda = alpha / mean;
        PredictorLayout.Layer last = lay.layer(lay.config().layers() - 1);
        p[last.ln2W().offset()] = 0f;
        p[last.ln2B().offset()] = 1f;
        int d = lay.config().width();
        for (int r = 0; r < lay.config().vocab(); r++) {
            p[lay.alpha().offset() + r * d] = (float) GammaNll.softplusInverse(alpha);
            p[lay.lam().offset() + r * d] = (float) GammaNll.softplusInverse(lambda);
        }
        return p;
    }
}
