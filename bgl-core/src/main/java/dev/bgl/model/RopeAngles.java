package dev.bgl.model;

/**
 * The cos/sin of RoPE's angles at one position, with the model's {@link RopeScaling} applied in
 * ggml's order and float arithmetic (ggml_rope_cache_init / rope_yarn), so that positions past the
 * original context give llama.cpp's rotations. Everything that does not depend on the position is
 * computed once here; {@link #fill} costs one multiplication chain and half a head of cos/sin.
 */
final class RopeAngles {
    private final int half;
    /** base^(−2/d): the angle of pair i+1 is that of pair i times this. */
    private final float thetaScale;
    /** 1/factor for LINEAR and YARN, 1 otherwise. */
    private final float freqScale;
    /** Per pair: 1/freq factor is applied as ggml does, by dividing; null when there are none. */
    private final float[] freqFactors;
    /** Per pair, YaRN only: how much of the unscaled (extrapolated) angle to keep, 0..1; null otherwise. */
    private final float[] rampMix;
    /** The magnitude cos and sin are multiplied by (YaRN's attention factor). */
    private final float mscale;

    RopeAngles(ModelConfig c) {
        int d = c.headDim();
        half = d / 2;
        RopeScaling r = c.ropeScaling();
        thetaScale = (float) Math.pow(c.ropeTheta(), -2.0 / d);
        freqScale = r.kind() == RopeScaling.Kind.NONE ? 1f : 1f / r.factor();
        float[] ff = r.freqFactors();
        if (ff != null && ff.length < half)
            throw new IllegalArgumentException(ff.length + " rope frequency factors for " + half + " dimension pairs");
        freqFactors = ff;
        float attn = 1f;
        if (r.kind() == RopeScaling.Kind.YARN) {
            float[] corr = correctionDims(d, r.originalContext(), c.ropeTheta(), r.betaFast(), r.betaSlow());
            rampMix = new float[half];
            for (int i = 0; i < half; i++) {
                float y = (i - corr[0]) / Math.max(0.001f, corr[1] - corr[0]);
                rampMix[i] = 1 - Math.min(1f, Math.max(0f, y));
            }
            // llama.cpp sets the attention factor to get_mscale(factor) and then divides out the
            // 1 + 0.1 ln(factor) that ggml multiplies in again; both steps are kept for its rounding.
            float factor = 1f / freqScale;
            float ms = factor <= 1f ? 1f : 0.1f * (float) Math.log(factor) + 1f;
            attn = ms * (1f / (1f + 0.1f * (float) Math.log(factor)));
            attn *= r.attnFactor();
            attn *= 1f + 0.1f * (float) Math.log(1f / freqScale);
        } else {
            rampMix = null;
            attn *= r.attnFactor();
        }
        mscale = attn;
    }

    /**
     * YaRN's correction range: the dimension pairs (low, high) whose wavelength makes
     * {@code betaFast} and {@code betaSlow} turns over the original context, clamped to the head.
     */
    static float[] correctionDims(int dims, int originalContext, float base, float betaFast, float betaSlow) {
        float start = (float) Math.floor(correctionDim(dims, originalContext, betaFast, base));
        float end = (float) Math.ceil(correctionDim(dims, originalContext, betaSlow, base));
        return new float[]{Math.max(0f, start), Math.min(dims - 1, end)};
    }

    private static float correctionDim(int dims, int originalContext, float turns, float base) {
        return dims * (float) Math.log(originalContext / (turns * 2 * (float) Math.PI)) / (2 * (float) Math.log(base));
    }

    /** Writes the {@code headDim / 2} cos and sin of position {@code pos} at {@code off}. */
    void fill(int pos, float[] cos, float[] sin, int off) {
        float theta = pos;
        for (int i = 0; i < half; i++) {
            float extrap = freqFactors == null ? theta : theta / freqFactors[i];
            float angle = freqScale * extrap;
            if (rampMix != null) angle = angle * (1 - rampMix[i]) + extrap * rampMix[i];
            cos[off + i] = (float) Math.cos(angle) * mscale;
            sin[off + i] = (float) Math.sin(angle) * mscale;
            theta *= thetaScale;
        }
    }
}
