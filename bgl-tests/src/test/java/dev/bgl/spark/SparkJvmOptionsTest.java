package dev.bgl.spark;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * tools/spark/java-options (read by ./bgl and cluster.sh) and pom.xml's bgl.spark.jvm (this test JVM's argLine) say
 * the same, and the driver passes the module flags on to its executors.
 */
class SparkJvmOptionsTest {
    @Test
    void theTestJvmHasEveryFlagOfTheLaunchersFile() throws Exception {
        Path file = StandaloneClusterTest.repo().resolve("tools/spark/java-options");
        List<String> flags = Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertTrue(flags.contains("--sun-misc-unsafe-memory-access=allow") && flags.contains("--add-modules=jdk.incubator.vector"), flags.toString());
        List<String> passed = SparkJvm.passedOn();
        for (String f : flags) {
            if (f.startsWith("-D")) {
                String[] kv = f.substring(2).split("=", 2);
                assertEquals(kv[1], System.getProperty(kv[0]), f + " (pom.xml bgl.spark.jvm)");
            } else {
                assertTrue(passed.contains(f), f + " is in " + file + " but not in this JVM's flags passed to executors (pom.xml bgl.spark.jvm): " + passed);
            }
        }
    }
}
