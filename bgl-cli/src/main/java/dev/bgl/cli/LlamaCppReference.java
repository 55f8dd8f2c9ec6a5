package dev.bgl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs llama.cpp through node-llama-cpp ({@code tools/llamacpp/reference.mjs}) as the reference
 * for conformance tests and {@code bench --vs-llamacpp}: one JSON request in, one JSON answer out.
 */
public final class LlamaCppReference {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path toolDir;

    public LlamaCppReference(Path toolDir) {
        this.toolDir = toolDir;
    }

    /** Finds {@code tools/llamacpp} with its node_modules installed, from the working directory or the jar's location. */
    public static LlamaCppReference locate() {
        for (Path start : new Path[]{Path.of("").toAbsolutePath(), jarDir()}) {
            for (Path p = start; p != null; p = p.getParent()) {
                Path t = p.resolve("tools/llamacpp");
                if (Files.isDirectory(t.resolve("node_modules/node-llama-cpp"))) return new LlamaCppReference(t);
            }
        }
        throw new BglException("llama.cpp reference not installed: run 'npm ci --omit=optional' in tools/llamacpp (./test does it)");
    }

    private static Path jarDir() {
        try {
            return Path.of(LlamaCppReference.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        } catch (Exception e) {
            return Path.of("").toAbsolutePath();
        }
    }

    public Path toolDir() {
        return toolDir;
    }

    /** Sends {@code request} (a JSON object) to the reference script and returns its JSON answer. */
    public JsonNode call(Object request, long timeoutSeconds) {
        Path out = null, err = null;
        try {
            out = Files.createTempFile("bgl-ref", ".out");
            err = Files.createTempFile("bgl-ref", ".err");
            Process p = new ProcessBuilder("node", "reference.mjs").directory(toolDir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try (var in = p.getOutputStream()) {
                in.write(JSON.writeValueAsBytes(request));
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BglException("llama.cpp reference timed out after " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0)
                throw new BglException("llama.cpp reference failed (exit " + p.exitValue() + "): " + Files.readString(err, StandardCharsets.UTF_8).strip());
            return JSON.readTree(out.toFile());
        } catch (IOException e) {
            throw new BglException("cannot run node for the llama.cpp reference: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BglException("interrupted while waiting for the llama.cpp reference");
        } finally {
            for (Path f : new Path[]{out, err}) {
                try {
                    if (f != null) Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }
}
