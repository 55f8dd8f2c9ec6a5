package dev.bgl.cli;

import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bgl.jar} leaves Spark's jars out (scope provided): the launcher adds them only for {@code --spark} and
 * {@code --parquet}. The commands that can use Spark must run without them otherwise. The tests' own classpath has
 * Spark, so each command runs here in a JVM whose classpath lacks every jar under {@code org/apache/spark}.
 */
class WithoutSparkTest {
    @TempDir
    Path dir;

    @Test
    void evalBatchAndCollectTracesRunWithoutSparksJars() throws Exception {
        String model = RepoFiles.shippedModel().toString();
        run("eval", "--model", model, "--tasks", "synthetic", "--n", "2", "--methods", "none", "--out", dir.resolve("eval").toString());
        assertTrue(Files.size(dir.resolve("eval/records.jsonl")) > 0);
        run("batch", "synthetic", "--model", model, "--n", "2", "--pool", "200tok", "--out", dir.resolve("batch").toString());
        run("collect-traces", "--model", model, "--n", "2", "--out", dir.resolve("traces").toString());
    }

    private static void run(String... args) throws Exception {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.replace('\\', '/').contains("/org/apache/spark/")).collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", cp, Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bgl " + args[0] + " did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "bgl " + args[0] + " without Spark's jars:\n" + text);
        assertFalse(text.contains("ClassNotFound") || text.contains("NoClassDefFound"), text);
    }
}
