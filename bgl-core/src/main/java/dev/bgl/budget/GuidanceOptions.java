package dev.bgl.budget;

import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.budget.predictor.RecommendedGuidance;
import dev.bgl.format.FormatException;
import dev.bgl.util.BglException;

import java.nio.file.Path;

/**
 * Settings of budget guidance. {@link #DEFAULT} is the paper's method as the official code runs it.
 *
 * @param minLambda      validity mask: a token's Gamma counts only if λ ≥ this (official: 10)
 * @param minAlpha       ... and α &gt; this (official: 1)
 * @param minModeLength  ... and its mode length exp((α−1)/λ) − 1 ≥ this (official: 0.9)
 * @param everyToken     guide every thinking step, not only the first and those after a token containing a newline
 * @param allCandidates  compute the heads for the whole vocabulary instead of the candidates below
 * @param candidateTopP  candidates: the smallest most-likely set whose probability reaches this ...
 * @param candidateTopK  ... at most this many tokens ...
 * @param candidateFloor ... always including every token with probability ≥ this. Since at most
 *                       1/floor tokens can reach the floor, a cap ≥ 1/floor (the defaults: 10 000
 *                       and 1e-4) guarantees that each of them is weighed exactly as with the full
 *                       vocabulary; tokens left out get probability 0.
 * @param ceilingGrace   a hard ceiling (−1: none): once thinking has spent budget + grace tokens,
 *                       {@code </think>} is inserted after the next token containing a newline, and
 *                       at budget + 2·grace wherever the thought is
 * @param forceFinalAnswer the official evaluation's {@code force_final_answer}: when guided thinking
 *                       would end with {@code </think>}, write {@link #finalAnswerText} in its place
 *                       and let the model finish its thinking unguided (it then closes it itself)
 * @param finalAnswerText the text written in place of that {@code </think>} (official: "**Final Answer**\n")
 * @param minP           plausibility floor (not in the paper; 0: off): at a guided step a token whose
 *                       probability is below minP × the top token's gets no weight. In the far left
 *                       tail of the Gamma CDFs (a budget nearly spent) their ratios grow huge, so
 *                       predictor noise alone can outweigh a 1000:1 preference of the model for the
 *                       right digit; the floor leaves guidance the choices the model finds plausible.
 *                       {@code </think>} is spared: the thought may always end ({@link BudgetGuidance}).
 * @param scale          guidance strength γ (not in the paper, which is γ = 1): p′ ∝ p·c^γ. As the scale of
 *                       classifier guidance, γ &gt; 1 trusts the predictor more than the model: a token whose
 *                       thought fits half as often gets a quarter of the weight at γ = 2, not a half. With a
 *                       predictor whose Gammas are wide (over log-length), γ = 1 lets a thought run a few
 *                       tokens past its budget and finish its line there; γ = 2 makes it plan the last line
 *                       to end within it.
 * @param lookahead      candidates looked at one token ahead at a line start (0: off; not in the paper). A
 *                       candidate head sees the position before the token, so it cannot tell which route a
 *                       token opens when the routes start alike (a digit, say); fed ahead ({@link dev.bgl.decode.Probe}),
 *                       the predictor reads the position after it. The {@code lookahead} most likely
 *                       plausible candidates get that chance instead: each costs one forward pass.
 */
public record GuidanceOptions(double minLambda, double minAlpha, double minModeLength, boolean everyToken,
                              boolean allCandidates, double candidateTopP, int candidateTopK, double candidateFloor,
                              int ceilingGrace, boolean forceFinalAnswer, String finalAnswerText, double minP,
                              double scale, int lookahead) {

    public static final String FINAL_ANSWER = "**Final Answer**\n";
    /** Beyond this, c^γ underflows for any thought that is not certain to fit: guidance would be a hard rule. */
    public static final double MAX_SCALE = 16;
    /** Candidates above the plausibility floor rarely number more; each one looked at costs a forward pass. */
    public static final int MAX_LOOKAHEAD = 16;
    public static final GuidanceOptions DEFAULT = new GuidanceOptions(10, 1, 0.9, false, false, 0.999, 10_000, 1e-4,
            -1, false, FINAL_ANSWER, 0, 1, 0);

    public GuidanceOptions {
        if (!(minLambda >= 0) || !(minAlpha >= 0) || Double.isNaN(minModeLength))
            throw new BglException("guidance: mask thresholds must be >= 0 (lambda " + minLambda + ", alpha " + minAlpha
                    + ", mode length " + minModeLength + ")");
        if (!(candidateTopP > 0 && candidateTopP <= 1))
            throw new BglException("guidance: candidate top-p must be in (0, 1], got " + candidateTopP);
        if (candidateTopK < 1) throw new BglException("guidance: candidate top-k must be >= 1, got " + candidateTopK);
        if (!(candidateFloor > 0 && candidateFloor <= 1))
            throw new BglException("guidance: candidate floor must be in (0, 1], got " + candidateFloor);
        if (ceilingGrace < -1) throw new BglException("guidance: ceiling grace must be >= 0 tokens (or -1 for none), got " + ceilingGrace);
        if (forceFinalAnswer && (finalAnswerText == null || finalAnswerText.isEmpty()))
            throw new BglException("guidance: force-final-answer needs a non-empty final answer text");
        if (finalAnswerText == null) finalAnswerText = FINAL_ANSWER;
        if (!(minP >= 0 && minP <= 1)) throw new BglException("guidance: min-p must be in [0, 1], got " + minP);
        if (!(scale > 0 && scale <= MAX_SCALE))
            throw new BglException("guidance: scale must be in (0, " + (int) MAX_SCALE + "], got " + scale);
        if (lookahead < 0 || lookahead > MAX_LOOKAHEAD)
            throw new BglException("guidance: lookahead must be in 0.." + MAX_LOOKAHEAD + " candidates, got " + lookahead);
    }

    /** What the predictor file recommends ({@link PredictorWeights#recommendation}) over the paper's defaults. */
    public static GuidanceOptions recommended(Path predictor) {
        return recommended(PredictorWeights.recommendation(predictor));
    }

    /**
     * A predictor's recommendations over {@link #DEFAULT}: guidance every token or after newlines, the
     * min-p floor, the validity mask; heads over the whole vocabulary for a model folder's predictor.
     */
    public static GuidanceOptions recommended(RecommendedGuidance r) {
        GuidanceOptions o = DEFAULT.withEveryToken(r.everyToken()).withMinP(r.minP());
        try {
            o = o.withScale(r.scale());
        } catch (BglException e) {
            throw new FormatException(r.file(), "metadata " + PredictorWeights.SCALE_KEY + " " + r.scale() + ": " + e.getMessage());
        }
        try {
            o = o.withLookahead(r.lookahead());
        } catch (BglException e) {
            throw new FormatException(r.file(), "metadata " + PredictorWeights.LOOKAHEAD_KEY + " " + r.lookahead() + ": " + e.getMessage());
        }
        if (r.mask() != null) {
            try {
                o = o.withMask(r.mask()[0], r.mask()[1], r.mask()[2]);
            } catch (BglException e) {
                throw new FormatException(r.file(), "metadata " + PredictorWeights.MASK_KEY + " '" + r.maskText() + "': " + e.getMessage());
            }
        }
        return r.modelFolder() ? o.withAllCandidates(true) : o;
    }

    /** The mask as a predictor file records it ({@link PredictorWeights#MASK_KEY}). */
    public String maskText() {
        return PredictorWeights.maskText(minLambda, minAlpha, minModeLength);
    }

    public boolean ceiling() {
        return ceilingGrace >= 0;
    }

    public GuidanceOptions withEveryToken(boolean b) {
        return new GuidanceOptions(minLambda, minAlpha, minModeLength, b, allCandidates, candidateTopP, candidateTopK,
                candidateFloor, ceilingGrace, forceFinalAnswer, finalAnswerText, minP, scale, lookahead);
    }

    public GuidanceOptions withAllCandidates(boolean b) {
        return new GuidanceOptions(minLambda, minAlpha, minModeLength, everyToken, b, candidateTopP, candidateTopK,
                candidateFloor, ceilingGrace, forceFinalAnswer, finalAnswerText, minP, scale, lookahead);
    }

    public GuidanceOptions withCandidates(double topP, int topK, double floor) {
        return new GuidanceOptions(minLambda, minAlpha, minModeLength, everyToken, allCandidates, topP, topK, floor,
                ceilingGrace, forceFinalAnswer, finalAnswerText, minP, scale, lookahead);
    }

    public GuidanceOptions withMask(double lambda, double alpha, double modeLength) {
        return new GuidanceOptions(lambda, alpha, modeLength, everyToken, allCandidates, candidateTopP, candidateTopK,
                candidateFloor, ceilingGrace, forceFinalAnswer, finalAnswerText, minP, scale, lookahead);
    }

    /** A hard ceiling with this grace (−1 for none). */
    public GuidanceOptions withCeiling(int grace) {
        return new GuidanceOptions(minLambda, minAlpha, minModeLength, everyToken, allCandidates, candidateTopP, candidateTopK,
                candidateFloor, grace, forceFinalAnswer, finalAnswerText, minP, scale, lookahead);
    }

    public GuidanceOptions withForceFinalAnswer(boolean b) {
        return new GuidanceOptions(minLambda, minAlpha, minModeLength, everyToken, allCandidates, candidateTopP, candidateTopK,
                candidateFloor, ceilingGrace, b, finalAnswerText, minP, scale, lookahead);
    }

    /** Guidance strength γ: p′ ∝ p·c^γ (1: the paper's). */
    public GuidanceOptions withScale(double g) {
        return new GuidanceOptions(minLambda, minAlpha, minModeLength, everyToken, allCandidates, candidateTopP, candidateTopK,
                candidateFloor, ceilingGrace, forceFinalAnswer, finalAnswerText, minP, g, lookahead);
    }

    /** A plausibility floor relative to the top token (0: off). */
    public GuidanceOptions withMinP(double m) {
        return new GuidanceOptions(minLambda, minAlpha, minModeLength, everyToken, allCandidates, candidateTopP, candidateTopK,
                candidateFloor, ceilingGrace, forceFinalAnswer, finalAnswerText, m, scale, lookahead);
    }

    /** Candidates looked at one token ahead at a line start (0: off). */
    public GuidanceOptions withLookahead(int k) {
        return new GuidanceOptions(minLambda, minAlpha, minModeLength, everyToken, allCandidates, candidateTopP, candidateTopK,
                candidateFloor, ceilingGrace, forceFinalAnswer, finalAnswerText, minP, scale, k);
    }
}
