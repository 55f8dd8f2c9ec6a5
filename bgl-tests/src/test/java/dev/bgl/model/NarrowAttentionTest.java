package dev.bgl.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention on narrower vectors than this machine's, as {@code dev.bgl.tensor.NarrowVectorTest}
 * runs the kernels: a child JVM with {@code -XX:MaxVectorSize}. At 128 bits (NEON, SSE) attention
 * used to fail to start ("Bad vector bit-size: 32": a Q8_0 cache's 4 byte lanes are under the
 * smallest vector shape), so bgl could not run a model there at all.
 */
class NarrowAttentionTest {

    @ParameterizedTest
    @ValueSource(ints = {16, 32})
    void attentionAgreesWithPlainAttentionOnNarrowerVectors(int maxVectorBytes) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=" + maxVectorBytes,
                "-cp", System.getProperty("java.class.path"), NarrowAttentionMain.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish: " + cmd);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("lanes=" + maxVectorBytes / 4 + " "), "MaxVectorSize did not narrow the species: " + out);
        assertTrue(out.contains("ok"), out);
    }
}
