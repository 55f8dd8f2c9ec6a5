package dev.bgl.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernels on narrower vectors than this machine's (AVX2-like 256-bit, SSE/NEON-like 128-bit):
 * a child JVM with {@code -XX:MaxVectorSize} makes the preferred species narrower, which changes
 * every loop step and, at 128 bits, the byte→int widening (two parts per byte vector).
 */
class NarrowVectorTest {

    @ParameterizedTest
    @ValueSource(ints = {16, 32})
    void kernelsAgreeWithReferenceOnNarrowerVectors(int maxVectorBytes) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=" + maxVectorBytes,
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), NarrowVectorMain.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish: " + cmd);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("lanes=" + maxVectorBytes / 4 + " "), "MaxVectorSize did not narrow the species: " + out);
        assertTrue(out.contains("ok"), out);
    }
}
