package dev.bgl.server;

import dev.bgl.budget.RunnerSettings;
import dev.bgl.util.RepoFiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.server.feedback.FeedbackStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page against the real server, end to end: a {@link BglServer} in this JVM with the embedded
 * model, its predictor and a SQLite feedback store in a temporary file; headless Debian chromium
 * driven by tools/web-e2e/e2e.mjs (no mock) asks "Add: 17+8+12+5" under a 20-token guided budget,
 * sees the thinking stream and the answer, rates it 4 stars + "good" + a comment, then asks again
 * with "Let bgl choose". The rating row must then be in the SQLite file, naming the request id the
 * page got. Screenshots land in target/web-e2e/real/ (docs/screenshots/ holds copies).
 */
class WebPageE2ETest {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("BGL_CHROMIUM", "/usr/bin/chromium"));
    private static final String QUESTION = "Add: 17+8+12+5";

    @TempDir
    Path tmp;

    @Test
    void pageAsksTheRealServerAndTheRatingLandsInSqlite() throws Exception {
        Path root = TestServer.repoRoot();
        Path tools = root.resolve("tools/web-e2e");
        if (!Files.isExecutable(CHROMIUM))
            fail(CHROMIUM + " is missing: the browser test needs Debian's chromium (as root: apt-get install -y chromium), or set BGL_CHROMIUM");
        if (!Files.isDirectory(tools.resolve("node_modules/playwright-core")))
            fail(tools + "/node_modules/playwright-core is missing: run (cd tools/web-e2e && npm ci)");
        Path out = root.resolve("target/web-e2e/real");
        Files.createDirectories(out);
        Path screenshot = out.resolve("web-page.png");
        Files.deleteIfExists(screenshot);
        Path log = out.resolve("e2e.log");
        Path db = tmp.resolve("feedback.db");

        String output;
        try (LoadedModel model = LoadedModel.open(RepoFiles.shippedModel())) {
            Path predictorFile = RepoFiles.shippedPredictor();
            BudgetPredictor predictor = BudgetPredictor.load(predictorFile, model, 0);
            try (BglServer server = BglServer.start(ServerConfig.local(TestServer.MODEL_ID), model, RunnerSettings.guided(predictor, GuidanceOptions.recommended(predictorFile)),
                    FeedbackStores.open(db.toString()))) {
                // the tiny model answers in ~0.1 s once the JIT is warm, too fast to see a stream in progress;
                // a real model's pace (~40 tokens/s) lets the page show the thinking before the answer
                server.engine().testTokenDelayMillis = 25;
                Process p = new ProcessBuilder("node", "e2e.mjs", server.url(), screenshot.toString(), "--question", QUESTION, "--budget", "20")
                        .directory(tools.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(180, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    fail("e2e.mjs did not finish in 180 s; its output:\n" + Files.readString(log));
                }
                output = Files.readString(log, StandardCharsets.UTF_8);
                assertEquals(0, p.exitValue(), output);
            }
        }
        JsonNode r = lastJsonLine(output);
        assertTrue(r.path("ok").asBoolean(), "e2e.mjs reported failure: " + output);
        assertEquals(0, r.path("problems").size(), "console or page errors: " + r.path("problems"));

        String requestId = r.path("request_id").asText();
        assertTrue(requestId.matches("chatcmpl-[0-9a-f]{24}"), "request id from the stream: " + requestId);
        assertTrue(r.path("thinking_streamed_before_done").asBoolean(), "thinking appeared while the request still ran: " + output);
        assertTrue(r.path("thinking_chars").asInt() > 0, "thinking text shown");
        assertFalse(r.path("answer").asText().isBlank(), "an answer is shown");
        // the model's own answer; 17+8+12+5 = 42 is what its curriculum teaches (the answer is not asserted
        // to be right under a 20-token budget, only that the page shows what the server sent)
        assertTrue(r.path("gauge").asText().contains("/ 20 tokens"), "gauge against the 20-token budget: " + r.path("gauge"));
        assertTrue(r.path("summary").asText().contains("mode guided"), "summary line: " + r.path("summary"));
        assertTrue(r.path("suggestion").asText().startsWith("bgl suggests "), "suggestion shown: " + r.path("suggestion"));
        assertTrue(r.path("policy_note").asText().matches("bgl chose \\d+ tokens \\(guided\\) for a sum question because .+"),
                "after \"Let bgl choose\" the page names the policy's budget and reason: " + r.path("policy_note"));

        // the rating row in the SQLite file, read with plain JDBC (not through the store)
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement q = c.prepareStatement("SELECT r.stars, r.tags, r.comment, q.budget_tokens, q.mode FROM ratings r "
                     + "JOIN requests q ON q.request_id = r.request_id WHERE r.request_id = ?")) {
            q.setString(1, requestId);
            try (ResultSet rs = q.executeQuery()) {
                assertTrue(rs.next(), "no rating row for " + requestId + " in " + db);
                assertEquals(4, rs.getInt(1));
                assertEquals(List.of("good"), List.of(rs.getString(2).split(",")));
                assertEquals("Right answer, short thinking.", rs.getString(3));
                assertEquals(20, rs.getInt(4));
                assertEquals("guided", rs.getString(5));
                assertFalse(rs.next(), "one rating only");
            }
            // the "Let bgl choose" request is stored under the budget the policy chose
            try (PreparedStatement n = c.prepareStatement("SELECT COUNT(*) FROM requests WHERE request_id <> ? AND budget_tokens IS NOT NULL");
                 ) {
                n.setString(1, requestId);
                try (ResultSet rs = n.executeQuery()) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "the policy request is stored with its chosen budget");
                }
            }
        }
        byte[] png = Files.readAllBytes(screenshot);
        assertTrue(png.length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG screenshot of the page");
    }

    private static JsonNode lastJsonLine(String output) throws Exception {
        List<String> lines = output.lines().filter(l -> l.startsWith("{")).toList();
        if (lines.isEmpty()) fail("e2e.mjs printed no JSON result; its output:\n" + output);
        return new ObjectMapper().readTree(lines.getLast());
    }
}
