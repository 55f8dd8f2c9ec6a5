package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetUnit;
import dev.bgl.budget.ThinkingTracker.Phase;
import dev.bgl.decode.Cancellation;
import dev.bgl.util.BglException;
import io.javalin.http.Context;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * POST /v1/chat/completions and /v1/completions: validate, wait for a slot, generate (streamed as
 * server-sent events or as one JSON), then record the request with the feedback service and the
 * metrics, cancelled ones too.
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

    void chat(Context ctx, JsonNode body, String key) {
        handle(ctx, prepare(body, true), key, true);
    }

    void completion(Context ctx, JsonNode body, String key) {
        handle(ctx, prepare(body, false), key, false);
    }

    /** A request checked in full, as far as it goes before a slot: fields, prompt length, memory. */
    record Prepared(ParsedRequest parsed, BudgetRequest request, int promptTokens, Cancellation cancel) {
    }

    /**
     * Everything a body goes through before it waits for a slot: field validation, the prompt's
     * length against the context, the memory checks. An {@link ApiError} (4xx) for any bad input.
     */
    Prepared prepare(JsonNode body, boolean chat) {
        ParsedRequest p = chat ? parser.chat(body) : parser.completion(body);
        if (!chat && p.stream()) throw ApiError.invalid("stream", "streaming is offered on /v1/chat/completions only");
        Cancellation cancel = new Cancellation();
        List<BudgetUnit> limits = p.limits().size() == 1 && p.budgetTokens() != null || !p.method().usesBudget() ? List.of() : p.limits();
        try {
            BudgetRequest req = budgetRequest(p, p.maxTokens(), cancel, limits);
            int promptTokens = engine.countPrompt(req); // 400 before any slot is taken or any prefill
            if (p.maxTokensDefault()) { // the client did not ask for this many: fit the default to the limits rather than refuse
                int fit = engine.memory().fitMaxTokens(promptTokens, p.maxTokens());
                if (fit != p.maxTokens()) req = budgetRequest(p, fit, cancel, limits);
            }
            engine.memory().checkFits(promptTokens, req.maxTokens());
            return new Prepared(p, req, promptTokens, cancel);
        } catch (BglException e) {
            // the chat template may refuse a conversation (raise_exception), or the request be one the runner cannot take
            throw ApiError.invalid("messages", e.getMessage());
        }
    }

    private static BudgetRequest budgetRequest(ParsedRequest p, int maxTokens, Cancellation cancel, List<BudgetUnit> limits) {
        return new BudgetRequest(p.messages(), p.method(), p.budgetTokens() == null ? 0 : p.budgetTokens(),
                p.sampler(), maxTokens, cancel, limits);
    }

    private void handle(Context ctx, Prepared prep, String key, boolean chat) {
        ParsedRequest p = prep.parsed();
        BudgetRequest req = prep.request();
        Cancellation cancel = prep.cancel();
        String id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().formatHex(bytes(12));
        long created = System.currentTimeMillis() / 1000;
        String user = Access.userId(key, p.user(), ctx.cookie(Access.USER_COOKIE));
        String taskType = feedback.taskType(p.question());
        Engine.Generated g;
        if (p.stream()) {
            g = stream(ctx, p, req, prep.promptTokens(), id, created, cancel, taskType);
        } else {
            g = engine.run(req, prep.promptTokens(), splitter(req, PhaseSplitter.Sink.NONE), x -> {
            });
            BglServer.send(ctx, 200, chat ? Responses.chat(id, created, modelId, g, p, taskType) : Responses.completion(id, created, modelId, g, p, taskType));
        }
        record(id, user, p, g, taskType);
    }

    private Engine.Generated stream(Context ctx, ParsedRequest p, BudgetRequest req, int promptTokens, String id, long created, Cancellation cancel,
                                    String taskType) {
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
        splitter[0] = splitter(req, sink);
        Engine.Generated g = engine.run(req, promptTokens, splitter[0], progress::set);
        if (!roleSent[0]) sink.content(""); // an empty answer still gets its role chunk
        sse.send(Responses.finalChunk(id, created, modelId, g, p, taskType));
        sse.done();
        return g;
    }

    private PhaseSplitter splitter(BudgetRequest req, PhaseSplitter.Sink sink) {
        Phase start = engine.promptPhase(req);
        var m = engine.model();
        return new PhaseSplitter(m.tokenizer(), m.thinkOpenId(), m.thinkCloseId(), start, sink);
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
