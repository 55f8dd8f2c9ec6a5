package dev.bgl.server;

import dev.bgl.api.PhaseSplitter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.Method;
import dev.bgl.budget.Plan;
import dev.bgl.decode.Cancellation;
import dev.bgl.util.BglException;
import io.javalin.http.Context;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * POST /v1/chat/completions and /v1/completions: validate, let the budget policy choose a budget
 * when the client gave none, wait for a slot, generate (streamed as server-sent events or as one
 * JSON), and record the request with the feedback service and the metrics (cancelled ones too)
 * before the last chunk or the JSON goes out, so that it can be rated at once.
 */
final class CompletionsHandler {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Engine engine;
    private final RequestParser parser;
    private final FeedbackService feedback;
    private final Metrics metrics;
    private final String modelId;

    CompletionsHandler(Engine engine, RequestParser parser, FeedbackService feedback, Metrics metrics, String modelId) {
        this.engine = engine;
        this.parser = parser;
        this.feedback = feedback;
        this.metrics = metrics;
        this.modelId = modelId;
    }

    /** @param user the caller's principal id: the request is stored as theirs */
    void chat(Context ctx, JsonNode body, String user) {
        handle(ctx, body, user, true);
    }

    void completion(Context ctx, JsonNode body, String user) {
        handle(ctx, body, user, false);
    }

    private ParsedRequest parse(JsonNode body, boolean chat) {
        ParsedRequest p = chat ? parser.chat(body) : parser.completion(body);
        if (!chat && p.stream()) throw ApiError.invalid("stream", "streaming is offered on /v1/chat/completions only");
        return p;
    }

    /** A request checked in full, as far as it goes before a slot: fields, policy budget, prompt length, memory. */
    record Prepared(ParsedRequest parsed, Plan plan, Cancellation cancel, BudgetSource source) {
        BudgetRequest request() {
            return plan.request();
        }

        int promptTokens() {
            return plan.prompt().length;
        }
    }

    /** {@link #prepare(JsonNode, ParsedRequest, String)} of a body not yet parsed (the validation properties call this). */
    Prepared prepare(JsonNode body, boolean chat, String user) {
        return prepare(body, parse(body, chat), user);
    }

    /**
     * Everything a request goes through before it waits for a slot: the policy's budget when it
     * gave none, the prompt's length against the context, the memory checks. An {@link ApiError}
     * (4xx) for any bad input.
     */
    Prepared prepare(JsonNode body, ParsedRequest asked, String user) {
        BudgetSource[] source = new BudgetSource[1];
        ParsedRequest p = withPolicyBudget(body, asked, user, source);
        p = withServerLimits(body, asked, p, source);
        Cancellation cancel = new Cancellation();
        try {
            // rendered and counted once, here: 400 before any slot is taken or any prefill
            Plan plan = engine.plan(new BudgetRequest(p.messages(), p.method(), p.budget(), p.sampler(), p.maxTokens(), cancel),
                    RequestParser.templateEffort(body));
            int promptTokens = plan.prompt().length;
            if (p.maxTokensDefault()) { // the client did not ask for this many: fit the default to the limits rather than refuse
                int fit = engine.memory().fitMaxTokens(promptTokens, p.maxTokens());
                if (fit != p.maxTokens()) plan = plan.withMaxTokens(fit);
            }
            engine.memory().checkFits(promptTokens, plan.request().maxTokens());
            return new Prepared(p, plan, cancel, source[0]);
        } catch (BglException e) {
            // the chat template may refuse a conversation (raise_exception), or the budget method one it cannot take
            throw ApiError.invalid("messages", e.getMessage());
        }
    }

    /**
     * Where a request's budget came from: the client ("request"), the budget policy ("policy", with
     * its reason) or max_tokens ("max_tokens", with the reason); and the server's ceiling
     * ({@code --max-thinking-budget}, null: none) with whether it lowered or set the request's limits.
     */
    record BudgetSource(String source, String reason, String ceiling, boolean capped) {
        static final BudgetSource REQUEST = new BudgetSource("request", null);

        BudgetSource(String source, String reason) {
            this(source, reason, null, false);
        }
    }

    /**
     * The server's own limits on a request, after the policy: the ceiling of {@code --max-thinking-budget},
     * then, for a request that gave no budget, one derived from max_tokens so that the thinking cannot
     * eat the answer's tokens ({@link MaxTokensBudget}).
     */
    private ParsedRequest withServerLimits(JsonNode body, ParsedRequest asked, ParsedRequest p, BudgetSource[] source) {
        var ceiling = parser.maxThinkingBudget();
        BudgetCeiling.Applied a = BudgetCeiling.apply(ceiling, p, engine.hasPredictor());
        p = a.request();
        JsonNode mode = body.get("budget_mode");
        boolean clientBudget = !asked.noBudgetGiven() || mode != null && !mode.isNull();
        Integer before = p.method().usesBudget() ? p.budgetTokens() : null;
        ParsedRequest derived = MaxTokensBudget.derive(p, p.maxTokens(), clientBudget);
        BudgetSource s = source[0];
        if (derived != null) {
            s = new BudgetSource("max_tokens", MaxTokensBudget.reason(p.maxTokens(), before));
            p = derived;
        }
        String ceilingSpec = ceiling.isEmpty() ? null : String.join(",", ceiling.stream().map(BudgetCeiling::spec).toList());
        source[0] = new BudgetSource(s.source(), s.reason(), ceilingSpec, a.capped());
        return p;
    }

    /**
     * A request with no budget field and no budget_mode gets the budget the policy suggests for this
     * user and question (guided with a predictor, else hard), and is recorded under that budget so
     * that its rating teaches the policy. budget_mode "none" without a budget still means no limit.
     */
    private ParsedRequest withPolicyBudget(JsonNode body, ParsedRequest p, String user, BudgetSource[] source) {
        JsonNode mode = body.get("budget_mode");
        if (!p.noBudgetGiven() || mode != null && !mode.isNull()) {
            source[0] = BudgetSource.REQUEST;
            return p;
        }
        FeedbackService.BudgetSuggestion s = feedback.suggest(user, p.question());
        source[0] = new BudgetSource("policy", s.reason());
        return p.withTokenBudget(suggestedMethod(s.mode()), s.budgetTokens());
    }

    /**
     * The method the policy suggests, where this server can run it; the budgeted default otherwise
     * (a policy set up for guidance on a server without a predictor, an unknown or budget-less name).
     */
    private Method suggestedMethod(String mode) {
        Method fallback = Method.budgetDefault(engine.hasPredictor());
        if (mode == null) return fallback;
        try {
            Method m = Method.parse(mode);
            return !m.usesBudget() || m instanceof Method.Prompt || m instanceof Method.Guided && !engine.hasPredictor() ? fallback : m;
        } catch (dev.bgl.util.BglException e) {
            return fallback;
        }
    }

    private void handle(Context ctx, JsonNode body, String user, boolean chat) {
        ParsedRequest asked = parse(body, chat);
        Prepared prep = prepare(body, asked, user);
        ParsedRequest p = prep.parsed();
        Plan plan = prep.plan();
        Cancellation cancel = prep.cancel();
        BudgetSource[] source = {prep.source()};
        String id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().formatHex(bytes(12));
        long created = System.currentTimeMillis() / 1000;
        String taskType = feedback.taskType(p.question());
        if (p.stream()) {
            stream(ctx, p, plan, id, created, cancel, taskType, source[0], g -> record(id, user, p, g, taskType));
        } else {
            Engine.Generated g = engine.run(plan, splitter(plan, PhaseSplitter.Sink.NONE), x -> {
            });
            record(id, user, p, g, taskType); // before the answer goes out: the client may rate at once
            BglServer.send(ctx, 200, chat ? Responses.chat(id, created, modelId, g, p, taskType, source[0])
                    : Responses.completion(id, created, modelId, g, p, taskType, source[0]));
        }
    }

    private void stream(Context ctx, ParsedRequest p, Plan plan, String id, long created, Cancellation cancel,
                        String taskType, BudgetSource source, Consumer<Engine.Generated> record) {
        // nothing is written before the generation has a slot: a full queue still answers 429 as JSON
        SseWriter sse = new SseWriter(ctx.res(), cancel);
        AtomicReference<Engine.Progress> progress = new AtomicReference<>(() -> Double.NaN);
        PhaseSplitter[] splitter = new PhaseSplitter[1];
        boolean[] roleSent = {false};
        PhaseSplitter.Sink sink = new PhaseSplitter.Sink() {
            @Override
            public void reasoning(String text) {
                send("reasoning_content", text, "thinking");
            }

            @Override
            public void content(String text) {
                send("content", text, "answer");
            }

            private void send(String field, String text, String phase) {
                if (!roleSent[0]) {
                    roleSent[0] = true;
                    send("role", "assistant", phase);
                }
                sse.send(Responses.chunk(id, created, modelId, field, text, phase, splitter[0].thinkingTokens(),
                        p.budgetTokens(), progress.get().predictedRemaining()));
            }
        };
        splitter[0] = splitter(plan, sink);
        try {
            Engine.Generated g = engine.run(plan, splitter[0], progress::set);
            if (!roleSent[0]) sink.content(""); // an empty answer still gets its role chunk
            record.accept(g); // before the final chunk: the user can rate as soon as the page shows it
            sse.send(Responses.finalChunk(id, created, modelId, g, p, taskType, source));
            sse.done();
        } catch (RuntimeException e) {
            if (!sse.started()) throw e; // nothing sent yet: the usual JSON error with its status
            // the status line is gone: the error goes in the stream (as OpenAI's), and the stream ends
            ApiError a = e instanceof ApiError x ? x : BglServer.internal(e);
            sse.send(a.toJson());
        }
    }

    /**
     * Runs a prepared request for another API shape (Anthropic's Messages): its thinking and answer
     * go to {@code sink} as they come; it is recorded as a chat request is, before this returns.
     */
    Engine.Generated runFor(Prepared prep, String id, String user, PhaseSplitter.Sink sink) {
        ParsedRequest p = prep.parsed();
        Engine.Generated g = engine.run(prep.plan(), splitter(prep.plan(), sink), x -> {
        });
        record(id, user, p, g, feedback.taskType(p.question()));
        return g;
    }

    /** The task type the feedback store gives a request's question. */
    String taskType(ParsedRequest p) {
        return feedback.taskType(p.question());
    }

    private PhaseSplitter splitter(Plan plan, PhaseSplitter.Sink sink) {
        var m = engine.model();
        return new PhaseSplitter(m.tokenizer(), plan.promptPhase(), Math.max(0, m.thinkCloseTokens().length - 1), sink);
    }

    private void record(String id, String user, ParsedRequest p, Engine.Generated g, String taskType) {
        var o = g.outcome();
        metrics.generation(g.promptTokens(), o.thinkingTokens(), o.result().tokens().length, g.seconds(),
                p.method().usesBudget() ? g.withinBudget() : null, g.cancelled());
        feedback.recordRequest(new FeedbackService.RequestRecord(id, user, Access.sha256Hex(p.question()), taskType,
                p.method().name(), p.budgetTokens(), p.budgetSpec(), o.thinkingTokens(), o.answerTokens(), g.seconds(),
                g.withinBudget(), null, System.currentTimeMillis()));
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
