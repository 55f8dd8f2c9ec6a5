package dev.bgl.budget;

import dev.bgl.budget.predictor.PredictorCalibration;

import java.util.Arrays;

/**
 * The calibration recorder of a guided run: at each guided step whose sampled token was a
 * candidate, the thinking spent after it and the predictor's raw mean log-length for it
 * (α/λ before the calibration's scale); once the run has ended with its thinking closed by the
 * model, the trace goes to the {@link PredictorCalibration}. Growing arrays, amortised: no
 * allocation per token.
 */
final class GuidancePath {
    private PredictorCalibration calibration;
    private int[] ids;
    private int m = -1;
    private float[] alpha, lambda;
    private double scale;
    private int[] spent = new int[64];
    private double[] meanLog = new double[64];
    private int count;

    /** Where the finished trace goes (null: nowhere, and nothing is recorded); set before decoding starts. */
    void calibration(PredictorCalibration c) {
        this.calibration = c;
    }

    /** The candidates of the guided step in progress, their heads (scaled λ) and the scale in force. */
    void candidates(int[] ids, int m, float[] alpha, float[] lambda, double scale) {
        this.ids = ids;
        this.m = m;
        this.alpha = alpha;
        this.lambda = lambda;
        this.scale = scale;
    }

    /** Sees each accepted token: a sampled one after a guided step is on the path when it was a candidate. */
    void accept(int token, boolean forced, int thinkingSpent) {
        if (!forced && m >= 0 && calibration != null) record(token, thinkingSpent);
        m = -1;
    }

    private void record(int token, int thinkingSpent) {
        for (int i = 0; i < m; i++) {
            if (ids[i] != token) continue;
            if (count == spent.length) {
                spent = Arrays.copyOf(spent, 2 * count);
                meanLog = Arrays.copyOf(meanLog, 2 * count);
            }
            spent[count] = thinkingSpent;
            meanLog[count++] = alpha[i] / (lambda[i] * scale);
            return;
        }
    }

    /** Hands the finished trace to the calibration (no-op without one). */
    void observeFinished(double predictedThinking, int thinkingTokens) {
        if (calibration != null) calibration.observe(predictedThinking, spent, meanLog, count, thinkingTokens);
    }
}
