package dev.bgl.server;

import dev.bgl.budget.RunnerSettings;
import dev.bgl.util.RepoFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A server on a free port with the embedded model and its predictor, and a small HTTP client for tests. */
final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL_ID = "bgl-reasoner";

    final LoadedModel model;
    final BglServer server;
    final InMemoryFeedback feedback;
    /** Keeps the session cookie, as a browser does: every call of this client is one principal. */
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).cookieHandler(new java.net.CookieManager()).build();

    private TestServer(ServerConfig config) {
        model = LoadedModel.open(RepoFiles.shippedModel());
        Path predictorFile = RepoFiles.shippedPredictor();
        BudgetPredictor predictor = BudgetPredictor.load(predictorFile, model, 0);
        feedback = new InMemoryFeedback(config.defaultBudget(), "guided");
        // the settings the predictor file records, as `bgl serve` applies them
        server = BglServer.start(config, model, RunnerSettings.guided(predictor, GuidanceOptions.recommended(predictorFile).withCeiling(0)), feedback);
    }

    static TestServer start() {
        return new TestServer(ServerConfig.local(MODEL_ID));
    }

    static TestServer start(ServerConfig config) {
        return new TestServer(config);
    }

    static Path repoRoot() {
        return RepoFiles.root();
    }

    String url(String path) {
        return server.url() + path;
    }

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }
    }

    Reply post(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return send(b.build());
    }

    /**
     * A POST of a body the server may refuse unread (too large): sent with {@code Expect: 100-continue}, as
     * clients send large uploads, so the body waits for the server's answer; written at once, the server's
     * 413 and close race the client's write and the client can see a reset instead of the status.
     */
    Reply postAwaitingContinue(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(60)).expectContinue(true)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    Reply get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(60)).GET();
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return send(b.build());
    }

    private Reply send(HttpRequest r) {
        try {
            HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
            return new Reply(resp.statusCode(), resp.body(), resp);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("request " + r.uri() + " failed: " + e, e);
        }
    }

    /** The data payloads of an SSE body, in order ("[DONE]" included). */
    static List<String> events(String sse) {
        List<String> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (block.isBlank()) continue;
            if (!block.startsWith("data: ")) throw new AssertionError("not an SSE data event: " + block);
            out.add(block.substring(6));
        }
        return out;
    }

    /** A chat body with one user message and extra fields ("k":v pairs as JSON text). */
    static String chat(String question, String extra) {
        try {
            return "{\"messages\":[{\"role\":\"user\",\"content\":" + JSON.writeValueAsString(question) + "}]"
                    + (extra.isEmpty() ? "" : "," + extra) + "}";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        model.close();
    }
}
