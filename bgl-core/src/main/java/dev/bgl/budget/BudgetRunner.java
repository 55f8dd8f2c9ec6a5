package dev.bgl.budget;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.decode.GenerateRequest;
import dev.bgl.decode.GenerateResult;
import dev.bgl.decode.Generator;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.Session;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.decode.TokenListener;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Answers one question under a budget: takes the request's {@link Plan} (made once, by a
 * {@link Planner}), builds the method's processors, runs the ordinary decode loop (which keeps the
 * thinking state, given the model's {@link ThinkingFormat}) and accounts for what was spent. One runner per model; {@link #run}
 * may be called from one thread at a time per runner (each call opens its own session).
 */
public final class BudgetRunner {
    private final LoadedModel model;
    private Planner planner;
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
        this(model, RunnerSettings.DEFAULT);
    }

    /** A runner whose {@code guided} method uses this predictor (null: none) with these guidance settings. */
    public BudgetRunner(LoadedModel model, BudgetPredictor predictor, GuidanceOptions guidance) {
        this(model, RunnerSettings.guided(predictor, guidance));
    }

    public BudgetRunner(LoadedModel model, RunnerSettings settings) {
        this.model = model;
        this.planner = new Planner(model, settings.answerReserve());
        this.s1LineCap = settings.s1LineCap();
        this.predictor = settings.predictor() == null ? null : settings.predictor().forkFor(model); // its own buffers, the caller's weights
        this.guidance = settings.guidance();
        if (settings.answerMax() > 0) withAnswerMax(settings.answerMax());
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
        if (req.budget().hasHardLimit()) return guidance.ceiling() ? guidance.ceilingGrace() : 0;
        return req.budget().soft() ? -1 : guidance.ceilingGrace();
    }

    /** The plan of a request (its prompt rendered and tokenised once): {@link Planner#plan}. */
    public Plan plan(BudgetRequest req) {
        return planner.plan(req);
    }

    /**
     * The prompt and processors of one method for one run, and how to tell if it intervened.
     */
    record Strategy(List<LogitsProcessor> processors, java.util.function.BooleanSupplier intervened,
                    java.util.function.DoubleSupplier predictedThinking, BudgetGuidance guidance) {
        Strategy(List<LogitsProcessor> processors, java.util.function.BooleanSupplier intervened,
                 java.util.function.DoubleSupplier predictedThinking) {
            this(processors, intervened, predictedThinking, null);
        }
    }

    public BudgetOutcome run(BudgetRequest req, TokenListener listener) {
        return runMetered(plan(req), listener).outcome();
    }

    /**
     * What a run produced, and its controller when the request had limits in other units (null
     * otherwise): what it measured and spent, for a summary in those units.
     */
    public record Metered(BudgetOutcome outcome, BudgetController controller, long sessionKvBytes) {
    }

    /** Runs a planned request; under limits other than a lone token budget the strategies read R from a {@link BudgetController}. */
    public Metered runMetered(Plan plan, TokenListener listener) {
        return runMetered(plan, listener, System::nanoTime);
    }

    /** The same with the controller's clock given (tests). */
    public Metered runMetered(Plan plan, TokenListener listener, java.util.function.LongSupplier nanoTime) {
        Prepared run = prepare(plan, nanoTime);
        Session session = model.newSession(run.contextSize());
        GenerateResult r = new Generator(session, model.tokenizer()).generate(run.request(), listener);
        return run.finish(r, session.kvBytes());
    }

    /**
     * A planned run made ready for a decode loop, alone ({@link #runMetered}) or among others in
     * a {@link dev.bgl.decode.Scheduler}: the request (prompt, processors, cancellation, thinking
     * format), the session's context, and what turns the loop's result into the run's account.
     * Each prepared run has its own processors, so several may run at once on one thread.
     */
    public final class Prepared {
        private final Plan plan;
        private final GenerateRequest request;
        private final int contextSize;
        private final Strategy strategy;
        private final AnswerGuard guard;
        private final BudgetController controller;
        private final long t0;
        private final java.util.function.LongSupplier nanoTime;

        private Prepared(Plan plan, GenerateRequest request, int contextSize, Strategy strategy, AnswerGuard guard,
                         BudgetController controller, long t0, java.util.function.LongSupplier nanoTime) {
            this.plan = plan;
            this.request = request;
            this.contextSize = contextSize;
            this.strategy = strategy;
            this.guard = guard;
            this.controller = controller;
            this.t0 = t0;
            this.nanoTime = nanoTime;
        }

        public Plan plan() {
            return plan;
        }

        public GenerateRequest request() {
            return request;
        }

        /** Tokens the run's session holds: the prompt, its cap, and a margin for inserted closes. */
        public int contextSize() {
            return contextSize;
        }

        /** During a {@code guided} run: the thinking tokens the predictor still expects; NaN otherwise. */
        public double predictedRemaining() {
            return strategy.guidance() == null ? Double.NaN : strategy.guidance().predictedRemaining();
        }

        /** The run's account from what the loop produced and the KV bytes its session held at the end. */
        public Metered finish(GenerateResult r, long sessionKvBytes) {
            double seconds = (nanoTime.getAsLong() - t0) / 1e9;
            BudgetOutcome outcome = account(plan, strategy, r, guard, controller, seconds, sessionKvBytes);
            // a trace whose thinking was cut (ceiling, forced answer) does not show the natural remaining length
            if (strategy.guidance() != null && outcome.thinkingClosed() && !outcome.intervened())
                strategy.guidance().observeFinished(outcome.thinkingTokens());
            return new Metered(outcome, controller, sessionKvBytes);
        }
    }

    /** Prepares a planned run (its processors, its controller's clock started now); see {@link Prepared}. */
    public Prepared prepare(Plan plan) {
        return prepare(plan, System::nanoTime);
    }

    /** The same with the controller's clock given (tests). */
    public Prepared prepare(Plan plan, java.util.function.LongSupplier nanoTime) {
        BudgetRequest req = plan.request();
        long t0 = nanoTime.getAsLong(); // the clock of a seconds budget starts when the run does
        BudgetController controller = req.budget().controlled().isEmpty() ? null : new BudgetController(req.budget().controlled(),
                BudgetController.CostModel.of(model.transformer().config(), model.kvType()), planner.answerReserve(), nanoTime);
        ThinkingBudget budget = controller != null ? controller : ThinkingBudget.fixed(req.budget().tokens());
        Strategy strategy = strategy(plan, budget);
        live = strategy.guidance();
        AnswerGuard guard = model.isThinkingModel() ? guard() : null;
        List<LogitsProcessor> processors = new ArrayList<>();
        if (controller != null) processors.add(new BudgetMeter(controller)); // first: the others read an R that counts the token
        processors.addAll(strategy.processors());
        if (guard != null) processors.add(guard); // after the methods: nothing they write can reopen a closed thinking
        if (controller != null) processors.add(BudgetMeter.prefillEnd(controller)); // last: the others' begin work is prefill
        int context = Math.min(model.defaultContext(), plan.prompt().length + plan.maxTokens() + 64);
        GenerateRequest g = GenerateRequest.of(plan.prompt(), plan.maxTokens(), req.sampler())
                .withProcessors(processors).withCancellation(req.cancellation()).withThinking(thinkingFormat(plan));
        if (controller != null) controller.start(plan.prompt().length, t0);
        return new Prepared(plan, g, Math.max(context, plan.prompt().length + 1), strategy, guard, controller, t0, nanoTime);
    }

    /**
     * During a {@code guided} run (e.g. from its token listener, on the running thread): the thinking
     * tokens the predictor still expects; NaN for other methods or before its first estimate.
     */
    public double predictedRemaining() {
        BudgetGuidance g = live;
        return g == null ? Double.NaN : g.predictedRemaining();
    }

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

    private AnswerGuard guard() {
        return new AnswerGuard(model.thinkingFormat(ThinkingFormat.Phase.BEFORE),
                answerMax(), model.card().answerPrefix(), model.tokenizer(), lineEndTokens());
    }

    /** The model's markers and where the plan's prompt leaves it, for the loop; null for a model that does not think. */
    private ThinkingFormat thinkingFormat(Plan plan) {
        return model.thinkingFormat(plan.promptPhase());
    }

    private boolean[] lineEndTokens() {
        if (lineEndTokens == null) lineEndTokens = AnswerGuard.lineEndTokens(model.tokenizer());
        return lineEndTokens;
    }

    /** Tokens kept back for closing the thinking and the answer when limits are in other units. */
    public BudgetRunner withAnswerReserve(int tokens) {
        this.planner = new Planner(model, tokens);
        return this;
    }

    private Strategy strategy(Plan plan, ThinkingBudget budget) {
        BudgetRequest req = plan.request();
        // a budget of 0 means no thinking, in every method: the prompt closes it, nothing is spent on closing it
        if (req.noThinking() && model.isThinkingModel()) return new Strategy(List.of(), () -> true, () -> Double.NaN);
        return switch (req.method()) {
            case Method.None m -> new Strategy(List.of(), () -> false, () -> Double.NaN);
            case Method.Hard m -> {
                HardCutoff cut = new HardCutoff(budget, model.markers().cutText(),
                        thinkingTokensOf(model.markers().cutText()));
                yield new Strategy(List.of(cut), cut::fired, () -> Double.NaN);
            }
            case Method.QwenStop m -> {
                HardCutoff stop = QwenEarlyStop.processor(budget, model.markers());
                yield new Strategy(List.of(stop), stop::fired, () -> Double.NaN);
            }
            case Method.S1 m -> {
                S1BudgetForcing s1 = new S1BudgetForcing(budget, s1LineCap, model.tokenizer(), model.markers());
                yield new Strategy(List.of(s1), s1::fired, () -> Double.NaN);
            }
            // asks in words; nothing is inserted, so it never intervenes
            case Method.Prompt m -> new Strategy(List.of(), () -> false, () -> Double.NaN);
            // the empty thinking is part of the prompt, not forced while decoding
            case Method.NoThink m -> new Strategy(List.of(), () -> false, () -> Double.NaN);
            case Method.Guided m -> {
                if (predictor == null) throw new BglException("guided needs a predictor: pass --predictor FILE");
                if (newlineTokens == null) newlineTokens = BudgetGuidance.newlineTokens(model.tokenizer(), predictor.modelVocab());
                // seconds and KV bytes cannot be borrowed from: guidance keeps a hard ceiling at R = 0 under them
                GuidanceOptions options = req.budget().hasHardLimit() ? (guidance.ceiling() ? guidance : guidance.withCeiling(0))
                        : req.budget().soft() ? guidance.withCeiling(-1) : guidance;
                BudgetGuidance g = new BudgetGuidance(predictor, model.thinkCloseId(), budget, options, model.tokenizer(),
                        newlineTokens, lineEndTokens(), req.sampler(), model.markers());
                if (calibration != null) g.withCalibration(calibration);
                yield new Strategy(g.processors(), g::intervened, g::predictedThinking, g);
            }
        };
    }

    /** How many tokens of {@code text} come before its closing token: thinking tokens it adds when inserted. */
    int thinkingTokensOf(String text) {
        int[] ids = model.tokenizer().encode(text, true);
        for (int i = 0; i < ids.length; i++) if (ids[i] == model.thinkCloseId()) return i;
        return ids.length;
    }


    private BudgetOutcome account(Plan plan, Strategy strategy, GenerateResult r, AnswerGuard guard,
                                  BudgetController controller, double seconds, long sessionKvBytes) {
        BudgetRequest req = plan.request();
        int[] t = r.tokens();
        // where the thinking began and ended, as the decode loop saw it (a prompt that closed it: all answer)
        int open = plan.promptClosesThinking() ? -1 : r.thinkingFrom(), close = plan.promptClosesThinking() ? -1 : r.thinkingClose();
        int thinkEnd = close >= 0 ? close : t.length;
        int thinkingTokens = plan.promptClosesThinking() ? 0 : r.thinkingTokens();
        // the prompt closed the thinking: all output is answer
        int answerFrom = plan.promptClosesThinking() ? 0 : close >= 0 ? r.answerFrom() : (open >= 0 ? t.length : 0);
        String thinking = open >= 0 ? model.tokenizer().decode(Arrays.copyOfRange(t, open, thinkEnd)) : "";
        String answer = model.tokenizer().decode(withoutEndOfGeneration(Arrays.copyOfRange(t, answerFrom, t.length)));
        AnswerPhase phase = answerPhase(guard, t, plan.promptClosesThinking() || close >= 0 ? answerFrom : t.length);
        int answerTokens = t.length - answerFrom;
        // what the run spent, in every unit a budget may have (the controller's own measure where it kept one)
        Budget.Spent spent = new Budget.Spent(thinkingTokens, phase.overrun(answerTokens), seconds,
                controller != null ? controller.kvBytes() : sessionKvBytes,
                controller != null ? controller.flopsSpent() : Double.NaN, r.promptTokens() + (long) t.length);
        return new BudgetOutcome(req.method(), req.budget(), r, thinking, answer.strip(), thinkingTokens, answerTokens,
                plan.promptClosesThinking() || close >= 0, strategy.intervened().getAsBoolean(),
                strategy.predictedThinking().getAsDouble(), phase, spent);
    }

    /**
     * The answer phase's account: the guard's cap and what it saw, and, from the tokens themselves,
     * whether a thinking marker came after the close (so a run without a guard is judged the same way).
     */
    private AnswerPhase answerPhase(AnswerGuard guard, int[] t, int answerFrom) {
        boolean marker = false;
        ThinkingFormat markers = model.thinkingFormat(ThinkingFormat.Phase.BEFORE);
        for (int i = answerFrom; i < t.length && markers != null; i++) marker |= markers.entersAsMarker(t, i, t[i]);
        if (guard == null) return new AnswerPhase(answerMax(), false, marker, null);
        return new AnswerPhase(guard.answerMax(), guard.capped(), marker || guard.markerAfterClose(), guard.closedAtLineEnd());
    }

    private int[] withoutEndOfGeneration(int[] ids) {
        List<Integer> keep = new ArrayList<>();
        for (int id : ids) if (!model.tokenizer().isEndOfGeneration(id)) keep.add(id);
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }
}
