package dev.bgl.train;

/** Linear warm-up to the peak lr, then cosine decay to 10% of it at the last step. */
public final class LrSchedule {
    public static final float FINAL_FRACTION = 0.1f;

    private LrSchedule() {
    }

    /** The learning rate of step {@code step} (0-based) of a run of {@code steps}. */
    public static float at(int step, float peak, int warmup, int steps) {
        if (step < warmup) return peak * (step + 1) / warmup;
        float min = peak * FINAL_FRACTION;
        int decaySteps = Math.max(1, steps - warmup - 1);
        double progress = Math.min(1.0, (double) (step - warmup) / decaySteps);
        return (float) (min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
