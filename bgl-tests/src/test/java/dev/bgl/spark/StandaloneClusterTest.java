package dev.bgl.spark;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real Spark standalone cluster on 127.0.0.1, started by the project's script (tools/spark/cluster.sh: a master and
 * two workers of one core each, separate JVMs, from the Maven build's Spark jars): an eval submitted to it from this
 * JVM (a client-mode driver) writes the records of the local run. Every wait has a deadline: a cluster that does not
 * start fails with the script's message, an eval that does not finish fails with where the workers' logs are.
 */
class StandaloneClusterTest {
    static final int START_SECONDS = 90, EVAL_SECONDS = 150;

    @TempDir
    Path dir;
    Path clusterDir;
    int port;

    static Path repo() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("tools/spark/cluster.sh"))) return p;
        return fail("tools/spark/cluster.sh not found above " + Path.of("").toAbsolutePath());
    }

    String cluster(String action, int seconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", repo().resolve("tools/spark/cluster.sh").toString(), action)
                .redirectErrorStream(true).redirectOutput(dir.resolve("cluster-" + action + ".out").toFile());
        pb.environment().put("BGL_SPARK_PORT", Integer.toString(port));
        pb.environment().put("BGL_SPARK_DIR", clusterDir.toString());
        pb.environment().put("BGL_SPARK_TIMEOUT", Integer.toString(seconds - 10));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("tools/spark/cluster.sh " + action + " did not finish in " + seconds + " s: " + Files.readString(dir.resolve("cluster-" + action + ".out")));
        }
        String out = Files.readString(dir.resolve("cluster-" + action + ".out"));
        assertEquals(0, p.exitValue(), "tools/spark/cluster.sh " + action + " failed: " + out);
        return out;
    }

    @AfterEach
    void stop() throws Exception {
        // a driver left running by a failed eval would block every later SparkContext in this JVM
        SparkEval.stopRunning();
        if (clusterDir != null) cluster("stop", 40);
    }

    @Test
    void twoWorkersWriteTheLocalRecords() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        clusterDir = dir.resolve("cluster");
        String started = cluster("start", START_SECONDS);
        assertTrue(started.contains("MASTER=spark://127.0.0.1:" + port), started);

        SparkEvalTest.run(SparkEvalTest.eval(dir.resolve("local"), "--threads", "2"));
        ExecutorService t = Executors.newSingleThreadExecutor();
        // the model sent with the application (--spark-ship-model): each executor fetches it into its own folder
        Future<String> eval = t.submit(() -> SparkEvalTest.run(SparkEvalTest.eval(dir.resolve("cluster-run"), "--spark", "spark://127.0.0.1:" + port,
                "--spark-ship-model")));
        String table;
        try {
            table = eval.get(EVAL_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            fail("the eval on the cluster did not finish in " + EVAL_SECONDS + " s; workers' logs: " + clusterDir.resolve("logs"));
            return;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        } finally {
            t.shutdownNow();
        }
        assertTrue(table.contains("60 records (60 generated now)"), table);
        SameRecords.assertSame(dir.resolve("local/records.jsonl"), dir.resolve("cluster-run/records.jsonl"));
        // both workers ran executors of the application (the work was spread, not run on one), each with its own copy of
        // the model in its folder (work-N/APP/EXECUTOR/), fetched from the driver
        String name = SparkEvalTest.model().getFileName().toString();
        for (String w : List.of("work-1", "work-2"))
            try (var files = Files.walk(clusterDir.resolve(w))) {
                List<Path> copies = files.filter(f -> f.getFileName().toString().equals(name)).toList();
                assertFalse(copies.isEmpty(), "no executor ran on " + w + ", or it had no copy of " + name);
                for (Path c : copies) assertEquals(Files.size(SparkEvalTest.model()), Files.size(c), "the whole model: " + c);
            }
    }
}
