package dev.bgl.model;

import java.util.Arrays;

/**
 * How a model stretches RoPE past the context it was first trained for, with llama.cpp's meaning
 * of each field (so that bgl's angles equal ggml's):
 * <ul>
 *   <li>{@link Kind#LINEAR}: every angle divided by {@code factor} (position interpolation);</li>
 *   <li>{@link Kind#YARN}: high-frequency dimensions kept, low-frequency ones interpolated by
 *       {@code factor}, a linear ramp between the two set by {@code betaFast}/{@code betaSlow} over
 *       {@code originalContext}, and cos/sin scaled by an attention factor (0.1·ln(factor) + 1);</li>
 *   <li>{@code freqFactors} (Llama 3.1's {@code rope_freqs.weight}): dimension pair i's angle divided
 *       by {@code freqFactors[i]}, whatever the kind.</li>
 * </ul>
 *
 * @param factor          context extension factor (1 for NONE)
 * @param originalContext the context the model was trained for before extension (YaRN's ramp)
 * @param attnFactor      the file's extra attention factor ({@code rope.scaling.attn_factor}, 1 by default)
 * @param freqFactors     per dimension pair divisors of the angle, or null
 */
public record RopeScaling(Kind kind, float factor, int originalContext, float betaFast, float betaSlow, float attnFactor,
                          float[] freqFactors) {
    public enum Kind {
        NONE, LINEAR, YARN;

        /** The spelling of {@code rope.scaling.type} and of config.json's {@code rope_type}. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** YaRN's defaults in llama.cpp (and the YaRN paper) for llama/qwen models. */
    public static final float BETA_FAST = 32f, BETA_SLOW = 1f;

    public static final RopeScaling NONE = new RopeScaling(Kind.NONE, 1f, 0, BETA_FAST, BETA_SLOW, 1f, null);

    public RopeScaling {
        if (kind == null) throw new IllegalArgumentException("rope scaling kind is null");
        if (kind != Kind.YARN) originalContext = 0; // only YaRN's ramp uses it
        if (!(factor > 0) || Float.isInfinite(factor)) throw new IllegalArgumentException("rope scaling factor " + factor + " must be positive");
        if (kind == Kind.YARN && originalContext <= 0)
            throw new IllegalArgumentException("YaRN needs the original context length, got " + originalContext);
        if (freqFactors != null) {
            freqFactors = freqFactors.clone();
            for (float f : freqFactors)
                if (!(f > 0) || Float.isInfinite(f)) throw new IllegalArgumentException("rope frequency factor " + f + " must be positive and finite");
        }
    }

    public static RopeScaling linear(float factor) {
        return new RopeScaling(Kind.LINEAR, factor, 0, BETA_FAST, BETA_SLOW, 1f, null);
    }

    public static RopeScaling yarn(float factor, int originalContext) {
        return new RopeScaling(Kind.YARN, factor, originalContext, BETA_FAST, BETA_SLOW, 1f, null);
    }

    /** This scaling with Llama 3.1-style per-dimension factors (null for none). */
    public RopeScaling withFreqFactors(float[] factors) {
        return new RopeScaling(kind, factor, originalContext, betaFast, betaSlow, attnFactor, factors);
    }

    /** The frequency factors (a copy), or null. */
    @Override
    public float[] freqFactors() {
        return freqFactors == null ? null : freqFactors.clone();
    }

    /** Whether angles are those of plain RoPE. */
    public boolean isNone() {
        return kind == Kind.NONE && freqFactors == null && attnFactor == 1f;
    }

    /**
     * Llama 3.1's frequency factors, computed as transformers' {@code llama3} rope type and
     * llama.cpp's converter do: wavelengths shorter than {@code original / highFreqFactor} keep
     * their angle, longer than {@code original / lowFreqFactor} are divided by {@code factor}, and
     * those between are interpolated smoothly.
     */
    public static float[] llama3FreqFactors(int headDim, double ropeTheta, double factor, double lowFreqFactor,
                                            double highFreqFactor, int originalContext) {
        float[] out = new float[headDim / 2];
        double lowWavelen = originalContext / lowFreqFactor, highWavelen = originalContext / highFreqFactor;
        for (int i = 0; i < out.length; i++) {
            float freq = (float) (1.0 / Math.pow(ropeTheta, (2.0 * i) / headDim));
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) out[i] = 1f;
            else if (wavelen > lowWavelen) out[i] = (float) factor;
            else {
                double smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return out;
    }

    /** A short description for {@code inspect}: "none", "linear x4", "yarn x4 from 32768", plus frequency factors. */
    public String describe() {
        String s = switch (kind) {
            case NONE -> "none";
            case LINEAR -> "linear x" + fmt(factor);
            case YARN -> "yarn x" + fmt(factor) + " from " + originalContext;
        };
        if (attnFactor != 1f) s += ", attention factor " + fmt(attnFactor);
        if (freqFactors != null) s += ", frequency factors " + fmt(min(freqFactors)) + ".." + fmt(max(freqFactors));
        return s;
    }

    private static String fmt(float f) {
        return f == Math.rint(f) ? Long.toString((long) f) : Float.toString(f);
    }

    private static float min(float[] a) {
        float m = Float.POSITIVE_INFINITY;
        for (float f : a) m = Math.min(m, f);
        return m;
    }

    private static float max(float[] a) {
        float m = Float.NEGATIVE_INFINITY;
        for (float f : a) m = Math.max(m, f);
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RopeScaling r && kind == r.kind && Float.compare(factor, r.factor) == 0 && originalContext == r.originalContext
                && Float.compare(betaFast, r.betaFast) == 0 && Float.compare(betaSlow, r.betaSlow) == 0
                && Float.compare(attnFactor, r.attnFactor) == 0 && Arrays.equals(freqFactors, r.freqFactors);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[]{kind, factor, originalContext, betaFast, betaSlow, attnFactor, Arrays.hashCode(freqFactors)});
    }

    @Override
    public String toString() {
        return "RopeScaling[" + describe() + "]";
    }
}
