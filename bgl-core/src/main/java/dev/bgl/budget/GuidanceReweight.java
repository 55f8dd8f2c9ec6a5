package dev.bgl.budget;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.GammaMath;
import dev.bgl.budget.predictor.PredictorCalibration;
import dev.bgl.decode.BatchedWork;
import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.Probe;
import dev.bgl.decode.Sampler;
import dev.bgl.decode.Step;
import dev.bgl.model.HiddenStates;

import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The reweighting link of budget guidance (Li et al. 2025; {@link BudgetGuidance} composes the links). At a guided step with k thinking tokens
 * spent of a budget B, the predictor gives each candidate token v a Gamma(α_v, λ_v) over
 * x = log(L+1), L the tokens left if v is chosen up to and including {@code </think>}; with R = B−k the weight
 * c_v = P(X ≤ log(max(R, 0) + 2)) is the chance that v leads to a thought that fits (the close is not
 * thinking, so L ≤ R + 1 fits: {@link GuidanceMath#fittingLength}), and the next token is
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
 * <p>It also gives the live estimate of the thinking left ({@link #predictedRemaining}), the paper's
 * difficulty estimate ({@link #predictedThinking}), the candidates of each step to the calibration
 * recorder ({@link GuidancePath}), and counts what it did ({@link GuidanceStats}). The force-final-answer
 * and ceiling options are the links after it ({@link ForceFinalAnswer}, {@link GuidanceCeiling}).
 */
final class GuidanceReweight implements LogitsProcessor {
    private final BudgetPredictor predictor;
    private final ThinkingBudget budget;
    private final GuidanceOptions options;
    private final boolean[] newline, endsLine;
    private final int closeId;
    /** True once guidance is over for this thinking (a forced final answer was written). */
    private final BooleanSupplier done;
    private final GuidanceStats stats;
    private final GuidancePath path;

    private final float[] z, zFirst;
    private final double[] p;
    private final int[] cand, identity;
    private final long[] keys;
    private final float[] alpha, lambda;
    private final int[] one = new int[1];
    private final float[] alpha1 = new float[1], lambda1 = new float[1];

    /** Whether the thinking is at a line start (nothing written yet, or the last token ended a line): the only place it may close. */
    private boolean atLineStart = true;
    private boolean guideNext, firstThinkingStep, predictOnAccept;
    private double predictedThinking = Double.NaN;
    private double remainingEstimate = Double.NaN;
    private int spentAtEstimate;
    /** The loop's thinking state at the last token accepted: for {@link #predictedRemaining} between steps, and to see the thinking open. */
    private boolean thinking;
    private int spent;

    // online calibration: the scale on log-length applied to every λ
    private PredictorCalibration calibration;
    private double scale = 1;

    /**
     * @param newline  per token id, whether its text contains a newline ({@link BudgetGuidance#newlineTokens})
     * @param endsLine per token id, whether its text ends a line ({@link AnswerGuard#lineEndTokens})
     * @param done     true once guidance is over for this thinking
     */
    GuidanceReweight(BudgetPredictor predictor, int closeId, ThinkingBudget budget, GuidanceOptions options,
                     boolean[] newline, boolean[] endsLine, BooleanSupplier done, GuidanceStats stats, GuidancePath path) {
        this.predictor = predictor;
        this.closeId = closeId;
        this.budget = budget;
        this.options = options;
        this.newline = newline;
        this.endsLine = endsLine;
        this.done = done;
        this.stats = stats;
        this.path = path;
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

    /** Applies an online correction from the first step's difficulty on (null: none); call before decoding starts. */
    void calibration(PredictorCalibration c) {
        this.calibration = c;
    }

    @Override
    public void begin(Step start, DecodeControl control) {
        thinking = start.thinking();
        guideNext = thinking;
        firstThinkingStep = thinking;
    }

    @Override
    public boolean needsHiddenStates() {
        return true;
    }

    /** This step's mask and softmax were done by {@link #prepare}; z too when {@link #zReady}. */
    private boolean prepared, zReady;

    /**
     * The predictor's pass of a guided step as a {@link BatchedWork}, so that a batch of sequences
     * runs it once for all ({@link BudgetPredictor#encodeBatch}). Does this step's mask and softmax
     * first, as {@link #apply} would: a settled step needs no pass.
     */
    @Override
    public BatchedWork prepare(Step step, float[] logits) {
        if (!step.thinking() || done.getAsBoolean()) return null;
        mask(step, logits);
        prepared = true;
        if (!guideNext || step.hidden() == null) return null;
        int n = Math.min(logits.length, predictor.guidable());
        GuidanceMath.softmax(logits, p);
        if (skipsPredictor(n)) return null;
        return new Encode(this, step.hidden());
    }

    /** One position's encoding, batched with others on the same predictor. */
    private record Encode(GuidanceReweight owner, HiddenStates hidden) implements BatchedWork {
        @Override
        public Object batchKey() {
            return owner.predictor;
        }

        @Override
        public void runAll(List<BatchedWork> group) {
            int n = group.size();
            HiddenStates[] hs = new HiddenStates[n];
            float[][] zs = new float[n][];
            for (int i = 0; i < n; i++) {
                Encode e = (Encode) group.get(i);
                hs[i] = e.hidden;
                zs[i] = e.owner.z;
            }
            long t0 = System.nanoTime();
            owner.predictor.encodeBatch(hs, zs, n);
            long each = (System.nanoTime() - t0) / n;
            for (BatchedWork w : group) {
                GuidanceReweight g = ((Encode) w).owner;
                g.zReady = true;
                g.stats.predictorNanos += each;
            }
        }
    }

    @Override
    public void apply(Step step, float[] logits) {
        boolean wasPrepared = prepared;
        prepared = false;
        if (!step.thinking() || done.getAsBoolean()) return;
        if (!wasPrepared) mask(step, logits);
        if (guideNext) guide(step, logits, wasPrepared);
        zReady = false;
    }

    /**
     * A guided thought ends where a thought ends: within the budget </think> only at a line start, never
     * mid-line or mid-number; once the budget is spent, anywhere (a thought of one long line must end too).
     */
    private void mask(Step step, float[] logits) {
        if (!atLineStart && closeId < logits.length
                && budget.remaining(step.thinkingSpent(), step.position()) > 0)
            logits[closeId] = Float.NEGATIVE_INFINITY;
    }

    /**
     * A settled step: the min-p floor leaves one plausible token and </think> is that token or
     * impossible, so p' is that token whatever the predictor says (its weight, or the fallback);
     * the first thinking step (the difficulty estimate) and a calibrating run (the path's
     * predictions) need its output, so they run it.
     */
    private boolean skipsPredictor(int n) {
        return !firstThinkingStep && calibration == null && GuidanceMath.settled(p, n, options.minP(), closeId);
    }

    private void guide(Step step, float[] logits, boolean softmaxDone) {
        long t0 = System.nanoTime();
        HiddenStates h = step.hidden();
        if (h == null) throw new IllegalStateException("budget guidance needs hidden states, but the decode loop did not compute them");
        int vocab = logits.length, n = Math.min(vocab, predictor.guidable());
        if (!softmaxDone) GuidanceMath.softmax(logits, p);
        if (skipsPredictor(n)) {
            int best = Sampler.argmax(logits, vocab);
            Arrays.fill(logits, Float.NEGATIVE_INFINITY);
            logits[best] = 0f;
            stats.settledSteps++;
            return;
        }
        if (!zReady) predictor.encode(h, z); // else the batch's pass wrote it
        int m;
        int[] ids;
        if (options.allCandidates()) {
            ids = identity;
            m = n;
        } else {
            ids = cand;
            m = GuidanceMath.selectCandidates(p, n, options, cand, keys, closeId);
        }
        predictor.heads(z, ids, m, alpha, lambda);
        if (scale != 1) for (int i = 0; i < m; i++) lambda[i] /= (float) scale; // s·X ~ Gamma(α, λ/s)
        path.candidates(ids, m, alpha, lambda, scale);
        int left = budget.remaining(step.thinkingSpent(), step.position());
        // once the budget is spent the thought should close: no token is looked at ahead to argue for one more
        double[] ahead = options.lookahead() > 0 && left > 0 && atLineStart && step.probe() != null
                ? lookAhead(step.probe(), ids, m, left) : null;
        if (GuidanceMath.reweight(logits, p, ids, m, alpha, lambda, ahead, left, options, closeId)) stats.fallbacks++;
        else estimateRemaining(ids, m, logits, step.thinkingSpent());
        if (firstThinkingStep) {
            firstThinkingStep = false;
            System.arraycopy(z, 0, zFirst, 0, z.length);
            predictOnAccept = true;
        }
        stats.guidedSteps++;
        stats.candidatesTotal += m;
        stats.predictorNanos += System.nanoTime() - t0;
    }

    // lookahead's buffers, allocated at its first use
    private double[] chanceAhead, pAhead;
    private float[] logitsAhead, zAhead, alphaAhead, lambdaAhead;
    private HiddenStates hiddenAhead;
    private int[] candAhead;

    /**
     * At a line start, where routes branch: each of the {@link GuidanceOptions#lookahead} most likely
     * plausible candidates (not {@code </think>}) is fed one token ahead, and its chance to fit
     * becomes what the predictor reads at the position after it ({@link GuidanceMath#chanceAhead},
     * one token less left). A candidate head sees only the position before the token: when two routes
     * start alike (a digit that begins an equation restated or a number reduced) it cannot tell them
     * apart, and the position after the token can. The rest keep their heads' chances. Returns the
     * chances by candidate index (NaN: its head's), or null when no candidate was fed.
     */
    private double[] lookAhead(Probe probe, int[] ids, int m, int remaining) {
        int vocab = p.length;
        if (chanceAhead == null || chanceAhead.length < cand.length) {
            chanceAhead = new double[cand.length];
            pAhead = new double[vocab];
            logitsAhead = new float[vocab];
            zAhead = new float[z.length];
            alphaAhead = new float[alpha.length];
            lambdaAhead = new float[lambda.length];
            candAhead = new int[cand.length];
            int d = predictor.config().hidden();
            hiddenAhead = new HiddenStates(new float[d], new float[predictor.modelLayers()][d], new float[d]);
        }
        Arrays.fill(chanceAhead, 0, m, Double.NaN);
        double top = 0;
        for (int i = 0; i < m; i++) top = Math.max(top, p[ids[i]]);
        double plausible = options.minP() * top;
        int n = Math.min(vocab, predictor.guidable()), fed = 0;
        for (int k = 0; k < options.lookahead(); k++) {
            int best = -1; // the most likely candidate not yet fed
            for (int i = 0; i < m; i++) {
                int v = ids[i];
                if (v == closeId || !Double.isNaN(chanceAhead[i]) || p[v] < plausible || !(p[v] > 0)) continue;
                if (best < 0 || p[v] > p[ids[best]]) best = i;
            }
            if (best < 0) break;
            int token = ids[best];
            if (!probe.lookAhead(token, logitsAhead, hiddenAhead)) break;
            predictor.encode(hiddenAhead, zAhead);
            GuidanceMath.softmax(logitsAhead, pAhead);
            int m2 = options.allCandidates() ? n : GuidanceMath.selectCandidates(pAhead, n, options, candAhead, keys, closeId);
            int[] ids2 = options.allCandidates() ? identity : candAhead;
            predictor.heads(zAhead, ids2, m2, alphaAhead, lambdaAhead);
            if (scale != 1) for (int i = 0; i < m2; i++) lambdaAhead[i] /= (float) scale;
            // after the token the thought may close at a line start, or anywhere once it has spent the budget (see mask)
            boolean mayClose = (token < endsLine.length && endsLine[token]) || remaining <= 1;
            chanceAhead[best] = GuidanceMath.chanceAhead(pAhead, ids2, m2, alphaAhead, lambdaAhead, remaining - 1, options, mayClose ? -1 : closeId);
            fed++;
        }
        stats.lookaheads += fed;
        return fed > 0 ? chanceAhead : null;
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

    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        boolean wasThinking = thinking;
        thinking = step.thinking();
        spent = step.thinkingSpent();
        path.accept(token, forced, spent);
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
    }

    /**
     * The thinking tokens still expected: the estimate of the last guided step less what was spent
     * since; NaN before the first guided step; 0 once the thinking is over.
     */
    double predictedRemaining() {
        if (Double.isNaN(remainingEstimate)) return Double.NaN;
        if (!thinking) return 0;
        return Math.max(0, remainingEstimate - (spent - spentAtEstimate));
    }

    /**
     * The paper's difficulty estimate: the expected thinking length predicted at the first thinking
     * position, for the token actually chosen there (so it agrees with what was generated),
     * E[L] − 1 with E[L] = (λ/(λ−1))^α − 1 (the −1 removes {@code </think>} itself, which L counts).
     * +∞ when that token's λ ≤ 1; NaN before the first thinking token.
     */
    double predictedThinking() {
        return predictedThinking;
    }
}
