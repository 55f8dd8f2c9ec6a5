package dev.bgl.train;

/** Softmax cross-entropy of one row of logits; the gradient replaces the logits. */
final class CrossEntropy {
    private CrossEntropy() {
    }

    /**
     * Returns −log softmax(z)[target] and overwrites z[off..off+n) with scale·(softmax(z) − onehot),
     * the gradient of scale·loss.
     */
    static double forwardBackward(float[] z, int off, int n, int target, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, z[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(z[off + i] - max);
        double logSum = Math.log(sum);
        double loss = logSum - (z[off + target] - max);
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) z[off + i] = (float) Math.exp(z[off + i] - max) * inv * scale;
        z[off + target] -= scale;
        return loss;
    }

    /** Loss only (for finite-difference checks and evaluation). */
    static double loss(float[] z, int off, int n, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, z[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(z[off + i] - max);
        return Math.log(sum) - (z[off + target] - max);
    }
}
