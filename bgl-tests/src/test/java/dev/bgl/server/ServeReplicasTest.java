package dev.bgl.server;

import dev.bgl.budget.RunnerSettings;
import dev.bgl.util.RepoFiles;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.decode.LoadedModel;
import dev.bgl.server.feedback.PolicyConfig;
import dev.bgl.server.feedback.SqlFeedbackStore;
import dev.bgl.server.feedback.TcpProxy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two servers on one PostgreSQL behind one client, as behind a load balancer: an answer from one is
 * rated through the other, the first then suggests from that rating; when the first loses the
 * database, its completions are still answered and its ratings get a JSON 503, until it is back.
 */
class ServeReplicasTest {
    private static final long REFRESH_MS = 200;
    private static final String QUESTION = "Add: 17+8+12+5";

    @Test
    void twoReplicasShareRatingsAndSayWhenTheDatabaseIsGone() throws Exception {
        String base = System.getenv("BGL_TEST_POSTGRES_URL");
        Assumptions.assumeTrue(base != null && !base.isBlank(), "BGL_TEST_POSTGRES_URL not set: replica serving test skipped");
        Matcher m = Pattern.compile("^jdbc:postgresql://([^:/]+):(\\d+)/(.*)$").matcher(base);
        Assumptions.assumeTrue(m.matches(), "BGL_TEST_POSTGRES_URL has no host:port to relay");
        String schema = "bgl_s" + System.nanoTime();
        try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        String tail = m.group(3) + (m.group(3).contains("?") ? "&" : "?") + "currentSchema=" + schema;
        String direct = "jdbc:postgresql://" + m.group(1) + ":" + m.group(2) + "/" + tail;
        // small levels, no floor: answers within a short max_tokens
        PolicyConfig policy = new PolicyConfig(new int[]{0, 16, 32}, 0.02, 0.5, 0.25, 2.0, 0.25, 16, 0.1, "hard", 1);
        // replicas behind one balancer share the session secret (BGL_SESSION_SECRET): one caller is one user on both
        ServerConfig config = ServerConfig.local(TestServer.MODEL_ID).withGuard(Guard.defaults().withSessionSecret("replica-test-secret-0123".getBytes(StandardCharsets.UTF_8)));
        try (TcpProxy proxy = new TcpProxy(m.group(1), Integer.parseInt(m.group(2)));
             LoadedModel model = LoadedModel.open(RepoFiles.shippedModel());
             SqlFeedbackStore storeA = new SqlFeedbackStore("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + tail, policy, REFRESH_MS);
             SqlFeedbackStore storeB = new SqlFeedbackStore(direct, policy, REFRESH_MS);
             BglServer a = BglServer.start(config, model, RunnerSettings.guided(null, GuidanceOptions.DEFAULT), storeA);
             BglServer b = BglServer.start(config, model, RunnerSettings.guided(null, GuidanceOptions.DEFAULT), storeB)) {
            HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
            String suggestion = "/v1/budget/suggestion?question=" + URLEncoder.encode(QUESTION, StandardCharsets.UTF_8);
            assertTrue(get(http, a, suggestion).at("/reason").asText().startsWith("No ratings"), "nothing rated yet");

            JsonNode answer = post(http, a, "/v1/chat/completions", TestServer.chat(QUESTION, "\"max_tokens\":80"), 200);
            assertEquals("policy", answer.at("/bgl/budget_source").asText(), answer.toString());
            int budget = answer.at("/bgl/budget_tokens").asInt();
            post(http, b, "/v1/feedback", "{\"request_id\":\"" + answer.get("id").asText() + "\",\"rating\":5}", 200);
            Thread.sleep(REFRESH_MS + 100);
            String reason = get(http, a, suggestion).at("/reason").asText();
            // the draw may land on the rated level ("You rated 16-token answers 5.0★ ...") or try another one
            // ("Trying 0 thinking tokens: no answer at this budget has been rated yet"): either way, not "No ratings"
            assertFalse(reason.startsWith("No ratings"), "replica A learned the rating B took: " + reason);
            if (reason.startsWith("You rated")) assertTrue(reason.contains(budget + "-token answers 5.0★ on average over 1 rating"), reason);

            proxy.cut();
            JsonNode during = post(http, a, "/v1/chat/completions", TestServer.chat(QUESTION, "\"max_tokens\":80"), 200);
            String rating = "{\"request_id\":\"" + during.get("id").asText() + "\",\"rating\":4}";
            JsonNode refused = post(http, a, "/v1/feedback", rating, 503);
            assertEquals("feedback_store_unavailable", refused.at("/error/code").asText(), refused.toString());
            assertTrue(refused.at("/error/message").asText().contains("nothing was stored"), refused.toString());
            assertFalse(refused.toString().contains("jdbc:") || refused.toString().contains(Integer.toString(proxy.port())), "where the database is stays in the server log: " + refused);
            proxy.restore();
            post(http, a, "/v1/feedback", rating, 200);
            try (Connection c = DriverManager.getConnection(direct); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ratings g JOIN requests q ON q.request_id = g.request_id")) {
                rs.next();
                assertEquals(2, rs.getInt(1), "both 200 ratings stored, the 503 one not");
            }
        } finally {
            try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    private static JsonNode get(HttpClient http, BglServer s, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.url() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return TestServer.JSON.readTree(r.body());
    }

    private static JsonNode post(HttpClient http, BglServer s, String path, String body, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.url() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), path + ": " + r.body());
        return TestServer.JSON.readTree(r.body());
    }
}
