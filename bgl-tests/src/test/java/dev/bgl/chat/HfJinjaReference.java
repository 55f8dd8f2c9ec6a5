package dev.bgl.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the reference renderer, npm {@code @huggingface/jinja@0.5.11} (tools/llamacpp/node_modules),
 * over many cases in one node process.
 */
final class HfJinjaReference {
    /** One template with its variables. */
    record Case(String name, String template, Map<String, Object> context) {}

    /** The reference's output, or its error message when it failed. */
    record Result(String output, String error) {}

    private HfJinjaReference() {}

    static Map<String, Result> render(List<Case> cases) throws IOException, InterruptedException {
        Path root = TestPaths.repoRoot();
        Path tools = root.resolve("tools/llamacpp");
        if (!Files.isDirectory(tools.resolve("node_modules/@huggingface/jinja"))) {
            throw new AssertionError("reference renderer missing: " + tools.resolve("node_modules/@huggingface/jinja")
                + " (install the reference tools: cd tools/llamacpp && npm ci)");
        }
        Path script = root.resolve("bgl-tests/src/test/resources/dev/bgl/chat/hf-jinja-render.mjs");
        ObjectMapper json = new ObjectMapper();
        List<Map<String, Object>> payload = new ArrayList<>();
        for (Case c : cases) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("template", c.template());
            m.put("context", c.context());
            payload.add(m);
        }
        Path in = Files.createTempFile("bgl-jinja-cases", ".json");
        Path out = Files.createTempFile("bgl-jinja-out", ".json");
        Path err = Files.createTempFile("bgl-jinja-err", ".txt");
        try {
            json.writeValue(in.toFile(), payload);
            Process p;
            try {
                p = new ProcessBuilder("node", script.toString(), in.toString())
                    .directory(tools.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            } catch (IOException e) {
                throw new AssertionError("cannot run node (needed for the reference renderer): " + e.getMessage());
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("reference renderer timed out");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("reference renderer failed: " + Files.readString(err, StandardCharsets.UTF_8));
            }
            Map<String, Result> results = new LinkedHashMap<>();
            for (JsonNode r : json.readTree(out.toFile())) {
                results.put(r.get("name").asText(), new Result(
                    r.has("output") ? r.get("output").asText() : null,
                    r.has("error") ? r.get("error").asText() : null));
            }
            return results;
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
