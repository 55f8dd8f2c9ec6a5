package dev.bgl.spark;

import dev.bgl.util.BglException;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * What the Spark commands (eval, batch, collect-traces) share on the driver: starting the one application of this JVM,
 * and running work as jobs whose results come back as text lines, handed over as each partition finishes.
 */
final class SparkApp {
    /** Items per task: enough to make a task's scheduling (milliseconds) small beside its work, few enough to balance. */
    static final int ITEMS_PER_TASK = 16;

    /** The application of this JVM, for {@link #stopRunning}: Spark allows one SparkContext per JVM. */
    private static volatile JavaSparkContext running;

    private SparkApp() {
    }

    /** Starts the application (embedded for {@code local[N]}, a client-mode driver for {@code spark://HOST:PORT}). */
    static JavaSparkContext start(String master, String appName, List<String> conf) {
        SparkJvm.quietLogs();
        JavaSparkContext sc;
        try {
            sc = new JavaSparkContext(SparkJvm.conf(master, appName, conf));
        } catch (BglException e) {
            throw e;
        } catch (Exception e) { // SparkException too (checked in Java's eyes)
            throw new BglException("cannot start Spark with master " + master + ": " + SparkEval.oneLine(e));
        }
        running = sc;
        return sc;
    }

    /**
     * Starts the application and, for a runner whose files are {@link RunnerSpec#shipped}, adds them to it
     * ({@code SparkContext.addFile}; a folder, such as a Hugging Face model or tokenizer, with its contents): each
     * executor fetches them once, into its own folder, before its first task.
     */
    static JavaSparkContext start(String master, String appName, List<String> conf, RunnerSpec runner) {
        JavaSparkContext sc = start(master, appName, conf);
        if (runner.shipped()) {
            try {
                for (String f : runner.files()) sc.sc().addFile(f, java.nio.file.Files.isDirectory(java.nio.file.Path.of(f)));
            } catch (RuntimeException e) {
                stop(sc);
                throw new BglException("--spark-ship-model: cannot add the model's files to the application: " + SparkEval.oneLine(e));
            }
        }
        return sc;
    }

    static void stop(JavaSparkContext sc) {
        sc.stop();
        running = null;
    }

    /** Stops the application still running in this JVM, if any (a command abandoned at a deadline). */
    static void stopRunning() {
        JavaSparkContext sc = running;
        if (sc != null) sc.stop();
        running = null;
    }

    /** Tasks for {@code items} on {@code cores}: about {@link #ITEMS_PER_TASK} each, at least 4 per core. */
    static int slices(int items, int cores) {
        return Math.max(1, Math.min(items, Math.max(4 * cores, (items + ITEMS_PER_TASK - 1) / ITEMS_PER_TASK)));
    }

    /**
     * One job over {@code work}: {@code task} turns a partition into lines on an executor; each line reaches
     * {@code each} on the driver when its partition finishes (Spark hands one result per partition, whatever the
     * retries). A failure is one line: bgl's own message from the executor where there is one.
     */
    static <T> void runPartitioned(JavaSparkContext sc, List<T> work, AbstractFunction1<Iterator<T>, ArrayList<String>> task,
                                   Consumer<String> each) {
        if (work.isEmpty()) return;
        RDD<T> rdd = sc.parallelize(work, slices(work.size(), sc.defaultParallelism())).rdd();
        SparkContext ctx = sc.sc();
        @SuppressWarnings("unchecked")
        ClassTag<ArrayList<String>> tag = (ClassTag<ArrayList<String>>) (ClassTag<?>) ClassTag$.MODULE$.apply(ArrayList.class);
        try {
            ctx.runJob(rdd, task, new Collect(each), tag);
        } catch (BglException e) {
            throw e;
        } catch (Exception e) { // a failed job is a SparkException: checked in Java's eyes, though Scala throws it from here
            throw new BglException("Spark job failed: " + SparkEval.oneLine(e));
        }
    }

    /** The result of a job started with {@link JavaSparkContext}'s async actions; a failure as one line. */
    static <T> T get(JavaFutureAction<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BglException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            if (c instanceof BglException b) throw b;
            throw new BglException("Spark job failed: " + SparkEval.oneLine(c));
        }
    }

    /** On the driver, once per partition as it finishes: each line to the command. */
    private static final class Collect extends AbstractFunction2<Object, ArrayList<String>, BoxedUnit> {
        private final Consumer<String> each;

        Collect(Consumer<String> each) {
            this.each = each;
        }

        @Override
        public BoxedUnit apply(Object partition, ArrayList<String> lines) {
            for (String line : lines) each.accept(line);
            return BoxedUnit.UNIT;
        }
    }
}
