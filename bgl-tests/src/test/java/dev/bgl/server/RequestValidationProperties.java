package dev.bgl.server;

import dev.bgl.util.RepoFiles;
import dev.bgl.decode.LoadedModel;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every body, however random or extreme, gets through JSON parsing, field validation, the prompt
 * check and the memory checks (everything before a generation slot; no model run) as either a
 * valid request or an {@link ApiError} with a 4xx status: never another exception, never a hang.
 * CI runs a few thousand tries; {@code -Dbgl.requests.long=true} adds a run of 100,000.
 */
class RequestValidationProperties {
    static final int TOKENS_PER_REQUEST = 256;
    static LoadedModel model;
    static CompletionsHandler handler;
    static JsonBody json;
    static ExecutorService worker;
    static final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    static long started;

    @BeforeContainer
    static void up() {
        model = LoadedModel.open(RepoFiles.shippedModel());
        Metrics metrics = new Metrics();
        long kvPerToken = model.kvBytesPerToken();
        // limits that generated requests meet: 256 tokens each, a KV cache of 3/4 of the context, memory for a session of half
        int ctx = model.defaultContext();
        ServerConfig config = ServerConfig.local(TestServer.MODEL_ID).withResourceLimits(TOKENS_PER_REQUEST, ctx * 3 / 4 * kvPerToken, 0);
        MemoryAdmission probe = new MemoryAdmission(model.transformer().config(), ctx, model.kvType(), Long.MAX_VALUE, 0);
        Engine engine = new Engine(model, dev.bgl.budget.RunnerSettings.DEFAULT,
                config.withLimits(1, 0).withResourceLimits(config.maxTokensPerRequest(), config.maxKvBytesPerRequest(), probe.estimate(ctx / 2 - MemoryAdmission.SESSION_SLACK, 0)), metrics);
        RequestParser parser = new RequestParser(config, engine.context(), engine.hasPredictor());
        handler = new CompletionsHandler(engine, parser, new InMemoryFeedback(config.defaultBudget(), "hard"), metrics, config.modelId());
        json = new JsonBody(config.maxBodyBytes());
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "validation-property");
            t.setDaemon(true);
            return t;
        });
        started = System.nanoTime();
    }

    @AfterContainer
    static void down() {
        double s = (System.nanoTime() - started) / 1e9;
        long total = outcomes.values().stream().mapToLong(LongAdder::sum).sum();
        Map<String, Long> sorted = new TreeMap<>();
        outcomes.forEach((k, v) -> sorted.put(k, v.sum()));
        System.out.printf("context %d; request validation: %d bodies in %.1f s; outcomes %s%n", model.defaultContext(), total, s, sorted);
        worker.shutdownNow();
        model.close();
    }

    @Provide
    Arbitrary<RequestGen.Body> bodies() {
        return RequestGen.bodies();
    }

    @Property(tries = 2000, seed = "20261127")
    void everyBodyIsValidOrA4xx(@ForAll("bodies") RequestGen.Body body) throws Exception {
        check(body);
    }

    /** The long run: {@code mvn test -Dtest=RequestValidationProperties -Dbgl.requests.long=true}. */
    @Property(tries = 100_000)
    @AddLifecycleHook(LongRunOnly.class)
    void everyBodyIsValidOrA4xxLong(@ForAll("bodies") RequestGen.Body body) throws Exception {
        check(body);
    }

    static void check(RequestGen.Body body) throws Exception {
        Future<String> f = worker.submit(() -> outcome(body));
        String o;
        try {
            o = f.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("no answer in 10 s (a hang) for " + body);
        }
        outcomes.computeIfAbsent(o, k -> new LongAdder()).increment();
        Statistics.label("outcome").collect(o);
        Statistics.label("kind").collect(body.kind());
    }

    /** A body-level error's kind: its message up to the first colon or number. */
    static String reason(String m) {
        String r = m.split("[:(0-9]")[0].strip();
        return r.length() > 60 ? r.substring(0, 60) : r;
    }

    /** "200" for a request that would run, or the error's status; anything else fails the property. */
    static String outcome(RequestGen.Body body) {
        try {
            CompletionsHandler.Prepared p = handler.prepare(json.parse(body.bytes()), body.chat(), "property-user");
            int max = p.request().maxTokens();
            assertTrue(max >= 1 && max <= TOKENS_PER_REQUEST, "max_tokens " + max + " outside 1.." + TOKENS_PER_REQUEST + " for " + body);
            assertTrue(p.promptTokens() >= 1 && p.promptTokens() < model.defaultContext(), "prompt tokens " + p.promptTokens());
            assertFalse(p.request().messages().isEmpty());
            return "valid";
        } catch (ApiError e) {
            assertTrue(e.status() >= 400 && e.status() < 500, "status " + e.status() + " (" + e.getMessage() + ") for " + body);
            assertNotNull(e.getMessage());
            assertFalse(JsonBody.loneSurrogate(e.getMessage()), "the error message cannot be written as UTF-8: " + e.getMessage());
            return e.status() + " " + (e.code() != null ? e.code() : e.param() != null ? e.param().replaceAll("\\[\\d+]", "[i]") + (e.param().equals("messages") ? " " + e.getMessage().substring(0, Math.min(50, e.getMessage().length())) : "") : reason(e.getMessage()));
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError("uncaught " + e + " for " + body, e);
        }
    }
}
