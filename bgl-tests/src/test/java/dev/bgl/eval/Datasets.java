package dev.bgl.eval;

import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the public benchmark files in shared/datasets beside the repository; skips the test when they are absent. */
final class Datasets {
    private Datasets() {}

    static Path repoRoot() {
        return RepoFiles.root();
    }

    /** shared/datasets/NAME in the nearest parent of the repository root that has it; the test is skipped if none does. */
    static Path require(String name) {
        for (Path d = repoRoot().getParent(); d != null; d = d.getParent()) {
            Path f = d.resolve("shared").resolve("datasets").resolve(name);
            if (Files.isRegularFile(f)) return f;
        }
        Assumptions.abort("benchmark data missing: shared/datasets/" + name + " not found in any parent of " + repoRoot()
                + "; skipping the real-data validation");
        throw new AssertionError("unreachable");
    }
}
