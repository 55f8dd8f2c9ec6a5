package dev.bgl.train.tasks;

import dev.bgl.util.BglException;

import java.util.SplittableRandom;

/** Relative weights of the solution styles the trainer sees. */
public record StyleMix(double compact, double detailed, double verified) {
    public static final StyleMix DEFAULT = new StyleMix(0.4, 0.4, 0.2);

    public StyleMix {
        if (!(compact >= 0 && detailed >= 0 && verified >= 0) || compact + detailed + verified <= 0)
            throw new BglException("style mix: weights must be >= 0 with a positive sum, got "
                    + compact + "/" + detailed + "/" + verified);
    }

    public Style pick(SplittableRandom rnd) {
        double u = rnd.nextDouble() * (compact + detailed + verified);
        if (u < compact) return Style.COMPACT;
        if (u < compact + detailed || verified == 0) return Style.DETAILED;
        return Style.VERIFIED;
    }
}
