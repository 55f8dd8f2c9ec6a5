package dev.bgl.tasks;

import dev.bgl.util.BglException;

import java.util.SplittableRandom;

/** Relative weights of the solution styles the trainer sees. */
public record StyleMix(double compact, double detailed, double verified, double early) {
    /**
     * The mix of the shipped model (issue 6): the detailed route with its check pass (verified)
     * outweighs detailed alone, so greedy decoding writes the check and full thinking is long;
     * compact traces (40%) are common enough that their first tokens keep real probability, so
     * budget guidance has a route about 40% as long to choose. No EARLY traces.
     */
    public static final StyleMix DEFAULT = new StyleMix(0.4, 0.2, 0.4, 0);

    /**
     * The first default model's mix: greedy decoding stops after the detailed route (no check), so
     * full thinking is only about 1.8 times the compact route (docs/results/more-training).
     */
    public static final StyleMix NO_CHECK = new StyleMix(0.4, 0.4, 0.2, 0);

    /**
     * The early-stop mix measured in models/README.md (issue 6): compact-route traces (compact +
     * early, 45%) stay rarer than detailed-route ones (detailed + verified, 55%), so greedy decoding
     * keeps the detailed route; EARLY traces make the chance of {@code </think>} after one of the
     * first compact steps about 10–20% (measured on the trained model): above the guidance min-p
     * floor (10% of the top token), below the 50% at which greedy decoding would stop early.
     */
    public static final StyleMix EARLY_STOP = new StyleMix(0.2, 0.35, 0.2, 0.25);

    public StyleMix {
        if (!(compact >= 0 && detailed >= 0 && verified >= 0 && early >= 0) || compact + detailed + verified + early <= 0)
            throw new BglException("style mix: weights must be >= 0 with a positive sum, got "
                    + compact + "/" + detailed + "/" + verified + "/" + early);
    }

    /** "compact,detailed,verified,early" weights, e.g. "0.2,0.35,0.2,0.25" (the CLI's --styles). */
    public static StyleMix parse(String text) {
        String[] f = text == null ? new String[0] : text.split(",", -1);
        if (f.length != 4) throw new BglException("style mix: expected 4 weights compact,detailed,verified,early, got '" + text + "'");
        double[] w = new double[4];
        for (int i = 0; i < 4; i++) {
            try {
                w[i] = Double.parseDouble(f[i].strip());
            } catch (NumberFormatException e) {
                throw new BglException("style mix: '" + f[i].strip() + "' in '" + text + "' is not a number");
            }
        }
        return new StyleMix(w[0], w[1], w[2], w[3]);
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
