package dev.bgl.util;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the repository as tests find them, wherever the tests run from (Maven runs them in the
 * module's folder, an IDE perhaps elsewhere below the root): one place instead of a copy of the
 * search in every test that opens the shipped model.
 */
public final class RepoFiles {
    public static final String SHIPPED_MODEL = "models/bgl-reasoner.gguf";
    public static final String SHIPPED_PREDICTOR = "models/bgl-reasoner.predictor.safetensors";

    private RepoFiles() {
    }

    /** The nearest folder above the working directory with a pom.xml. */
    public static Path root() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("pom.xml"))) return p;
        throw new IllegalStateException("no pom.xml above " + dir);
    }

    /** A file that ships with the repository; its absence fails the test that needs it, naming it. */
    public static Path shipped(String relative) {
        Path f = root().resolve(relative);
        if (!Files.isRegularFile(f)) throw new AssertionError(relative + " is missing: it must ship with the repository (" + f + ")");
        return f;
    }

    /** The default model, models/bgl-reasoner.gguf. */
    public static Path shippedModel() {
        return shipped(SHIPPED_MODEL);
    }

    /** The default model's budget predictor, beside it. */
    public static Path shippedPredictor() {
        return shipped(SHIPPED_PREDICTOR);
    }
}
