package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** /v1/messages without the SDK: Anthropic's key header and error shape, and the fields it refuses by name. */
class MessagesEndpointTest {
    static final String OK = "{\"model\":\"bgl-reasoner\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Add: 2+3\"}]";

    @Test
    void keysComeAsXApiKeyAndErrorsInAnthropicsShape() {
        try (TestServer s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID).withKeys(List.of("k1")))) {
            var denied = s.post("/v1/messages", OK + "}");
            assertEquals(401, denied.status());
            assertEquals("error", denied.json().get("type").asText(), denied.body());
            assertEquals("authentication_error", denied.json().at("/error/type").asText(), denied.body());

            var ok = s.post("/v1/messages", OK + ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10}}", "x-api-key", "k1");
            assertEquals(200, ok.status(), ok.body());
            JsonNode m = ok.json();
            assertEquals("message", m.get("type").asText());
            assertTrue(m.get("id").asText().startsWith("msg_"));
            assertEquals("text", m.at("/content/1/type").asText(), ok.body());
            assertEquals(10, m.at("/bgl/budget_tokens").asInt());

            for (String[] bad : new String[][]{
                    {"{\"model\":\"bgl-reasoner\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "max_tokens"},
                    {OK + ",\"tool_choice\":{\"type\":\"auto\"}}", "tool_choice"},
                    {OK + ",\"thinking\":{\"type\":\"enabled\"}}", "thinking.budget_tokens"},
                    {OK + ",\"thinking\":{\"type\":\"sometimes\"}}", "thinking.type"},
                    {OK + ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":5},\"thinking_budget\":9}", "thinking_budget"},
                    {"{\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\"}]}]}", "messages[0].content[0].type"},
                    {"{\"max_tokens\":9,\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages[0].role"}}) {
                var r = s.post("/v1/messages", bad[0], "x-api-key", "k1");
                assertEquals(400, r.status(), bad[0] + " -> " + r.body());
                assertEquals("invalid_request_error", r.json().at("/error/type").asText(), r.body());
                assertEquals(bad[1], r.json().at("/error/param").asText(), r.body());
            }
        }
    }
}
