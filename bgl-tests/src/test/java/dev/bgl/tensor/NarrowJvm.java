package dev.bgl.tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a check's main class in a child JVM whose vectors are narrowed with {@code -XX:MaxVectorSize}
 * ({@link NarrowVectorTest}, {@code dev.bgl.model.NarrowAttentionTest}). The main prints
 * {@code lanes=N } and then {@code ok}, or exits non-zero on a mismatch.
 */
public final class NarrowJvm {
    private NarrowJvm() {
    }

    /** Runs {@code main} with vectors of {@code maxVectorBytes} and asserts that it narrowed the species and passed. */
    public static void assertPasses(Class<?> main, int maxVectorBytes, int timeoutSeconds, String... jvmFlags) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=" + maxVectorBytes));
        cmd.addAll(List.of(jvmFlags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), "child JVM did not finish: " + cmd);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("lanes=" + maxVectorBytes / 4 + " "), "MaxVectorSize did not narrow the species: " + out);
        assertTrue(out.contains("ok"), out);
    }
}
