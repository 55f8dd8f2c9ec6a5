package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.RunnerSettings;
import dev.bgl.chat.ChatMessage;
import dev.bgl.chat.EffortTemplateModel;
import dev.bgl.decode.LoadedModel;
import dev.bgl.util.BglException;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * reasoning_effort reaches the chat template: a request's own, else the server's ({@code serve --reasoning-effort}),
 * else none (the template's default), on a model whose template writes "Reasoning: EFFORT" as gpt-oss's does.
 */
class ReasoningEffortServingTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void write() throws Exception {
        model = EffortTemplateModel.write(dir);
    }

    @Test
    void theModelRendersTheEffortItIsGiven() {
        try (LoadedModel m = LoadedModel.open(model)) {
            List<ChatMessage> q = List.of(ChatMessage.user("2+2?"));
            assertFalse(m.renderPrompt(q, null).contains("Reasoning:"));
            LoadedModel high = m.withReasoningEffort(" HIGH ");
            assertEquals("high", high.reasoningEffort());
            assertTrue(high.renderPrompt(q, null).startsWith("<|im_start|>system\nReasoning: high<|im_end|>"), high.renderPrompt(q, null));
            assertSame(high, high.withReasoningEffort("high"));
            assertNull(high.withReasoningEffort(null).reasoningEffort());
            assertTrue(m.templateUsesReasoningEffort());
            BglException e = assertThrows(BglException.class, () -> m.withReasoningEffort("extreme"));
            assertTrue(e.getMessage().contains("'extreme'") && e.getMessage().contains("low, medium, high"), e.getMessage());
        }
        try (LoadedModel shipped = LoadedModel.open(RepoFiles.shippedModel())) {
            List<ChatMessage> q = List.of(ChatMessage.user("2+2?"));
            assertFalse(shipped.templateUsesReasoningEffort());
            assertEquals(shipped.renderPrompt(q, null), shipped.withReasoningEffort("high").renderPrompt(q, null), "a template without it ignores it");
        }
    }

    static int promptTokens(HttpClient http, BglServer server, String extra) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(TestServer.chat("Add: 1+2", extra))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return TestServer.JSON.readTree(r.body()).at("/usage/prompt_tokens").asInt();
    }

    @Test
    void aRequestsEffortOrTheServersReachesThePrompt() throws Exception {
        ServerConfig config = ServerConfig.local(TestServer.MODEL_ID);
        HttpClient http = HttpClient.newHttpClient();
        String small = "\"max_tokens\":40,\"thinking_budget\":4";
        try (LoadedModel m = LoadedModel.open(model);
             BglServer server = BglServer.start(config, m, RunnerSettings.guided(null, GuidanceOptions.DEFAULT),
                     new InMemoryFeedback(config.defaultBudget(), "hard"))) {
            int plain = promptTokens(http, server, small);
            int high = promptTokens(http, server, small + ",\"reasoning_effort\":\"high\"");
            assertTrue(high > plain, "the system turn 'Reasoning: high' is in the prompt: " + high + " vs " + plain);
            // none and minimal render as low, the least a harmony template knows (and keep their own budgets)
            assertEquals(promptTokens(http, server, small + ",\"reasoning_effort\":\"low\""),
                    promptTokens(http, server, small + ",\"reasoning_effort\":\"minimal\""));
            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(TestServer.chat("Add: 1+2", "\"reasoning_effort\":\"extreme\""))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, bad.statusCode(), bad.body());
            JsonNode err = TestServer.JSON.readTree(bad.body()).get("error");
            assertEquals("reasoning_effort", err.get("param").asText(), bad.body());
            assertTrue(err.get("message").asText().contains("'extreme'"), bad.body());
        }
        // serve --reasoning-effort: a request without the field gets the server's
        try (LoadedModel m = LoadedModel.open(model).withReasoningEffort("medium");
             BglServer server = BglServer.start(config, m, RunnerSettings.guided(null, GuidanceOptions.DEFAULT),
                     new InMemoryFeedback(config.defaultBudget(), "hard"))) {
            int byDefault = promptTokens(http, server, small);
            assertEquals(promptTokens(http, server, small + ",\"reasoning_effort\":\"medium\""), byDefault);
            try (LoadedModel plainModel = LoadedModel.open(model)) {
                String without = plainModel.renderPrompt(List.of(ChatMessage.user("Add: 1+2")), null);
                assertTrue(byDefault > plainModel.encodePrompt(without).length, "the server's effort is in the prompt");
            }
        }
    }
}
