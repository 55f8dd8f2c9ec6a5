package dev.bgl.budget;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.PredictorCalibration;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Step;
import dev.bgl.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code guided} method, budget guidance (Li et al. 2025), as links of the processor chain:
 * <ol>
 * <li>{@link GuidanceReweight}: the predictor's Gamma over the thinking left weighs each candidate
 * token by the chance that its thought fits the budget (and keeps a close at line starts);</li>
 * <li>{@link ForceFinalAnswer} (an option): the official evaluation's final answer in place of {@code </think>};</li>
 * <li>{@link GuidanceCeiling} (an option): a hard ceiling past the budget.</li>
 * </ol>
 * A runner puts {@link #processors} into its chain; the method reports through this object what
 * the run did: whether it intervened, the difficulty and live estimates, the statistics
 * ({@link GuidanceStats}), and, once finished, the trace for the calibration ({@link GuidancePath}).
 * It is also a processor itself, the links in order, for callers that run guidance alone.
 */
public final class BudgetGuidance implements LogitsProcessor {
    private final GuidanceReweight reweight;
    private final ForceFinalAnswer finalAnswer;
    private final GuidanceCeiling ceiling;
    private final GuidanceStats stats = new GuidanceStats();
    private final GuidancePath path = new GuidancePath();
    private final List<LogitsProcessor> links;

    /**
     * @param closeId the {@code </think>} token (the loop keeps the phases; this is the token guidance promotes)
     * @param budget  thinking tokens allowed
     * @param newline per token id, whether its text contains a newline ({@link #newlineTokens}); null to compute it here
     * @param sampler the request's sampler: greedy or not, and the seed of the force-final-answer draws
     */
    public BudgetGuidance(BudgetPredictor predictor, int closeId, int budget, GuidanceOptions options,
                          Tokenizer tokenizer, boolean[] newline, SamplerConfig sampler) {
        this(predictor, closeId, ThinkingBudget.fixed(budget), options, tokenizer, newline, sampler);
    }

    /** With a budget read at every step ({@link BudgetController}: seconds, memory, compute). */
    public BudgetGuidance(BudgetPredictor predictor, int closeId, ThinkingBudget budget, GuidanceOptions options,
                          Tokenizer tokenizer, boolean[] newline, SamplerConfig sampler) {
        this(predictor, closeId, budget, options, tokenizer, newline, null, sampler);
    }

    /**
     * @param lineEnds per token id, whether its text ends a line ({@link AnswerGuard#lineEndTokens});
     *                 null to compute it here. A runner computes both tables once, not per request.
     */
    public BudgetGuidance(BudgetPredictor predictor, int closeId, ThinkingBudget budget, GuidanceOptions options,
                          Tokenizer tokenizer, boolean[] newline, boolean[] lineEnds, SamplerConfig sampler) {
        this(predictor, closeId, budget, options, tokenizer, newline, lineEnds, sampler, null);
    }

    /**
     * @param markers the model's thinking format, whose texts the ceiling inserts; null: the described family
     *                whose close tag is {@code closeId}'s text, else that tag with Qwen3's blank line after it
     */
    public BudgetGuidance(BudgetPredictor predictor, int closeId, ThinkingBudget budget, GuidanceOptions options,
                          Tokenizer tokenizer, boolean[] newline, boolean[] lineEnds, SamplerConfig sampler,
                          ThinkingMarkers markers) {
        if (closeId < 0) throw new IllegalArgumentException("the model has no token that closes its thinking");
        boolean[] nl = newline != null ? newline : newlineTokens(tokenizer, predictor.modelVocab());
        boolean[] ends = lineEnds != null ? lineEnds : AnswerGuard.lineEndTokens(tokenizer);
        this.finalAnswer = options.forceFinalAnswer()
                ? new ForceFinalAnswer(closeId, tokenizer.encode(options.finalAnswerText(), true), sampler) : null;
        this.reweight = new GuidanceReweight(predictor, closeId, budget, options, nl, ends,
                finalAnswer == null ? () -> false : finalAnswer::written, stats, path);
        this.ceiling = options.ceiling() ? new GuidanceCeiling(budget, options.ceilingGrace(), nl,
                markers != null ? markers : markersClosedBy(tokenizer.tokenText(closeId))) : null;
        // the final answer sees the guided logits, so it comes after the reweighting; the ceiling's
        // closing text is queued after the final answer's rest when both insert at one token
        List<LogitsProcessor> l = new ArrayList<>(List.of(reweight));
        if (finalAnswer != null) l.add(finalAnswer);
        if (ceiling != null) l.add(ceiling);
        this.links = List.copyOf(l);
    }

    /** The described format whose close tag is {@code close}, else that tag with {@link ThinkingMarkers#THINK}'s answer start. */
    private static ThinkingMarkers markersClosedBy(String close) {
        for (ThinkingMarkers k : ThinkingMarkers.KNOWN) if (k.close().equals(close)) return k;
        return new ThinkingMarkers(null, "open of " + close, close, ThinkingMarkers.THINK.answerStart());
    }

    /** Per token id below {@code vocab}: whether its text contains a newline (ids the tokenizer lacks: false). */
    public static boolean[] newlineTokens(Tokenizer tokenizer, int vocab) {
        boolean[] nl = new boolean[vocab];
        int n = Math.min(vocab, tokenizer.vocabSize());
        for (int id = 0; id < n; id++) {
            for (byte b : tokenizer.tokenBytes(id)) {
                if (b == '\n') {
                    nl[id] = true;
                    break;
                }
            }
        }
        return nl;
    }

    /** The links, in chain order. */
    public List<LogitsProcessor> processors() {
        return links;
    }

    @Override
    public void begin(Step start, DecodeControl control) {
        for (LogitsProcessor p : links) p.begin(start, control);
    }

    @Override
    public void apply(Step step, float[] logits) {
        for (LogitsProcessor p : links) p.apply(step, logits);
    }

    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        for (LogitsProcessor p : links) p.accept(step, token, forced, control);
    }

    @Override
    public boolean needsHiddenStates() {
        return true;
    }

    /**
     * Applies an online correction from now on (null: none): from the first step's difficulty on, every λ is
     * divided by the scale of its bucket, and the run's path is recorded for it. Call before decoding starts.
     */
    public BudgetGuidance withCalibration(PredictorCalibration c) {
        reweight.calibration(c);
        path.calibration(c);
        return this;
    }

    /** Hands the finished trace to the calibration (no-op without one): call once the run has ended. */
    public void observeFinished(int thinkingTokens) {
        path.observeFinished(reweight.predictedThinking(), thinkingTokens);
    }

    /**
     * The thinking tokens still expected: the estimate of the last guided step less what was spent
     * since; NaN before the first guided step; 0 once the thinking is over.
     */
    public double predictedRemaining() {
        return reweight.predictedRemaining();
    }

    /** The paper's difficulty estimate ({@link GuidanceReweight#predictedThinking}); NaN before the first thinking token. */
    public double predictedThinking() {
        return reweight.predictedThinking();
    }

    public GuidanceStats stats() {
        return stats;
    }

    /** Steps at which the predictor ran. */
    public int guidedSteps() {
        return stats.guidedSteps();
    }

    /** Guided steps the plausibility floor settled without the predictor ({@link GuidanceStats#settledSteps}). */
    public int settledSteps() {
        return stats.settledSteps();
    }

    /** Guided steps where no candidate passed the mask and the argmax took all the mass. */
    public int fallbacks() {
        return stats.fallbacks();
    }

    /** Time spent in guided steps (predictor, softmax, candidates, reweighting), in nanoseconds. */
    public long predictorNanos() {
        return stats.predictorNanos();
    }

    /** Mean number of tokens whose heads were computed per guided step. */
    public double meanCandidates() {
        return stats.meanCandidates();
    }

    /** Whether the hard ceiling closed the thinking. */
    public boolean ceilingFired() {
        return ceiling != null && ceiling.fired();
    }

    /** Whether force-final-answer wrote its text in place of a {@code </think>}. */
    public boolean finalAnswerForced() {
        return finalAnswer != null && finalAnswer.written();
    }

    /** Whether the method put text into the output (ceiling or final answer). */
    public boolean intervened() {
        return ceilingFired() || finalAnswerForced();
    }
}
