package dev.bgl.budget;

import dev.bgl.util.RepoFiles;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root, the shipped model and the shared test data, found from wherever the tests run. */
final class TestFiles {
    private TestFiles() {
    }

    static Path repoRoot() {
        return RepoFiles.root();
    }

    /** models/bgl-reasoner.gguf; it ships with the repository, so its absence is a failure. */
    static Path shippedModel() {
        return RepoFiles.shippedModel();
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
