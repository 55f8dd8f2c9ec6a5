package dev.bgl.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.budget.RunnerSettings;
import dev.bgl.decode.LoadedModel;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The HTTP server of bgl: an OpenAI-compatible API with budget extensions, feedback, metrics and
 * the web page (docs/api.md). Javalin on Jetty; each generation runs on its request's thread,
 * bounded by {@link Engine}. Owns the feedback service (closed with the server), not the model.
 */
public final class BglServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Error codes of requests refused for their resources: counted in bgl_rejected_requests_total. */
    private static final Set<String> REJECTIONS = Set.of("memory_busy", "memory_never_fits", "kv_cache_too_large", "max_tokens_too_large");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Routes counted by name in the metrics; anything else is "other" (labels stay few). */
    private static final Set<String> ROUTES = Set.of("/v1/chat/completions", "/v1/completions", "/v1/messages", "/v1/models", "/v1/feedback",
            "/v1/feedback/summary", "/v1/budget/suggestion", "/health", "/metrics", "/");

    private final ServerConfig config;
    private final Engine engine;
    private final FeedbackService feedback;
    private final Metrics metrics = new Metrics();
    private final Access access;
    private final RateLimiter requestLimit, ratingLimit;
    private final CompletionsHandler completions;
    private final FeedbackHandler feedbackHandler;
    private final MessagesHandler messages;
    private final long created = System.currentTimeMillis() / 1000;
    private final Javalin app;
    private final JsonBody jsonBody;
    private final ConnectionGuard connections;
    private final JsonErrorHandler errors;

    private BglServer(ServerConfig config, LoadedModel model, RunnerSettings runners, FeedbackService feedback) {
        this.config = config;
        this.feedback = feedback;
        this.engine = new Engine(model, runners, config, metrics);
        this.access = new Access(config.apiKeys(), config.guard().adminKeys(), config.guard().sessionSecret());
        this.requestLimit = new RateLimiter(config.guard().requestsPerMinute(), "requests");
        this.ratingLimit = new RateLimiter(config.guard().ratingsPerMinute(), "ratings");
        this.jsonBody = new JsonBody(config.maxBodyBytes());
        this.connections = new ConnectionGuard(config.guard());
        this.errors = new JsonErrorHandler(config.guard(), config.maxBodyBytes(), status -> metrics.request("other", status));
        RequestParser parser = new RequestParser(config, engine.context(), engine.hasPredictor());
        this.completions = new CompletionsHandler(engine, parser, feedback, metrics, config.modelId());
        this.feedbackHandler = new FeedbackHandler(feedback);
        MessagesHandler messages = new MessagesHandler(completions, config.modelId());
        this.messages = messages;
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            c.http.maxRequestSize = config.maxBodyBytes();
            c.http.compressionStrategy = CompressionStrategy.NONE;
            c.jetty.modifyHttpConfiguration(h -> {
                h.setRequestHeaderSize(JsonErrorHandler.MAX_HEADER_BYTES);
                h.setMinRequestDataRate(config.guard().minBodyBytesPerSecond());
                h.setSendServerVersion(false);
                h.setIdleTimeout(config.guard().idleTimeoutMs());
            });
            c.jetty.modifyServer(this::guardTransport);
            c.jetty.modifyServletContextHandler(h -> h.setErrorHandler(errors));
            c.routes.post("/v1/chat/completions", ctx -> api(ctx, true, who -> {
                limit(requestLimit, who);
                completions.chat(ctx, body(ctx), who.id());
            }));
            c.routes.post("/v1/completions", ctx -> api(ctx, true, who -> {
                limit(requestLimit, who);
                completions.completion(ctx, body(ctx), who.id());
            }));
            c.routes.post("/v1/messages", this::anthropic);
            c.routes.get("/v1/models", ctx -> api(ctx, true, who -> send(ctx, 200, models())));
            c.routes.post("/v1/feedback", ctx -> api(ctx, true, who -> {
                limit(ratingLimit, who);
                send(ctx, 200, feedbackHandler.rate(body(ctx), who));
            }));
            c.routes.get("/v1/feedback/summary", ctx -> api(ctx, true, who -> send(ctx, 200, feedbackHandler.summary(who))));
            c.routes.get("/v1/budget/suggestion", ctx -> api(ctx, true,
                    who -> send(ctx, 200, feedbackHandler.suggestion(ctx.queryParam("question"), who.id()))));
            c.routes.get("/health", ctx -> api(ctx, false, who -> send(ctx, 200, health())));
            c.routes.get("/metrics", ctx -> api(ctx, true, who -> {
                ctx.status(200).contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.render());
            }));
            // last: the page and its files, and JSON 404s for everything else
            c.routes.get("/*", ctx -> api(ctx, false, who -> page(ctx)));
            for (var m : new String[]{"post", "put", "delete", "patch"}) {
                io.javalin.http.Handler notFound = ctx -> api(ctx, false, who -> {
                    throw ApiError.notFound("no route " + ctx.method() + " " + ctx.path(), null, null);
                });
                switch (m) {
                    case "post" -> c.routes.post("/*", notFound);
                    case "put" -> c.routes.put("/*", notFound);
                    case "delete" -> c.routes.delete("/*", notFound);
                    default -> c.routes.patch("/*", notFound);
                }
            }
        });
    }

    /**
     * The HTTP layer's own answers as JSON, the connection watch (deadlines, per-address cap) on
     * every connector, the total connection cap and the idle timeout.
     */
    private void guardTransport(org.eclipse.jetty.server.Server server) {
        server.setErrorHandler(errors);
        server.addBean(new org.eclipse.jetty.server.NetworkConnectionLimit(config.guard().maxConnections(), server));
        server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(org.eclipse.jetty.util.component.LifeCycle event) {
                for (var connector : server.getConnectors()) {
                    if (connector instanceof org.eclipse.jetty.server.AbstractConnector a) {
                        a.addBean(connections);
                        a.setIdleTimeout(config.guard().idleTimeoutMs());
                    }
                }
            }
        });
    }

    /** Connections open now (tests). */
    int openConnections() {
        return connections.openConnections();
    }

    /** Starts a server (port 0: any free port). The model stays the caller's; the feedback service becomes the server's. */
    /**
     * Starts serving {@code model}: each request runs on a runner made with {@code runners} (its
     * predictor, guidance settings, answer cap); a port that cannot be bound is an error naming it.
     */
    public static BglServer start(ServerConfig config, LoadedModel model, RunnerSettings runners, FeedbackService feedback) {
        BglServer s = new BglServer(config, model, runners, feedback);
        try {
            s.app.start();
        } catch (RuntimeException e) {
            s.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new dev.bgl.util.BglException("cannot listen on " + config.host() + ":" + config.port() + ": " + cause.getMessage(), e);
        }
        return s;
    }

    public int port() {
        return app.port();
    }

    public String url() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + host + ":" + port();
    }

    /** {@code /health}: up, and how loaded the batch is (the page's footer shows it). */
    private com.fasterxml.jackson.databind.node.ObjectNode health() {
        var o = JsonNodeFactory.instance.objectNode().put("status", "ok");
        var st = engine.batchStats();
        var b = o.putObject("batch");
        b.put("running", st.running()).put("waiting", st.waiting()).put("slots", engine.slots()).put("batch_size", st.lastBatch())
                .put("mean_batch_size", st.meanBatch()).put("tokens_per_second", st.tokensPerSecond())
                .put("tokens_per_second_per_sequence", st.lastBatch() == 0 ? 0 : st.tokensPerSecond() / st.lastBatch());
        double ttft = metrics.meanFirstTokenSeconds();
        if (Double.isNaN(ttft)) b.putNull("mean_time_to_first_token_s");
        else b.put("mean_time_to_first_token_s", ttft);
        return o;
    }

    Engine engine() {
        return engine;
    }

    public Metrics metrics() {
        return metrics;
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Stops listening and closes the feedback service; a second call does nothing (Ctrl-C and try-with-resources may both call it). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        app.stop();
        engine.close(); // after the requests: none is left waiting on the batch
        connections.close();
        feedback.close();
    }

    @FunctionalInterface
    private interface PrincipalHandler {
        void handle(Principal who) throws Exception;
    }

    /** How a route writes its errors: OpenAI's JSON error shape, or Anthropic's on /v1/messages. */
    private enum ErrorShape {OPENAI, ANTHROPIC}

    /**
     * Runs a handler as its caller (when the route is the API's: a key, or a session cookie that is
     * minted and set when missing), turns errors into the contract's JSON, counts the answer.
     */
    private void api(Context ctx, boolean needsIdentity, PrincipalHandler h) {
        api(ctx, needsIdentity, ErrorShape.OPENAI, h);
    }

    private void api(Context ctx, boolean needsIdentity, ErrorShape shape, PrincipalHandler h) {
        try {
            Principal who = null;
            if (needsIdentity) {
                String auth = ctx.header("Authorization");
                // Anthropic's SDKs send the key as x-api-key
                if (auth == null && shape == ErrorShape.ANTHROPIC && ctx.header("x-api-key") != null) auth = "Bearer " + ctx.header("x-api-key");
                Access.Identified id = access.identify(new Access.Credentials(auth, ctx.cookie(Access.SESSION_COOKIE), ctx.ip()));
                if (id.setCookie() != null) ctx.header("Set-Cookie", id.setCookie());
                who = id.principal();
            }
            h.handle(who);
        } catch (ApiError e) {
            if (e.status() == 429) metrics.rejected("queue_full");
            else if (e.code() != null && REJECTIONS.contains(e.code())) metrics.rejected(e.code());
            error(ctx, e, shape);
        } catch (HttpResponseException e) {
            error(ctx, e.getStatus() == 413 ? ApiError.tooLarge(config.maxBodyBytes())
                    : HttpFaults.forStatus(e.getStatus(), e.getMessage(), config.guard(), config.maxBodyBytes()), shape);
        } catch (OutOfMemoryError e) {
            error(ctx, ApiError.overloaded("not enough memory for this request now; retry later"), shape);
        } catch (FeedbackService.Unavailable e) {
            // said, never swallowed: a rating the database did not take must not look stored; where the
            // database is (host, port) is for the server's log, not for callers
            System.err.println("bgl serve: " + e.getMessage());
            error(ctx, ApiError.storeUnavailable(), shape);
        } catch (Exception e) {
            // a body that ended early or came too slowly is the client's fault; anything else is ours, logged with its id
            ApiError transport = HttpFaults.classify(e, config.guard());
            error(ctx, transport != null ? transport : internal(e), shape);
        } finally {
            metrics.request(ROUTES.contains(ctx.path()) ? ctx.path() : "other", ctx.statusCode());
        }
    }

    /** POST /v1/messages: as the other completions, with the key as Anthropic's SDKs send it and errors in Anthropic's shape. */
    private void anthropic(Context ctx) {
        api(ctx, true, ErrorShape.ANTHROPIC, who -> {
            limit(requestLimit, who);
            messages.handle(ctx, body(ctx), who.id());
        });
    }

    /** A real server fault: logged with an id the client also sees. */
    static ApiError internal(Throwable e) {
        String id = JsonErrorHandler.newErrorId();
        System.err.println("bgl serve: internal error " + id + ": " + e);
        return ApiError.internal(id, e instanceof dev.bgl.util.BglException ? e.getMessage() : null);
    }

    static void error(Context ctx, ApiError e) {
        error(ctx, e, ErrorShape.OPENAI);
    }

    private static void error(Context ctx, ApiError e, ErrorShape shape) {
        if (ctx.res().isCommitted()) return; // a stream already under way: nothing more can be said
        if (e.retryAfter() > 0) ctx.header("Retry-After", Integer.toString(e.retryAfter()));
        send(ctx, e.status(), shape == ErrorShape.ANTHROPIC ? AnthropicMessages.error(e) : e.toJson());
    }

    private JsonNode body(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > config.maxBodyBytes()) throw ApiError.tooLarge(config.maxBodyBytes());
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length > config.maxBodyBytes()) throw ApiError.tooLarge(config.maxBodyBytes());
        return jsonBody.parse(bytes);
    }

    /** Per-principal rate limits; admins are not limited. */
    private static void limit(RateLimiter limiter, Principal who) {
        if (!who.admin()) limiter.acquire(who.limitKey());
    }

    private ObjectNode models() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("object", "list");
        ObjectNode m = o.putArray("data").addObject();
        m.put("id", config.modelId());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "bgl");
        return o;
    }

    private void page(Context ctx) {
        String path = ctx.path();
        // a browser gets its session with the page, so its first question and its history are its own
        if (path.equals("/") && config.apiKeys().isEmpty() && access.verify(ctx.cookie(Access.SESSION_COOKIE)) == null)
            ctx.header("Set-Cookie", access.identify(new Access.Credentials(null, null, ctx.ip())).setCookie());
        StaticPages.Page p = StaticPages.find(path);
        if (p != null) {
            ctx.status(200).contentType(p.contentType()).result(p.body());
        } else if (path.equals("/")) {
            ctx.status(200).contentType("text/html; charset=utf-8").result(StaticPages.MISSING_PAGE);
        } else {
            throw ApiError.notFound("no route GET " + path, null, null);
        }
    }

    static void send(Context ctx, int status, JsonNode body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a response", e);
        }
    }
}
