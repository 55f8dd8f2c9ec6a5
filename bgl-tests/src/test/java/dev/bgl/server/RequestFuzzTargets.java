package dev.bgl.server;

import dev.bgl.util.RepoFiles;
import dev.bgl.decode.LoadedModel;

import java.util.Arrays;

/**
 * Fuzz target of the API's request handling before a generation slot: body bytes through the JSON
 * limits, field validation, the budget policy, the prompt check and the memory checks (no model
 * run). The contract here is the server's: a valid request or an {@link ApiError} with a 4xx status
 * and a message that can be written back as UTF-8; anything else escapes and is a finding.
 */
public final class RequestFuzzTargets {
    private static final LoadedModel MODEL;
    private static final CompletionsHandler HANDLER;
    private static final JsonBody JSON;

    static {
        MODEL = LoadedModel.open(RepoFiles.shippedModel());
        int ctx = MODEL.defaultContext();
        long kvPerToken = MODEL.kvBytesPerToken();
        // the same limits as the validation property: each of them is reachable
        ServerConfig config = ServerConfig.local("bgl-reasoner").withResourceLimits(256, ctx * 3 / 4 * kvPerToken, 0);
        MemoryAdmission probe = new MemoryAdmission(MODEL.transformer().config(), ctx, MODEL.kvType(), Long.MAX_VALUE, 0);
        Metrics metrics = new Metrics();
        Engine engine = new Engine(MODEL, dev.bgl.budget.RunnerSettings.DEFAULT,
                config.withLimits(1, 0).withResourceLimits(config.maxTokensPerRequest(), config.maxKvBytesPerRequest(), probe.estimate(ctx / 2 - MemoryAdmission.SESSION_SLACK, 0)), metrics);
        HANDLER = new CompletionsHandler(engine, new RequestParser(config, engine.context(), false),
                new InMemoryFeedback(config.defaultBudget(), "hard"), metrics, config.modelId());
        JSON = new JsonBody(config.maxBodyBytes());
    }

    private RequestFuzzTargets() {
    }

    /** First byte: odd for /v1/chat/completions, even for /v1/completions; the rest is the body. True when the request is valid. */
    public static boolean apiRequest(byte[] data) {
        if (data.length == 0) return false;
        byte[] body = Arrays.copyOfRange(data, 1, data.length);
        try {
            HANDLER.prepare(JSON.parse(body), (data[0] & 1) != 0, "fuzz-user");
            return true;
        } catch (ApiError e) {
            if (e.status() < 400 || e.status() >= 500) throw new AssertionError("status " + e.status() + ": " + e.getMessage(), e);
            if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("ApiError without a message", e);
            if (JsonBody.loneSurrogate(e.getMessage())) throw new AssertionError("message not writable as UTF-8: " + e.getMessage());
            return false;
        }
    }
}
