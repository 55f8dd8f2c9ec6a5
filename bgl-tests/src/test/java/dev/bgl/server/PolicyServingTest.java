package dev.bgl.server;

import dev.bgl.budget.RunnerSettings;
import dev.bgl.util.RepoFiles;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.server.feedback.PolicyConfig;
import dev.bgl.server.feedback.SqlFeedbackStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The learned policy as served (SQLite store, the default policy with its floor): the README's
 * curl example, with no budget field, is answered right for new users; the budget shown by the
 * suggestion is the one the question runs under; the answer says which budget and why.
 */
class PolicyServingTest {
    static final String README = "{\"messages\":[{\"role\":\"user\",\"content\":\"Add: 17+8+12+5\"}]}";

    @Test
    void readmeExampleWithoutBudgetIsAnsweredRightAndTheShownBudgetIsUsed(@TempDir Path dir) throws Exception {
        Path predictorFile = RepoFiles.shippedPredictor();
        try (LoadedModel model = LoadedModel.open(RepoFiles.shippedModel())) {
            BudgetPredictor predictor = BudgetPredictor.load(predictorFile, model, 0);
            // several seeds: the draw differs, the floor holds for each
            for (long seed = 1; seed <= 3; seed++) {
                var store = new SqlFeedbackStore("jdbc:sqlite:" + dir.resolve("f" + seed + ".db"), PolicyConfig.DEFAULT.withSeed(seed));
                try (BglServer server = BglServer.start(ServerConfig.local(TestServer.MODEL_ID), model, RunnerSettings.guided(predictor, GuidanceOptions.recommended(predictorFile)), store)) {
                    for (int user = 0; user < 2; user++) {
                        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
                        browser.send(HttpRequest.newBuilder(URI.create(server.url() + "/")).build(), HttpResponse.BodyHandlers.discarding());
                        JsonNode shown = TestServer.JSON.readTree(browser.send(HttpRequest.newBuilder(URI.create(server.url()
                                + "/v1/budget/suggestion?question=Add%3A%2017%2B8%2B12%2B5")).build(), HttpResponse.BodyHandlers.ofString()).body());
                        HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                                .POST(HttpRequest.BodyPublishers.ofString(README)).build(), HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, r.statusCode(), r.body());
                        JsonNode a = TestServer.JSON.readTree(r.body());
                        String answer = a.at("/choices/0/message/content").asText();
                        assertTrue(answer.contains("42"), "seed " + seed + ": the README example answered '" + answer + "' under " + a.get("bgl"));
                        assertEquals("policy", a.at("/bgl/budget_source").asText());
                        assertTrue(a.at("/bgl/budget_tokens").asInt() >= PolicyConfig.DEFAULT_FLOOR, a.get("bgl").toString());
                        assertEquals(shown.get("budget_tokens").asInt(), a.at("/bgl/budget_tokens").asInt(), "the budget shown is the budget used");
                        assertEquals(shown.get("reason").asText(), a.at("/bgl/budget_reason").asText());
                    }
                }
            }
        }
    }
}
