package dev.bgl.budget;

/**
 * What guidance did and cost in one run, for reports and the bench: guided steps (the predictor
 * ran), settled steps (it did not need to), fallbacks (no candidate passed the mask), the time in
 * guided steps and the candidates weighed. Counted by {@link GuidanceReweight} on the decode thread.
 */
public final class GuidanceStats {
    int guidedSteps, settledSteps, fallbacks, lookaheads;
    long predictorNanos, candidatesTotal;

    /** Steps at which the predictor ran. */
    public int guidedSteps() {
        return guidedSteps;
    }

    /**
     * Guided steps at which the predictor did not run because the plausibility floor left one
     * token ({@link GuidanceMath#settled}); they are not counted in {@link #guidedSteps}.
     */
    public int settledSteps() {
        return settledSteps;
    }

    /** Guided steps where no candidate passed the mask and the argmax took all the mass. */
    public int fallbacks() {
        return fallbacks;
    }

    /** Candidates fed one token ahead ({@link GuidanceOptions#lookahead}): a forward pass each. */
    public int lookaheads() {
        return lookaheads;
    }

    /** Time spent in guided steps (predictor, softmax, candidates, reweighting), in nanoseconds. */
    public long predictorNanos() {
        return predictorNanos;
    }

    /** Mean number of tokens whose heads were computed per guided step. */
    public double meanCandidates() {
        return guidedSteps == 0 ? 0 : (double) candidatesTotal / guidedSteps;
    }
}
