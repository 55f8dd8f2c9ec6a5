package dev.bgl.budget;

import dev.bgl.budget.predictor.BudgetGuidance;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.GuidanceOptions;
import dev.bgl.decode.GenerateRequest;
import dev.bgl.decode.GenerateResult;
import dev.bgl.decode.Generator;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.Session;
import dev.bgl.decode.TokenListener;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Answers one question under a budget: renders the prompt the method wants, builds its processors
 * (each with its own {@link ThinkingTracker}), runs the ordinary decode loop and accounts for what
 * was spent. One runner per model; {@link #run} may be called from one thread at a time per runner
 * (each call opens its own session).
 */
public final class BudgetRunner {
    private final LoadedModel model;
    private final int s1LineCap;
    private final BudgetPredictor predictor;
    private final GuidanceOptions guidance;
    private boolean[] newlineTokens;
    /** Per token id, whether its text ends a line: for the guard and guidance, made once per runner (a vocabulary pass). */
    private boolean[] lineEndTokens;
    /** The guidance of the run in progress (null: none), for {@link #predictedRemaining}. */
    private BudgetGuidance live;

    /** A runner without a budget predictor: every method but {@code guided}. */
    public BudgetRunner(LoadedModel model) {
        this(model, null);
    }

    /** @param s1LineCap most tokens {@code s1} lets the model write after "**Final Answer**" before closing */
    public BudgetRunner(LoadedModel model, int s1LineCap) {
        this(model, null, GuidanceOptions.DEFAULT, s1LineCap);
    }

    /** A runner whose {@code guided} method uses this predictor (null: none) with the default guidance options. */
    public BudgetRunner(LoadedModel model, BudgetPredictor predictor) {
        this(model, predictor, GuidanceOptions.DEFAULT);
    }

    public BudgetRunner(LoadedModel model, BudgetPredictor predictor, GuidanceOptions guidance) {
        this(model, predictor, guidance, S1BudgetForcing.DEFAULT_LINE_CAP);
    }

    public BudgetRunner(LoadedModel model, BudgetPredictor predictor, GuidanceOptions guidance, int s1LineCap) {
        if (s1LineCap < 0) throw new BglException("s1 line cap must be >= 0 tokens, got " + s1LineCap);
        this.model = model;
        this.s1LineCap = s1LineCap;
        this.predictor = predictor == null ? null : BudgetPredictor.forModel(predictor.weights(), model);
        this.guidance = guidance;
    }

    public LoadedModel model() {
        return model;
    }

    /** The guidance settings of this runner's {@code guided} runs (a request may ask for a soft budget, dropping the ceiling). */
    public GuidanceOptions guidance() {
        return guidance;
    }

    /**
     * The ceiling grace a guided run of this request keeps (−1: none, the budget is soft): what a
     * response states so its reader knows how far the thinking may pass the budget.
     */
    public int ceilingGrace(BudgetRequest req) {
        return ceilingGrace(guidance, req);
    }

    /** {@link #ceilingGrace(BudgetRequest)} for runners with these guidance settings. */
    public static int ceilingGrace(GuidanceOptions guidance, BudgetRequest req) {
        if (hardLimit(req)) return guidance.ceiling() ? guidance.ceilingGrace() : 0;
        return req.soft() ? -1 : guidance.ceilingGrace();
    }

    /**
     * Checks, before any work, that a KV budget leaves room for the prompt and an answer; a clear
     * error naming the bytes needed otherwise.
     */
    public void checkKvBudget(BudgetRequest req, int promptTokens) {
        kvCappedMaxTokens(req, promptTokens);
    }

    /**
     * The plan of one method for one request: the prompt and the processors, and how to tell if it
     * intervened. {@code promptClosesThinking}: the prompt ends with an empty, closed thinking block
     * ({@code nothink}), so all output is answer.
     */
    record Plan(int[] prompt, boolean promptOpensThinking, List<LogitsProcessor> processors,
                java.util.function.BooleanSupplier intervened, java.util.function.DoubleSupplier predictedThinking,
                boolean promptClosesThinking, BudgetGuidance guidance) {
        Plan(int[] prompt, boolean promptOpensThinking, List<LogitsProcessor> processors,
             java.util.function.BooleanSupplier intervened, java.util.function.DoubleSupplier predictedThinking,
             boolean promptClosesThinking) {
            this(prompt, promptOpensThinking, processors, intervened, predictedThinking, promptClosesThinking, null);
        }

        Plan(int[] prompt, boolean promptOpensThinking, List<LogitsProcessor> processors,
             java.util.function.BooleanSupplier intervened, java.util.function.DoubleSupplier predictedThinking) {
            this(prompt, promptOpensThinking, processors, intervened, predictedThinking, false);
        }
    }

    /** The prompt text a method sends for a request (the chat template, changed as the method wants). */
    public String promptText(BudgetRequest req) {
        if (zeroBudget(req) && model.isThinkingModel()) return BudgetPrompts.noThinkPrompt(model, req.messages());
        return switch (req.method()) {
            case Method.Prompt m -> model.renderPrompt(BudgetPrompts.withBudgetInstruction(req.messages(), req.budget()), null);
            case Method.NoThink m -> model.isThinkingModel()
                    ? BudgetPrompts.noThinkPrompt(model, req.messages()) : model.renderPrompt(req.messages(), null);
            default -> model.renderPrompt(req.messages(), null);
        };
    }

    /**
     * Where the method's prompt leaves the model: before thinking (the model opens it), inside it
     * (the template opened it), or in the answer ({@code nothink}). Lets a display follow the phases.
     */
    public ThinkingTracker.Phase promptPhase(BudgetRequest req) {
        if (!model.isThinkingModel()) return ThinkingTracker.Phase.BEFORE;
        if (req.method() instanceof Method.NoThink || zeroBudget(req)) return ThinkingTracker.Phase.ANSWER;
        return opensThinking(model.encodePrompt(promptText(req))) ? ThinkingTracker.Phase.THINKING : ThinkingTracker.Phase.BEFORE;
    }

    public BudgetOutcome run(BudgetRequest req, TokenListener listener) {
        return runMetered(req, listener).outcome();
    }

    /**
     * What a run produced, and its controller when the request had limits in other units (null
     * otherwise): what it measured and spent, for a summary in those units.
     */
    public record Metered(BudgetOutcome outcome, BudgetController controller, long sessionKvBytes) {
    }

    /** Runs the request; with {@link BudgetRequest#limits()} the strategies read R from a {@link BudgetController}. */
    public Metered runMetered(BudgetRequest req, TokenListener listener) {
        return runMetered(req, listener, System::nanoTime);
    }

    /** The same with the controller's clock given (tests). */
    public Metered runMetered(BudgetRequest req, TokenListener listener, java.util.function.LongSupplier nanoTime) {
        if (!model.isThinkingModel() && req.method().usesBudget())
            throw new BglException("model " + model.name() + " has no </think> token: budget method '" + req.method().name() + "' needs a thinking model");
        long t0 = nanoTime.getAsLong(); // the clock of a seconds budget starts before the prompt is rendered
        BudgetController controller = req.limits().isEmpty() ? null : new BudgetController(req.limits(),
                BudgetController.CostModel.of(model.transformer().config(), model.kvType()), answerReserve, nanoTime);
        ThinkingBudget budget = controller != null ? controller : ThinkingBudget.fixed(Math.max(0, req.budget()));
        live = null;
        Plan plan = plan(req, budget);
        AnswerGuard guard = model.isThinkingModel() ? guard(plan) : null;
        List<LogitsProcessor> processors = new ArrayList<>();
        if (controller != null) processors.add(new BudgetMeter(controller)); // first: the others read an R that counts the token
        processors.addAll(plan.processors());
        if (guard != null) processors.add(guard); // after the methods: nothing they write can reopen a closed thinking
        if (controller != null) processors.add(BudgetMeter.prefillEnd(controller)); // last: the others' begin work is prefill
        int maxTokens = kvCappedMaxTokens(req, plan.prompt().length);
        int context = Math.min(model.defaultContext(), plan.prompt().length + maxTokens + 64);
        Session session = model.newSession(Math.max(context, plan.prompt().length + 1));
        GenerateRequest g = GenerateRequest.of(plan.prompt(), maxTokens, req.sampler())
                .withProcessors(processors).withCancellation(req.cancellation());
        if (controller != null) controller.start(plan.prompt().length, t0);
        GenerateResult r = new Generator(session, model.tokenizer()).generate(g, listener);
        BudgetOutcome outcome = account(req, plan, r, guard);
        // a trace whose thinking was cut (ceiling, forced answer) does not show the natural remaining length
        if (plan.guidance() != null && outcome.thinkingClosed() && !outcome.intervened())
            plan.guidance().observeFinished(outcome.thinkingTokens());
        return new Metered(outcome, controller, session.kvBytes());
    }

    /**
     * During a {@code guided} run (e.g. from its token listener, on the running thread): the thinking
     * tokens the predictor still expects; NaN for other methods or before its first estimate.
     */
    public double predictedRemaining() {
        BudgetGuidance g = live;
        return g == null ? Double.NaN : g.predictedRemaining();
    }

    private int answerReserve = BudgetController.DEFAULT_ANSWER_RESERVE;
    private dev.bgl.budget.predictor.PredictorCalibration calibration;

    /**
     * Guided runs apply this online correction and, once finished with their thinking closed, teach it their
     * trace (null: none). One calibration may be shared by several runners.
     */
    public BudgetRunner withCalibration(dev.bgl.budget.predictor.PredictorCalibration c) {
        this.calibration = c;
        return this;
    }

    /**
     * The answer cap: tokens the answer may take after {@code </think>} (default: the model card's,
     * {@link dev.bgl.model.ModelCard#answerMaxTokens}). Must be in 1..the model's context.
     */
    public BudgetRunner withAnswerMax(int tokens) {
        if (tokens < 1 || tokens > model.transformer().config().contextLength())
            throw new BglException("--answer-max must be in 1.." + model.transformer().config().contextLength()
                    + " tokens (the model's context), got " + tokens);
        this.answerMax = tokens;
        return this;
    }

    /** The answer cap in force. */
    public int answerMax() {
        return answerMax > 0 ? answerMax : model.card().answerMaxTokens();
    }

    private int answerMax;

    private AnswerGuard guard(Plan plan) {
        ThinkingTracker.Phase start = plan.promptClosesThinking() ? ThinkingTracker.Phase.ANSWER
                : plan.promptOpensThinking() ? ThinkingTracker.Phase.THINKING : ThinkingTracker.Phase.BEFORE;
        return new AnswerGuard(new ThinkingTracker(model.thinkOpenId(), model.thinkCloseId(), start), model.thinkOpenId(),
                answerMax(), model.card().answerPrefix(), model.tokenizer(), lineEndTokens());
    }

    private boolean[] lineEndTokens() {
        if (lineEndTokens == null) lineEndTokens = AnswerGuard.lineEndTokens(model.tokenizer());
        return lineEndTokens;
    }

    /** Tokens kept back for closing the thinking and the answer when limits are in other units. */
    public BudgetRunner withAnswerReserve(int tokens) {
        if (tokens < 0) throw new BglException("answer reserve must be >= 0 tokens, got " + tokens);
        this.answerReserve = tokens;
        return this;
    }

    /** Whether the request asks for no thinking at all: a token budget of 0 (every method then prefills an empty thinking). */
    public static boolean zeroBudget(BudgetRequest req) {
        return req.method().usesBudget() && req.limits().isEmpty() && req.budget() == 0;
    }

    private Plan plan(BudgetRequest req, ThinkingBudget budget) {
        if (zeroBudget(req) && model.isThinkingModel()) {
            // a budget of 0 means no thinking, in every method: the prompt closes it, nothing is spent on closing it
            int[] prompt = model.encodePrompt(BudgetPrompts.noThinkPrompt(model, req.messages()));
            return new Plan(prompt, false, List.of(), () -> true, () -> Double.NaN, true);
        }
        String rendered = promptText(req);
        int[] prompt = model.encodePrompt(rendered);
        boolean opens = opensThinking(prompt);
        return switch (req.method()) {
            case Method.None m -> new Plan(prompt, opens, List.of(), () -> false, () -> Double.NaN);
            case Method.Hard m -> {
                HardCutoff cut = new HardCutoff(tracker(opens), budget, HardCutoff.DEFAULT_CLOSE,
                        thinkingTokensOf(HardCutoff.DEFAULT_CLOSE));
                yield new Plan(prompt, opens, List.of(cut), cut::fired, () -> Double.NaN);
            }
            case Method.QwenStop m -> {
                HardCutoff stop = QwenEarlyStop.processor(tracker(opens), budget);
                yield new Plan(prompt, opens, List.of(stop), stop::fired, () -> Double.NaN);
            }
            case Method.S1 m -> {
                S1BudgetForcing s1 = new S1BudgetForcing(tracker(opens), budget, s1LineCap, model.tokenizer());
                yield new Plan(prompt, opens, List.of(s1), s1::fired, () -> Double.NaN);
            }
            // asks in words; nothing is inserted, so it never intervenes
            case Method.Prompt m -> new Plan(prompt, opens, List.of(), () -> false, () -> Double.NaN);
            // the empty thinking is part of the prompt, not forced while decoding
            case Method.NoThink m -> new Plan(prompt, false, List.of(), () -> false, () -> Double.NaN, model.isThinkingModel());
            case Method.Guided m -> {
                if (predictor == null) throw new BglException("guided needs a predictor: pass --predictor FILE");
                if (newlineTokens == null) newlineTokens = BudgetGuidance.newlineTokens(model.tokenizer(), predictor.modelVocab());
                // seconds and KV bytes cannot be borrowed from: guidance keeps a hard ceiling at R = 0 under them
                GuidanceOptions options = hardLimit(req) ? (guidance.ceiling() ? guidance : guidance.withCeiling(0))
                        : req.soft() ? guidance.withCeiling(-1) : guidance;
                BudgetGuidance g = new BudgetGuidance(predictor, tracker(opens), budget, options, model.tokenizer(),
                        newlineTokens, lineEndTokens(), req.sampler());
                if (calibration != null) g.withCalibration(calibration);
                live = g;
                yield new Plan(prompt, opens, List.of(g), g::intervened, g::predictedThinking, false, g);
            }
        };
    }

    /**
     * The token cap under a KV limit: the controller keeps thinking inside it with a reserve for the answer, but an
     * answer longer than the reserve would still grow the cache; so generation stops where the cache is full
     * (at most prompt + generated tokens are cached). An answer cut there is
     * reported as incomplete; the limit itself is never exceeded.
     */
    int kvCappedMaxTokens(BudgetRequest req, int promptTokens) {
        long perToken = model.kvBytesPerToken();
        long fit = Long.MAX_VALUE;
        for (BudgetUnit u : req.limits()) if (u instanceof BudgetUnit.KvBytes k) fit = Math.min(fit, k.bytes() / perToken);
        if (fit == Long.MAX_VALUE) return req.maxTokens();
        // room for the prompt, the closing text and the answer reserve: less would end in an empty answer
        // (a reserve of 0 opts out: then only the prompt and one token must fit)
        long need = promptTokens + (answerReserve == 0 ? 1 : model.tokenizer().encode(HardCutoff.DEFAULT_CLOSE, true).length + (long) answerReserve);
        if (fit < need)
            throw new BglException("KV budget " + BudgetUnit.bytes(fit * perToken) + " holds " + fit + " tokens of " + perToken
                    + " bytes, but the prompt (" + promptTokens + " tokens) and an answer (" + (need - promptTokens)
                    + " tokens reserved) need " + need + ": give at least " + BudgetUnit.bytes((double) need * perToken));
        return (int) Math.min(req.maxTokens(), fit - promptTokens);
    }

    /** Whether the request has a limit that cannot be overrun (wall clock or KV memory). */
    static boolean hardLimit(BudgetRequest req) {
        return req.limits().stream().anyMatch(u -> u instanceof BudgetUnit.Seconds || u instanceof BudgetUnit.KvBytes);
    }

    private static BglException notYet(Method m) {
        return new BglException("budget method '" + m.name() + "' is not available in this build");
    }

    /** How many tokens of {@code text} come before its {@code </think>}: thinking tokens it adds when inserted. */
    int thinkingTokensOf(String text) {
        int[] ids = model.tokenizer().encode(text, true);
        for (int i = 0; i < ids.length; i++) if (ids[i] == model.thinkCloseId()) return i;
        return ids.length;
    }

    ThinkingTracker tracker(boolean promptOpensThinking) {
        return new ThinkingTracker(model.thinkOpenId(), model.thinkCloseId(), promptOpensThinking);
    }

    /** Whether the prompt leaves the model inside an open thinking block (DeepSeek-R1's template does). */
    boolean opensThinking(int[] prompt) {
        for (int i = prompt.length - 1; i >= 0; i--) {
            if (prompt[i] == model.thinkCloseId()) return false;
            if (prompt[i] == model.thinkOpenId()) return true;
        }
        return false;
    }

    private BudgetOutcome account(BudgetRequest req, Plan plan, GenerateResult r, AnswerGuard guard) {
        int[] t = r.tokens();
        if (plan.promptClosesThinking()) {
            String answer = model.tokenizer().decode(withoutEndOfGeneration(t));
            return new BudgetOutcome(req.method(), req.budget(), r, "", answer.strip(), 0, t.length, true,
                    plan.intervened().getAsBoolean(), plan.predictedThinking().getAsDouble(), answerPhase(guard, t, 0));
        }
        int open = plan.promptOpensThinking() ? 0 : -1, close = -1;
        for (int i = 0; i < t.length && close < 0; i++) {
            if (open < 0 && t[i] == model.thinkOpenId()) open = i + 1;
            else if (open >= 0 && t[i] == model.thinkCloseId()) close = i;
        }
        int thinkEnd = close >= 0 ? close : t.length;
        int thinkingTokens = open >= 0 ? thinkEnd - open : 0;
        int answerFrom = close >= 0 ? close + 1 : (open >= 0 ? t.length : 0);
        String thinking = open >= 0 ? model.tokenizer().decode(Arrays.copyOfRange(t, open, thinkEnd)) : "";
        String answer = model.tokenizer().decode(withoutEndOfGeneration(Arrays.copyOfRange(t, answerFrom, t.length)));
        return new BudgetOutcome(req.method(), req.budget(), r, thinking, answer.strip(), thinkingTokens,
                t.length - answerFrom, close >= 0, plan.intervened().getAsBoolean(), plan.predictedThinking().getAsDouble(),
                answerPhase(guard, t, close >= 0 ? answerFrom : t.length));
    }

    /**
     * The answer phase's account: the guard's cap and what it saw, and, from the tokens themselves,
     * whether a thinking marker came after the close (so a run without a guard is judged the same way).
     */
    private AnswerPhase answerPhase(AnswerGuard guard, int[] t, int answerFrom) {
        boolean marker = false;
        for (int i = answerFrom; i < t.length; i++) marker |= t[i] == model.thinkOpenId() || t[i] == model.thinkCloseId();
        if (guard == null) return new AnswerPhase(answerMax(), false, marker, null);
        return new AnswerPhase(guard.answerMax(), guard.capped(), marker || guard.markerAfterClose(), guard.closedAtLineEnd());
    }

    private int[] withoutEndOfGeneration(int[] ids) {
        List<Integer> keep = new ArrayList<>();
        for (int id : ids) if (!model.tokenizer().isEndOfGeneration(id)) keep.add(id);
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }
}
