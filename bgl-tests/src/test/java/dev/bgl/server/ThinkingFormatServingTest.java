package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.RunnerSettings;
import dev.bgl.chat.BracketThinkingModel;
import dev.bgl.decode.LoadedModel;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The server's reasoning_content split follows the model's thinking format: a [THINK] model answers as the <think> one. */
class ThinkingFormatServingTest {
    @TempDir
    static Path dir;

    /** For each budget mode: the answer's reasoning_content, content and usage, then the streamed reasoning and content. */
    static List<String> answers(Path modelFile) throws Exception {
        List<String> out = new ArrayList<>();
        ServerConfig config = ServerConfig.local(TestServer.MODEL_ID);
        try (LoadedModel model = LoadedModel.open(modelFile);
             BglServer server = BglServer.start(config, model, RunnerSettings.guided(null, GuidanceOptions.DEFAULT),
                     new InMemoryFeedback(config.defaultBudget(), "hard"))) {
            HttpClient http = HttpClient.newHttpClient();
            for (String mode : List.of("none", "hard", "qwen-stop", "s1", "nothink")) {
                String extra = "\"max_tokens\":80,\"budget_mode\":\"" + mode + "\"" + (mode.equals("none") || mode.equals("nothink") ? "" : ",\"thinking_budget\":8");
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(TestServer.chat("Add: 17+8+12+5", extra))).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                JsonNode msg = TestServer.JSON.readTree(r.body()).at("/choices/0/message");
                out.add(mode + " reasoning: " + msg.get("reasoning_content").asText());
                out.add(mode + " content: " + msg.get("content").asText());
                out.add(mode + " usage: " + TestServer.JSON.readTree(r.body()).get("usage"));
                HttpResponse<String> s = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(TestServer.chat("Add: 17+8+12+5", extra + ",\"stream\":true"))).build(),
                        HttpResponse.BodyHandlers.ofString());
                StringBuilder reasoning = new StringBuilder(), content = new StringBuilder();
                for (String e : TestServer.events(s.body())) {
                    if (e.equals("[DONE]")) continue;
                    JsonNode d = TestServer.JSON.readTree(e).at("/choices/0/delta");
                    if (d.hasNonNull("reasoning_content")) reasoning.append(d.get("reasoning_content").asText());
                    if (d.hasNonNull("content")) content.append(d.get("content").asText());
                }
                out.add(mode + " streamed reasoning: " + reasoning);
                out.add(mode + " streamed content: " + content);
            }
        }
        return out;
    }

    @Test
    void aBracketModelIsSplitAsTheThinkModel() throws Exception {
        List<String> think = answers(RepoFiles.shippedModel());
        List<String> bracket = answers(BracketThinkingModel.write(dir));
        assertEquals(think, bracket);
        for (String line : bracket) {
            assertFalse(line.contains("THINK]") || line.contains("think>"), "no marker in the split: " + line);
        }
        assertTrue(think.stream().anyMatch(l -> l.startsWith("hard reasoning: ") && l.length() > "hard reasoning: ".length()), think.toString());
        assertTrue(think.stream().anyMatch(l -> l.startsWith("hard content: ") && l.length() > "hard content: ".length()), think.toString());
    }
}
