package dev.bgl.server;

import dev.bgl.budget.RunnerSettings;
import dev.bgl.util.RepoFiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.decode.LoadedModel;
import dev.bgl.util.BglException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the server says when the feedback store refuses: a rating the store rejects is a 400 naming
 * the value, and a request that cannot be stored after its stream began ends with an SSE error event
 * (no [DONE]), since the 200 status line is already gone.
 */
class FeedbackFailuresTest {
    /** A store that refuses every rating and, when told, every request. */
    static final class RefusingFeedback implements FeedbackService {
        final InMemoryFeedback inner = new InMemoryFeedback(16, "hard");
        volatile boolean refuseRequests;

        @Override
        public String taskType(String question) {
            return inner.taskType(question);
        }

        @Override
        public void recordRequest(RequestRecord r) {
            if (refuseRequests) throw new BglException("feedback database jdbc:sqlite:/x.db: storing request " + r.requestId() + " failed: disk full");
            inner.recordRequest(r);
        }

        @Override
        public boolean recordRating(Rating r) {
            throw new BglException("feedback: rating must be 1..5 stars, got " + r.stars());
        }

        @Override
        public BudgetSuggestion suggest(String userId, String question) {
            return inner.suggest(userId, question);
        }

        @Override
        public FeedbackSummary summary(String userId) {
            return inner.summary(userId);
        }

        @Override
        public String requestOwner(String requestId) {
            return inner.requestOwner(requestId);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void storeRefusalsAreClientErrorsOrStreamErrorEvents() throws Exception {
        RefusingFeedback fb = new RefusingFeedback();
        try (LoadedModel model = LoadedModel.open(RepoFiles.shippedModel());
             BglServer server = BglServer.start(ServerConfig.local(TestServer.MODEL_ID), model, RunnerSettings.guided(null, GuidanceOptions.DEFAULT), fb)) {
            // keeps its session cookie: the rating comes from the request's owner
            var http = java.net.http.HttpClient.newBuilder().cookieHandler(new java.net.CookieManager()).build();
            java.util.function.BiFunction<String, String, java.net.http.HttpResponse<String>> post = (path, body) -> {
                try {
                    return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + path))
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            // no predictor: the policy's budget runs under hard
            JsonNode ok = TestServer.JSON.readTree(post.apply("/v1/chat/completions", TestServer.chat("Add: 17+8+12+5", "\"max_tokens\":60")).body());
            assertEquals("hard", ok.at("/bgl/mode").asText(), ok.toString());
            assertEquals("policy", ok.at("/bgl/budget_source").asText());
            assertEquals(16, ok.at("/bgl/budget_tokens").asInt());

            var rated = post.apply("/v1/feedback", "{\"request_id\":\"" + ok.get("id").asText() + "\",\"rating\":4}");
            assertEquals(400, rated.statusCode(), rated.body());
            JsonNode err = TestServer.JSON.readTree(rated.body()).get("error");
            assertEquals("invalid_request_error", err.get("type").asText());
            assertTrue(err.get("message").asText().contains("1..5 stars"), rated.body());

            fb.refuseRequests = true;
            var streamed = post.apply("/v1/chat/completions", TestServer.chat("Add: 17+8+12+5", "\"max_tokens\":60,\"stream\":true"));
            assertEquals(200, streamed.statusCode(), "the stream began before the store refused");
            List<String> ev = TestServer.events(streamed.body());
            assertFalse(ev.contains("[DONE]"), "no [DONE] after an error: " + ev);
            JsonNode last = TestServer.JSON.readTree(ev.getLast());
            assertTrue(last.at("/error/message").asText().contains("disk full"), last.toString());
            assertEquals("server_error", last.at("/error/type").asText(), last.toString());
            assertTrue(TestServer.JSON.readTree(ev.getFirst()).at("/choices/0/delta/role").isTextual(), "chunks came first: " + ev.getFirst());
            for (String e : ev.subList(0, ev.size() - 1))
                assertTrue(TestServer.JSON.readTree(e).at("/choices/0/finish_reason").isNull(), "no final chunk before the error: " + e);
        }
    }
}
