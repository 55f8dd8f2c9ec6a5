package dev.bgl.budget.predictor;

import dev.bgl.budget.HardCutoff;
import dev.bgl.budget.ThinkingBudget;
import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.Sampler;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Step;
import dev.bgl.model.HiddenStates;
import dev.bgl.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Budget guidance (Li et al. 2025) as a logits processor. At a guided step with k thinking tokens
 * spent of a budget B, the predictor gives each candidate token v a Gamma(α_v, λ_v) over
 * x = log(L+1), L the thinking left if v is chosen; with R = max(B−k, 1) the weight
 * c_v = P(X ≤ log(R+1)) is the chance that v leads to a thought that fits, and the next token is
 * drawn from p′ ∝ softmax(logits)·c. Tokens whose Gamma fails the validity mask of the official
 * code get c = 0; if none is left, the most likely token gets all the mass. The processor writes
 * log p′ into the logits, so the ordinary sampler picks greedily or samples from it.
 *
 * <p>Guided steps, as in the official code: the first step of the thinking and each step after a
 * token whose text contains a newline (or every step, as an option); none once {@code </think>}
 * has been written. Differences to the official code, all deliberate: the budget counts thinking
 * tokens (it counts every generated token); guidance starts when thinking starts (it also weighs
 * the token before {@code <think>}); and the sampler's temperature and filters still apply to p′
 * (it skips them at guided steps; with greedy decoding the two agree).
 *
 * <p>Within the budget the thinking closes only at a line start (right after {@code <think>} or a
 * token that ends a line): mid-line, {@code </think>} is forbidden; once the budget is spent it may
 * close anywhere, so a thought written as one long line still ends. The paper guides only after newlines; this model
 * writes one step per line, so guidance runs at every token to choose routes, but a close mid-line
 * or mid-number leaves a half-written step the answer cannot use (94 of 200 tight-budget runs did).
 *
 * <p>Candidate-only heads and the plausibility floor ({@link GuidanceOptions}) never drop
 * {@code </think>}: the thought may always end, as the paper's full vocabulary allows, however
 * unlikely the model finds it. Mid-thought a model rates it 1e-9 to 1e-6, yet once the budget is
 * spent its weight c ≈ 1 against c ≈ 0 for going on is what lets guidance end the thinking at all.
 *
 * <p>Options: a hard ceiling, and the official evaluation's force-final-answer, for which see
 * {@link GuidanceOptions}. The processor counts guided steps and the time spent in the predictor
 * so that its overhead can be reported.
 */
public final class BudgetGuidance implements LogitsProcessor {
    private final BudgetPredictor predictor;
    private final ThinkingBudget budget;
    private final GuidanceOptions options;
    private final boolean[] newline;
    private final int closeId;
    private final String closeAtNewline, closeAnywhere;
    private final int[] finalAnswerIds;
    private final boolean greedy;
    private final SplittableRandom random;

    private final float[] z, zFirst;
    private final double[] p;
    private final int[] cand, identity;
    private final long[] keys;
    private final float[] alpha, lambda;
    private final int[] one = new int[1];
    private final float[] alpha1 = new float[1], lambda1 = new float[1];

    private final boolean[] endsLine;
    /** Whether the thinking is at a line start (nothing written yet, or the last token ended a line): the only place it may close. */
    private boolean atLineStart = true;
    private boolean guideNext, firstThinkingStep, predictOnAccept;
    private boolean finalAnswerPending, finalAnswerWritten, ceilingFired;
    private int guidedSteps, fallbacks, settledSteps;
    private int context;
    private long predictorNanos, candidatesTotal;
    private double predictedThinking = Double.NaN;
    private double remainingEstimate = Double.NaN;
    private int spentAtEstimate;
    /** The loop's thinking state at the last token accepted: for {@link #predictedRemaining} between steps, and to see the thinking open. */
    private boolean thinking;
    private int spent;

    // online calibration: the scale on log-length applied to every λ, and the path of predictions actually taken
    private PredictorCalibration calibration;
    private double scale = 1;
    private int[] lastIds;
    private int lastM = -1;
    private int[] pathSpent = new int[64];
    private double[] pathMeanLog = new double[64];
    private int pathCount;

    /**
     * @param closeId   the {@code </think>} token (the loop keeps the phases; this is the token guidance promotes)
     * @param budget    thinking tokens allowed
     * @param newline   per token id, whether its text contains a newline ({@link #newlineTokens}); null to compute it here
     * @param sampler   the request's sampler: greedy or not, and the seed of the force-final-answer draws
     */
    public BudgetGuidance(BudgetPredictor predictor, int closeId, int budget, GuidanceOptions options,
                          Tokenizer tokenizer, boolean[] newline, SamplerConfig sampler) {
        this(predictor, closeId, ThinkingBudget.fixed(budget), options, tokenizer, newline, sampler);
    }

    /** With a budget read at every step ({@link dev.bgl.budget.BudgetController}: seconds, memory, compute). */
    public BudgetGuidance(BudgetPredictor predictor, int closeId, ThinkingBudget budget, GuidanceOptions options,
                          Tokenizer tokenizer, boolean[] newline, SamplerConfig sampler) {
        this(predictor, closeId, budget, options, tokenizer, newline, null, sampler);
    }

    /**
     * @param lineEnds per token id, whether its text ends a line ({@link dev.bgl.budget.AnswerGuard#lineEndTokens});
     *                 null to compute it here. A runner computes both tables once, not per request.
     */
    public BudgetGuidance(BudgetPredictor predictor, int closeId, ThinkingBudget budget, GuidanceOptions options,
                          Tokenizer tokenizer, boolean[] newline, boolean[] lineEnds, SamplerConfig sampler) {
        if (closeId < 0) throw new IllegalArgumentException("the model has no </think> token");
        this.predictor = predictor;
        this.budget = budget;
        this.options = options;
        this.newline = newline != null ? newline : newlineTokens(tokenizer, predictor.modelVocab());
        this.closeId = closeId;
        this.endsLine = lineEnds != null ? lineEnds : dev.bgl.budget.AnswerGuard.lineEndTokens(tokenizer);
        String close = tokenizer.tokenText(closeId);
        this.closeAtNewline = close + "\n\n";
        this.closeAnywhere = "\n" + close + "\n\n";
        this.finalAnswerIds = options.forceFinalAnswer() ? tokenizer.encode(options.finalAnswerText(), true) : new int[0];
        if (options.forceFinalAnswer() && finalAnswerIds.length == 0)
            throw new IllegalArgumentException("the final answer text encodes to no tokens");
        this.greedy = sampler.greedy();
        this.random = new SplittableRandom(sampler.seed() ^ 0x5DEECE66DL);

        int v = predictor.modelVocab(), n = predictor.guidable();
        this.z = new float[predictor.config().width()];
        this.zFirst = new float[z.length];
        this.p = new double[v];
        this.cand = new int[n];
        this.identity = new int[n];
        for (int i = 0; i < n; i++) identity[i] = i;
        this.keys = new long[n];
        this.alpha = new float[n];
        this.lambda = new float[n];
    }

    @Override
    public void begin(Step start, DecodeControl control) {
        thinking = start.thinking();
        guideNext = thinking;
        firstThinkingStep = thinking;
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

    @Override
    public boolean needsHiddenStates() {
        return true;
    }

    @Override
    public void apply(Step step, float[] logits) {
        if (!step.thinking() || finalAnswerWritten) return;
        // a guided thought ends where a thought ends: within the budget </think> only at a line start, never
        // mid-line or mid-number; once the budget is spent, anywhere (a thought of one long line must end too)
        if (!atLineStart && closeId < logits.length
                && budget.remaining(step.thinkingSpent(), step.position()) > 0)
            logits[closeId] = Float.NEGATIVE_INFINITY;
        if (guideNext) guide(step, logits);
        if (options.forceFinalAnswer()) redirectClose(logits);
    }

    private void guide(Step step, float[] logits) {
        long t0 = System.nanoTime();
        HiddenStates h = step.hidden();
        if (h == null) throw new IllegalStateException("budget guidance needs hidden states, but the decode loop did not compute them");
        int vocab = logits.length, n = Math.min(vocab, predictor.guidable());
        softmax(logits, p);
        // a settled step: the min-p floor leaves one plausible token and </think> is that token or
        // impossible, so p' is that token whatever the predictor says (its weight, or the fallback);
        // the first thinking step (the difficulty estimate) and a calibrating run (the path's
        // predictions) need its output, so they run it
        if (!firstThinkingStep && calibration == null && settled(p, n, options.minP(), closeId)) {
            int best = Sampler.argmax(logits, vocab);
            Arrays.fill(logits, Float.NEGATIVE_INFINITY);
            logits[best] = 0f;
            settledSteps++;
            return;
        }
        predictor.encode(h, z);
        int m;
        int[] ids;
        if (options.allCandidates()) {
            ids = identity;
            m = n;
        } else {
            ids = cand;
            m = selectCandidates(p, n, options, cand, keys, closeId);
        }
        predictor.heads(z, ids, m, alpha, lambda);
        if (scale != 1) for (int i = 0; i < m; i++) lambda[i] /= (float) scale; // s·X ~ Gamma(α, λ/s)
        lastIds = ids;
        lastM = m;
        int remaining = Math.max(budget.remaining(step.thinkingSpent(), step.position()), 1);
        if (reweight(logits, p, ids, m, alpha, lambda, remaining, options, closeId)) fallbacks++;
        else estimateRemaining(ids, m, logits, step.thinkingSpent());
        if (firstThinkingStep) {
            firstThinkingStep = false;
            System.arraycopy(z, 0, zFirst, 0, z.length);
            predictOnAccept = true;
        }
        guidedSteps++;
        candidatesTotal += m;
        predictorNanos += System.nanoTime() - t0;
    }

    /**
     * The thinking left as the predictor sees it now: E[L] − 1 of each candidate, weighted by its
     * guided probability (the reweighted logits), counted from after the token about to be drawn.
     * Costs one pass over the few candidates; lets a client show a live estimate.
     */
    private void estimateRemaining(int[] ids, int m, float[] logits, int spent) {
        double e = 0;
        for (int i = 0; i < m; i++) {
            float l = logits[ids[i]];
            if (l == Float.NEGATIVE_INFINITY) continue;
            double len = GammaMath.expectedLength(alpha[i], lambda[i]);
            if (!Double.isFinite(len)) return;
            e += Math.exp(l) * len;
        }
        remainingEstimate = Math.max(0, e - 1);
        spentAtEstimate = spent + 1;
    }

    /**
     * Whether guidance cannot change the choice: with a plausibility floor minP &gt; 0, no token
     * below {@code n} other than the most likely one has p ≥ minP·p_max, and the token spared from
     * the floor ({@code spared}, −1: none) is the most likely one or impossible. Reweighting then
     * keeps the most likely token alone, or falls back to it when its weight is 0; either way it is
     * the only choice (tokens from {@code n} on are never candidates).
     */
    static boolean settled(double[] p, int n, double minP, int spared) {
        if (!(minP > 0)) return false;
        int best = 0;
        for (int v = 1; v < p.length; v++) if (p[v] > p[best]) best = v;
        if (spared >= 0 && spared < n && spared != best && p[spared] > 0) return false;
        double plausible = minP * p[best];
        for (int v = 0; v < n; v++) if (v != best && p[v] >= plausible) return false;
        return true;
    }

    /** p = softmax(logits) in double, over the whole array. */
    static void softmax(float[] logits, double[] p) {
        int n = logits.length;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = logits[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp(logits[i] - max);
        for (int i = 0; i < n; i++) p[i] /= sum;
    }

    /**
     * The candidate tokens below {@code n} into {@code out}, returning their count: every token with
     * p ≥ floor, then (if their mass is short of top-p) the next most likely ones until it is
     * reached, at most top-k in all (the most likely kept); and {@code </think>} ({@code closeId})
     * whatever its probability, as the full vocabulary would weigh it: it is the token guidance
     * exists to promote, and mid-thought the model rarely gives it 1e-4.
     */
    static int selectCandidates(double[] p, int n, GuidanceOptions o, int[] out, long[] keys, int closeId) {
        int m = selectLikely(p, n, o, out, keys);
        if (closeId < 0 || closeId >= n || !(p[closeId] > 0)) return m;
        for (int i = 0; i < m; i++) if (out[i] == closeId) return m;
        out[m] = closeId;
        return m + 1;
    }

    private static int selectLikely(double[] p, int n, GuidanceOptions o, int[] out, long[] keys) {
        double floor = o.candidateFloor(), topP = o.candidateTopP();
        int cap = o.candidateTopK(), m = 0;
        double mass = 0;
        for (int v = 0; v < n; v++) {
            if (p[v] >= floor) {
                out[m++] = v;
                mass += p[v];
            }
        }
        if (m > cap) {
            for (int i = 0; i < m; i++) keys[i] = key(p[out[i]], out[i]);
            Arrays.sort(keys, 0, m);
            for (int i = 0; i < cap; i++) out[i] = (int) keys[i];
            return cap;
        }
        if (mass >= topP || m == cap) return m;
        int r = 0;
        for (int v = 0; v < n; v++) if (p[v] < floor && p[v] > 0) keys[r++] = key(p[v], v);
        Arrays.sort(keys, 0, r);
        for (int i = 0; i < r && mass < topP && m < cap; i++) {
            int v = (int) keys[i];
            out[m++] = v;
            mass += p[v];
        }
        return m;
    }

    /** A sort key: ascending keys are descending probabilities, ties by id. */
    private static long key(double prob, int id) {
        return ((long) ~Float.floatToIntBits((float) prob) << 32) | id;
    }

    /**
     * Writes log p′ into the logits: p′ ∝ p·c over the candidates {@code ids[0..m)}, whose α and λ are
     * {@code alpha[i]}, {@code lambda[i]}; every other token gets −∞, and so does a candidate below
     * the plausibility floor minP·p_max other than {@code spared} (−1: none). When no candidate
     * keeps any mass, the argmax of the logits gets all of it. Returns whether that fallback was taken.
     * Overwrites {@code p} at the candidates.
     */
    static boolean reweight(float[] logits, double[] p, int[] ids, int m, float[] alpha, float[] lambda, int remaining,
                            GuidanceOptions o, int spared) {
        double x = GammaMath.encode(Math.max(remaining, 1));
        int best = Sampler.argmax(logits, logits.length);
        double plausible = o.minP() * p[best];
        double total = 0;
        for (int i = 0; i < m; i++) {
            int v = ids[i];
            double w = p[v] < plausible && v != spared ? 0 : p[v] * weight(alpha[i], lambda[i], x, o);
            p[v] = w;
            total += w;
        }
        Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        if (!(total > 0)) {
            logits[best] = 0f;
            return true;
        }
        for (int i = 0; i < m; i++) {
            int v = ids[i];
            logits[v] = p[v] > 0 ? (float) Math.log(p[v] / total) : Float.NEGATIVE_INFINITY;
        }
        return false;
    }

    /** c = P(X ≤ x) under Gamma(α, λ) when the Gamma passes the official validity mask, else 0. */
    static double weight(double alpha, double lambda, double x, GuidanceOptions o) {
        if (!valid(alpha, lambda, o)) return 0;
        return GammaMath.cdf(alpha, lambda, x);
    }

    /** The official mask: λ ≥ 10, α > 1 and a mode length exp((α−1)/λ) − 1 ≥ 0.9 (thresholds from the options). */
    static boolean valid(double alpha, double lambda, GuidanceOptions o) {
        return lambda >= o.minLambda() && alpha > o.minAlpha() && GammaMath.modeLength(alpha, lambda) >= o.minModeLength();
    }

    /**
     * Force-final-answer: decides now whether {@code </think>} would be drawn from these logits
     * (greedy: it is the argmax; sampling: a draw with its probability at temperature 1). If so,
     * the first token of the final-answer text becomes the only choice and the rest is inserted
     * when it is accepted; if not, {@code </think>} is removed so the sampler draws from the rest.
     */
    private void redirectClose(float[] logits) {
        if (closeId >= logits.length || logits[closeId] == Float.NEGATIVE_INFINITY) return;
        boolean trigger;
        if (greedy) {
            trigger = Sampler.argmax(logits, logits.length) == closeId;
        } else {
            float max = Float.NEGATIVE_INFINITY;
            for (float l : logits) max = Math.max(max, l);
            double sum = 0;
            for (float l : logits) sum += Math.exp(l - max);
            trigger = random.nextDouble() < Math.exp(logits[closeId] - max) / sum;
        }
        if (trigger) {
            Arrays.fill(logits, Float.NEGATIVE_INFINITY);
            logits[finalAnswerIds[0]] = 0f;
            finalAnswerPending = true;
        } else if (!greedy) {
            logits[closeId] = Float.NEGATIVE_INFINITY;
        }
    }

    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        boolean wasThinking = thinking;
        thinking = step.thinking();
        spent = step.thinkingSpent();
        context = step.position() + 1;
        if (!forced && finalAnswerPending) {
            finalAnswerPending = false;
            if (token == finalAnswerIds[0]) {
                finalAnswerWritten = true;
                if (finalAnswerIds.length > 1) control.insert(Arrays.copyOfRange(finalAnswerIds, 1, finalAnswerIds.length));
            }
        }
        if (!forced && lastM >= 0) recordPath(token, spent);
        lastM = -1;
        if (!forced && predictOnAccept) {
            predictOnAccept = false;
            if (token < predictor.guidable()) {
                one[0] = token;
                predictor.heads(zFirst, one, 1, alpha1, lambda1);
                predictedThinking = Math.max(0, GammaMath.expectedLength(alpha1[0], lambda1[0]) - 1);
            }
            if (calibration != null) scale = calibration.scale(calibration.bucket(predictedThinking));
        }
        boolean entered = !wasThinking && thinking;
        boolean nl = token >= 0 && token < newline.length && newline[token];
        atLineStart = entered || (token >= 0 && token < endsLine.length && endsLine[token]);
        if (entered) firstThinkingStep = true;
        guideNext = options.everyToken() || nl || entered;

        if (options.ceiling() && !ceilingFired && !forced && thinking) {
            // over = spent - budget for a fixed budget; in general how far past R = 0 the thinking is
            long over = -(long) budget.remaining(spent, context), grace = options.ceilingGrace();
            // the inserted "\n" is a thinking token too: close one early so the thinking ends at budget + 2·grace exactly
            if (over >= 2 * grace - 1) {
                ceilingFired = true;
                control.insertText(nl ? closeAtNewline : closeAnywhere);
            } else if (over >= grace && nl) {
                ceilingFired = true;
                control.insertText(closeAtNewline);
            }
        }
    }

    /**
     * The thinking tokens still expected: the estimate of the last guided step less what was spent
     * since; NaN before the first guided step; 0 once the thinking is over.
     */
    public double predictedRemaining() {
        if (Double.isNaN(remainingEstimate)) return Double.NaN;
        if (!thinking) return 0;
        return Math.max(0, remainingEstimate - (spent - spentAtEstimate));
    }

    /** Steps at which the predictor ran. */
    public int guidedSteps() {
        return guidedSteps;
    }

    /**
     * Guided steps at which the predictor did not run because the plausibility floor left one
     * token ({@link #settled}); they are not counted in {@link #guidedSteps}.
     */
    public int settledSteps() {
        return settledSteps;
    }

    /** Guided steps where no candidate passed the mask and the argmax took all the mass. */
    public int fallbacks() {
        return fallbacks;
    }

    /** Time spent in guided steps (predictor, softmax, candidates, reweighting), in nanoseconds. */
    public long predictorNanos() {
        return predictorNanos;
    }

    /** Mean number of tokens whose heads were computed per guided step. */
    public double meanCandidates() {
        return guidedSteps == 0 ? 0 : (double) candidatesTotal / guidedSteps;
    }

    /** The raw predicted mean log-length (α/λ before the scale) of the token taken at a guided step. */
    private void recordPath(int token, int spent) {
        for (int i = 0; i < lastM; i++) {
            if (lastIds[i] != token) continue;
            if (pathCount == pathSpent.length) {
                pathSpent = Arrays.copyOf(pathSpent, 2 * pathCount);
                pathMeanLog = Arrays.copyOf(pathMeanLog, 2 * pathCount);
            }
            pathSpent[pathCount] = spent;
            pathMeanLog[pathCount++] = alpha[i] / (lambda[i] * scale);
            return;
        }
    }

    /**
     * Applies an online correction from now on (null: none): from the first step's difficulty on, every λ is
     * divided by the scale of its bucket. Call before decoding starts.
     */
    public BudgetGuidance withCalibration(PredictorCalibration c) {
        this.calibration = c;
        return this;
    }

    /** Hands the finished trace to the calibration (no-op without one): call once the run has ended. */
    public void observeFinished(int thinkingTokens) {
        if (calibration != null) calibration.observe(predictedThinking, pathSpent, pathMeanLog, pathCount, thinkingTokens);
    }

    /** Guided steps on the path taken so far (those whose token was a candidate). */
    public int pathSteps() {
        return pathCount;
    }

    /** The scale on log-length in use (1 without calibration). */
    public double calibrationScale() {
        return scale;
    }

    /** Whether the hard ceiling closed the thinking. */
    public boolean ceilingFired() {
        return ceilingFired;
    }

    /** Whether force-final-answer wrote its text in place of a {@code </think>}. */
    public boolean finalAnswerForced() {
        return finalAnswerWritten;
    }

    /** Whether the processor put text into the output (ceiling or final answer). */
    public boolean intervened() {
        return ceilingFired || finalAnswerWritten;
    }

    /**
     * The paper's difficulty estimate: the expected thinking length predicted at the first thinking
     * position, for the token actually chosen there (so it agrees with what was generated),
     * E[L] − 1 with E[L] = (λ/(λ−1))^α − 1 (the −1 removes {@code </think>} itself, which L counts).
     * +∞ when that token's λ ≤ 1; NaN before the first thinking token.
     */
    public double predictedThinking() {
        return predictedThinking;
    }
}
