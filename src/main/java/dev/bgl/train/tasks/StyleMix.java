package dev.bgl.train.tasks;

import dev.bgl.util.BglException;

import java.util.SplittableRandom;

/** Relative weights of the solution styles the trainer sees. */
public record StyleMix(double compact, double detailed, double verified, double early) {
    /**
     * Compact-route traces (compact + early, 45%) stay rarer than detailed-route ones (detailed +
     * verified, 55%), so greedy decoding keeps the detailed route and full thinking. Early traces
     * make the chance of {@code </think>} after one of the first compact steps 14–35%
     * (by the route's length; it falls to a few percent late in long traces): above the guidance
     * min-p floor (10% of the top token), below the 50% at which greedy decoding would stop early.
     */
    public static final StyleMix DEFAULT = new StyleMix(0.2, 0.35, 0.2, 0.25);

    public StyleMix {
        if (!(compact >= 0 && detailed >= 0 && verified >= 0 && early >= 0) || compact + detailed + verified + early <= 0)
            throw new BglException("style mix: weights must be >= 0 with a positive sum, got "
                    + compact + "/" + detailed + "/" + verified + "/" + early);
    }

    /** One style by weight; always one {@code nextDouble()} of {@code rnd}. */
    public Style pick(SplittableRandom rnd) {
        double u = rnd.nextDouble() * (compact + detailed + verified + early);
        if (u < compact) return Style.COMPACT;
        if (u < compact + detailed) return Style.DETAILED;
        if (u < compact + detailed + verified) return Style.VERIFIED;
        if (early > 0) return Style.EARLY;
        return verified > 0 ? Style.VERIFIED : detailed > 0 ? Style.DETAILED : Style.COMPACT; // rounding at the top
    }
}
