package dev.bgl.server;

import dev.bgl.util.RepoFiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The web page (src/main/resources/web) in headless Debian chromium, driven by tools/web-e2e/e2e.mjs
 * (playwright-core) against mock-server.mjs, which fakes the API of API-CONTRACT.md. It asks
 * for bgl's suggested budget, then "Add: 17+8+12+5" under a 20-token guided budget, watches the thinking stream and the answer
 * appear, rates it (all with an API key typed into the page), asks again with "Let bgl choose" (no budget field sent;
 * the page names the budget the mock's policy chose and why), then stops a second request and provokes an API error. The page must do all
 * that without a console or page error, and the mock must have recorded the rating.
 */
class WebPageMockE2ETest {
    /** The mock requires this key, so the page must send what the user typed as a Bearer token. */
    private static final String API_KEY = "bgl-e2e-key";
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("BGL_CHROMIUM", "/usr/bin/chromium"));

    @Test
    void pageAsksStreamsRatesStopsAndShowsErrorsAgainstTheContractMock() throws Exception {
        Path tools = repoRoot().resolve("tools/web-e2e");
        if (!Files.isExecutable(CHROMIUM)) {
            fail(CHROMIUM + " is missing: the browser test needs Debian's chromium (as root: apt-get install -y chromium;"
                + " ./test does it when it can), or set BGL_CHROMIUM to another chromium binary");
        }
        if (!Files.isDirectory(tools.resolve("node_modules/playwright-core"))) {
            fail(tools + "/node_modules/playwright-core is missing: run (cd tools/web-e2e && npm ci) (./test does it)");
        }
        Path out = repoRoot().resolve("target/web-e2e");
        Files.createDirectories(out);
        Path screenshot = out.resolve("web-page.png");
        Files.deleteIfExists(screenshot);
        Path log = out.resolve("e2e.log");

        Process p = new ProcessBuilder("node", "e2e.mjs", "mock", screenshot.toString(), "--mock", "--api-key", API_KEY)
            .directory(tools.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail("e2e.mjs did not finish in 180 s; its output:\n" + Files.readString(log));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        JsonNode r = lastJsonLine(output);

        assertTrue(r.path("ok").asBoolean(), "e2e.mjs reported failure: " + output);
        assertEquals(0, p.exitValue(), output);
        assertEquals(0, r.path("problems").size(), "console or page errors: " + r.path("problems"));

        String suggestion = r.path("suggestion").asText();
        assertTrue(suggestion.startsWith("bgl suggests ") && suggestion.contains(" tokens") && suggestion.contains(" because "),
            "\"let bgl choose\" shows the suggested budget and its reason: " + suggestion);

        String requestId = r.path("request_id").asText();
        assertTrue(requestId.matches("chatcmpl-[0-9a-f]+"), "request id from the stream: " + requestId);
        assertTrue(r.path("answer").asText().contains("42"), "the answer shown: " + r.path("answer"));
        assertTrue(r.path("thinking_chars").asInt() > 0, "thinking text shown");
        assertTrue(r.path("thinking_streamed_before_done").asBoolean(), "thinking appeared while the request still ran");
        assertTrue(r.path("gauge").asText().endsWith("/ 20 tokens"), "gauge against the 20-token budget: " + r.path("gauge"));
        assertTrue(r.path("summary").asText().contains("mode guided"), "summary line: " + r.path("summary"));

        assertTrue(r.path("policy_note").asText().matches("bgl chose \\d+ tokens \\(guided\\) for a sum question because .+"),
            "after \"Let bgl choose\" the page names the policy's budget and reason: " + r.path("policy_note"));

        JsonNode rec = r.path("recorded");
        assertEquals(requestId, rec.path("request_id").asText(), "the rating names the streamed request");
        assertEquals(4, rec.path("rating").asInt());
        assertEquals(List.of("good"), List.of(new ObjectMapper().treeToValue(rec.path("tags"), String[].class)));
        assertEquals("Right answer, short thinking.", rec.path("comment").asText());
        String keyUser = "key-" + HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-256").digest(API_KEY.getBytes(StandardCharsets.UTF_8))).substring(0, 8);
        assertEquals(keyUser, rec.path("user").asText(), "the rating came with the typed API key as Bearer");
        assertEquals(r.path("ratings_before").asInt() + 1, r.path("ratings_after").asInt(), "summary counts the rating");
        assertTrue(r.path("confirmation").asText().startsWith("Thank you"), "confirmation: " + r.path("confirmation"));

        assertEquals("cancelled", r.path("stopped_status").asText(), "Stop disconnects and the server sees it");
        assertTrue(r.path("error_shown").asText().contains("429") && r.path("error_shown").asText().contains("queue full"),
            "the API error is shown readably: " + r.path("error_shown"));

        byte[] png = Files.readAllBytes(screenshot);
        assertTrue(png.length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG screenshot of the page");
    }

    private static JsonNode lastJsonLine(String output) throws IOException {
        List<String> lines = output.lines().filter(l -> l.startsWith("{")).toList();
        if (lines.isEmpty()) fail("e2e.mjs printed no JSON result; its output:\n" + output);
        return new ObjectMapper().readTree(lines.getLast());
    }

    private static Path repoRoot() {
        return RepoFiles.root();
    }
}
