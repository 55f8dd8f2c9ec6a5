package dev.bgl.spark;

import org.apache.spark.SparkConf;

import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The settings every JVM of a bgl Spark application needs, set in one place for the executors: the driver's own
 * module flags (JDK 25: {@code --add-opens} for Spark, {@code --sun-misc-unsafe-memory-access=allow} (SPARK-56955),
 * {@code --add-modules jdk.incubator.vector} for bgl's kernels; the launchers take them from
 * {@code tools/spark/java-options}) and its GC flags passed on; quiet logs; bgl's classes shipped.
 */
final class SparkJvm {
    /** log4j2 at WARN, so that Spark's INFO lines do not bury the progress bar. */
    static final String LOG_CONFIG = "dev/bgl/spark/log4j2.properties";

    private SparkJvm() {
    }

    /** Before Spark's first log line: log4j2 with bgl's quiet config, chosen over the no-op slf4j binding in bgl.jar. */
    static void quietLogs() {
        if (System.getProperty("log4j2.configurationFile") == null && System.getProperty("log4j.configurationFile") == null)
            System.setProperty("log4j2.configurationFile", LOG_CONFIG);
        if (System.getProperty("slf4j.provider") == null) System.setProperty("slf4j.provider", "org.apache.logging.slf4j.SLF4JServiceProvider");
        if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "WARN");
    }

    /** The flags of this JVM that executors need too, each as one token ({@code --add-opens=M/P=ALL-UNNAMED}). */
    static List<String> passedOn() {
        List<String> in = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            boolean twoTokens = a.equals("--add-opens") || a.equals("--add-exports") || a.equals("--add-modules") || a.equals("--enable-native-access");
            if (twoTokens && i + 1 < in.size()) a = a + "=" + in.get(++i);
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--add-modules") || a.startsWith("--enable-native-access")
                    || a.startsWith("--sun-misc-unsafe-memory-access") || a.equals("-XX:+UseParallelGC") || a.startsWith("-Xmn")
                    || a.startsWith("-XX:TrimNativeHeapInterval"))
                out.add(a);
        }
        if (out.stream().noneMatch(a -> a.contains("jdk.incubator.vector"))) out.add("--add-modules=jdk.incubator.vector");
        return out;
    }

    /** The configuration of a bgl application on {@code master}, with the user's {@code key=value} settings last. */
    static SparkConf conf(String master, String appName, List<String> settings) {
        SparkConf c = new SparkConf().setMaster(master).setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false");
        List<String> opts = new ArrayList<>(passedOn());
        opts.add("-Dlog4j2.configurationFile=" + LOG_CONFIG);
        opts.add("-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider");
        // after what spark-submit's --conf gave (a later flag wins in a JVM's command line, so the user's come last)
        String given = c.get("spark.executor.extraJavaOptions", "");
        c.set("spark.executor.extraJavaOptions", (String.join(" ", opts) + " " + given).strip());
        if (isLocalMachine(master)) c.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        Path code = codeLocation();
        if (code != null && Files.isRegularFile(code)) {
            String m = master.toLowerCase(Locale.ROOT);
            if (c.contains("spark.jars") || m.startsWith("local")) {
                // local[N]: the executor is this JVM, whose class path has bgl.jar already (shipping it would copy 33 MB
                // into a temporary folder and load every class a second time through Spark's class loader)
            } else if (isLocalMachine(master)) {
                // a cluster on this machine: its executors read bgl.jar in place, on their own class path, rather than
                // fetching a copy from the driver each (and Spark's log settings in it are found at their start)
                c.set("spark.executor.extraClassPath", code.toString());
            } else {
                // bgl.jar (./bgl, spark-submit) on a cluster elsewhere: shipped to the executors by the driver
                c.setJars(new String[]{code.toString()});
            }
        } else if (code != null) {
            // compiled classes (the tests): a folder cannot be shipped; on one machine the executors read them in place,
            // every module's classes folder on the driver's class path
            c.set("spark.executor.extraClassPath", classFolders(code));
        }
        for (String kv : settings) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new dev.bgl.util.BglException("--spark-conf must be KEY=VALUE, got '" + kv + "'");
            c.set(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        return c;
    }

    private static boolean isLocalMachine(String master) {
        String m = master.toLowerCase(Locale.ROOT);
        return m.startsWith("local") || m.startsWith("spark://127.0.0.1:") || m.startsWith("spark://localhost:");
    }

    /** The folders on this JVM's class path (each module's compiled classes), {@code code} first. */
    private static String classFolders(Path code) {
        List<String> out = new ArrayList<>(List.of(code.toString()));
        for (String e : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator))
            if (!e.isEmpty() && Files.isDirectory(Path.of(e)) && !out.contains(e)) out.add(e);
        return String.join(java.io.File.pathSeparator, out);
    }

    private static Path codeLocation() {
        try {
            var src = SparkJvm.class.getProtectionDomain().getCodeSource();
            return src == null ? null : Path.of(src.getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
