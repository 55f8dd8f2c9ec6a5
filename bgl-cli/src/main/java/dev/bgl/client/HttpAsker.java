package dev.bgl.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Asks a running bgl server (API-CONTRACT.md): POST /v1/chat/completions with the user's id in
 * "user" and, when a budget is given, "thinking_budget" (none: the server's policy chooses); ratings
 * go to POST /v1/feedback. Without an API key each simulated user keeps the session cookie the
 * server gives it (the server's identity of a caller; "user" is only a label). With an API key
 * every simulated user is the key's user on the server.
 */
public final class HttpAsker implements Asker {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** Each simulated user's session cookie ("bgl_session=..."), as the server set it. */
    private final java.util.Map<String, String> sessions = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param baseUrl e.g. http://localhost:8080; apiKey: null when the server has none */
    public HttpAsker(String baseUrl, String apiKey) {
        try {
            this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        } catch (IllegalArgumentException e) {
            throw new BglException("--url: not a URL: '" + baseUrl + "'");
        }
        if (base.getScheme() == null || !base.getScheme().startsWith("http"))
            throw new BglException("--url: needs http:// or https://, got '" + baseUrl + "'");
        this.apiKey = apiKey;
    }

    @Override
    public Answer ask(String question, Integer budgetTokens, String user) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", question);
        body.put("user", user);
        body.put("stream", false);
        if (budgetTokens != null) body.put("thinking_budget", budgetTokens);
        JsonNode r = post("v1/chat/completions", body, user);
        JsonNode bgl = r.path("bgl"), choice = r.path("choices").path(0);
        String id = bgl.path("request_id").asText(r.path("id").asText(null));
        if (id == null || id.isEmpty()) throw new BglException("server " + base + ": chat completion without an id");
        JsonNode b = bgl.path("budget_tokens");
        String content = choice.path("message").path("content").asText("");
        // the contract returns the answer apart from the thinking; a thinking cut by max_tokens ends with "length" and no answer
        boolean closed = !content.isEmpty() || "stop".equals(choice.path("finish_reason").asText());
        return new Answer(id, content, closed, bgl.path("thinking_tokens").asInt(), bgl.path("answer_tokens").asInt(),
                bgl.path("seconds").asDouble(), b.isNumber() ? b.asInt() : null);
    }

    @Override
    public boolean rate(String requestId, String user, int stars, List<String> tags) {
        ObjectNode body = JSON.createObjectNode();
        body.put("request_id", requestId);
        body.put("rating", stars);
        var t = body.putArray("tags");
        tags.forEach(t::add);
        body.put("comment", "");
        try {
            post("v1/feedback", body, user);
            return true;
        } catch (NotFound e) {
            return false;
        }
    }

    private static final class NotFound extends BglException {
        NotFound(String m) {
            super(m);
        }
    }

    private JsonNode post(String path, JsonNode body, String user) {
        URI uri = base.resolve(path);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (apiKey != null && !apiKey.isEmpty()) rb.header("Authorization", "Bearer " + apiKey);
        String session = sessions.get(user);
        if (session != null) rb.header("Cookie", session);
        HttpResponse<String> resp;
        try {
            resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BglException("server " + uri + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BglException("server " + uri + ": interrupted");
        }
        resp.headers().firstValue("Set-Cookie").filter(c -> c.startsWith("bgl_session="))
                .ifPresent(c -> sessions.put(user, c.split(";", 2)[0]));
        JsonNode json;
        try {
            json = JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new BglException("server " + uri + ": HTTP " + resp.statusCode() + ", not JSON: " + abbreviate(resp.body()));
        }
        if (resp.statusCode() == 404 && path.equals("v1/feedback")) throw new NotFound(json.path("error").path("message").asText());
        if (resp.statusCode() / 100 != 2)
            throw new BglException("server " + uri + ": HTTP " + resp.statusCode() + ": " + json.path("error").path("message").asText(abbreviate(resp.body())));
        return json;
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
