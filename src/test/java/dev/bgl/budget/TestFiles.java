package dev.bgl.budget;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root, the shipped model and the shared test data, found from wherever the tests run. */
final class TestFiles {
    private TestFiles() {
    }

    static Path repoRoot() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("pom.xml"))) return p;
        throw new IllegalStateException("no pom.xml above " + System.getProperty("user.dir"));
    }

    /** models/bgl-reasoner.gguf; it ships with the repository, so its absence is a failure. */
    static Path shippedModel() {
        Path m = repoRoot().resolve("models/bgl-reasoner.gguf");
        if (!Files.isRegularFile(m)) throw new AssertionError("the shipped model " + m + " is missing");
        return m;
    }

    /** A real chat template from shared/chat-templates; fails with a clear message if the shared data is absent. */
    static String chatTemplate(String file) throws java.io.IOException {
        for (Path p = repoRoot(); p != null; p = p.getParent()) {
            Path f = p.resolve("shared/chat-templates").resolve(file);
            if (Files.isRegularFile(f)) return Files.readString(f);
        }
        throw new AssertionError("test data shared/chat-templates/" + file + " not found above " + repoRoot()
                + " (the real Qwen3 / DeepSeek-R1 templates the nothink prompt is checked on)");
    }
}
