package dev.bgl.chat;

import dev.bgl.util.RepoFiles;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root and the shared test data next to it, from wherever the tests run. */
final class TestPaths {
    private TestPaths() {}

    static Path repoRoot() {
        return RepoFiles.root();
    }

    /** {@code shared/<sub>} in the repository root or a directory above it; fails with a clear message if absent. */
    static Path shared(String sub) {
        for (Path p = repoRoot(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve(sub);
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new AssertionError("test data shared/" + sub + " not found above " + repoRoot()
            + " (it holds the real chat templates these tests render)");
    }
}
