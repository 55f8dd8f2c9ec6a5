package dev.bgl.train;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training gives the same bits however far the JIT has got: a resumed run must equal the
 * uninterrupted one exactly, and the two may run with the kernels interpreted in one and compiled
 * in the other. A child JVM without C2 ({@code -XX:TieredStopAtLevel=1}: every Vector API call
 * runs its Java code lane by lane) and with narrower vectors ({@code -XX:MaxVectorSize=32}) trains
 * the same model as this JVM, whose first run here may be partly compiled and its later ones fully.
 */
class TrainingDeterminismTest {

    @Test
    void aRunGivesTheSameBitsWhateverTheJitCompiled() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1", "-XX:MaxVectorSize=32",
                "-cp", System.getProperty("java.class.path"), DeterminismMain.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String here = DeterminismMain.digest();
        for (int i = 0; i < 2; i++) assertEquals(here, DeterminismMain.digest(), "run " + (i + 2) + " in this JVM");
        // a generous bound on a run of a few seconds, not the thing measured
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish: " + cmd);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.lines().anyMatch(here::equals), "C1-only, 256-bit run: " + out + "\nthis JVM: " + here);
    }
}
