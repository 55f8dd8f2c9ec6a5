package dev.bgl.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.eval.EvalHarness;
import dev.bgl.eval.EvalProblem;
import dev.bgl.eval.EvalRecord;
import dev.bgl.eval.EvalSettings;
import dev.bgl.eval.EvalTasks;
import dev.bgl.util.BglException;
import org.apache.spark.api.java.JavaSparkContext;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An evaluation's samples as Spark tasks: the {@link EvalHarness.Backend} of {@code eval --spark MASTER}. The harness
 * keeps its phases, resume, budgets and progress on the driver; each call here is one Spark job whose partitions
 * hold a few samples each. An executor runs a partition with {@link EvalHarness#evaluate}, the local command's own
 * code, on its JVM's model ({@link ExecutorModels}), and sends the records back as JSON lines; the driver writes them
 * as each partition finishes. Spark hands the driver one result per partition, whatever the retries, and the harness
 * drops a key already written, so a retried task never duplicates a record.
 */
public final class SparkEval implements EvalHarness.Backend, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final JavaSparkContext sc;
    private final boolean local;
    private final RunnerSpec runner;
    private final TaskSpec taskSpec;
    private final String settingsJson;
    private final Map<EvalProblem, Integer> index = new IdentityHashMap<>();

    private SparkEval(JavaSparkContext sc, boolean local, RunnerSpec runner, TaskSpec taskSpec, EvalSettings settings, EvalTasks tasks) {
        this.sc = sc;
        this.local = local;
        this.runner = runner;
        this.taskSpec = taskSpec;
        this.settingsJson = settings.toJson(JSON).toString();
        for (int i = 0; i < tasks.problems().size(); i++) index.put(tasks.problems().get(i), i);
    }

    /**
     * Starts the Spark application (embedded for {@code local[N]}, a client-mode driver for {@code spark://HOST:PORT}).
     *
     * @param conf   extra {@code key=value} Spark settings
     * @param tasks  the driver's own copy of the problems that {@code taskSpec} loads on each executor
     */
    public static SparkEval start(String master, List<String> conf, RunnerSpec runner, TaskSpec taskSpec, EvalSettings settings, EvalTasks tasks) {
        return new SparkEval(SparkApp.start(master, "bgl eval", conf, runner), master.startsWith("local"), runner, taskSpec, settings, tasks);
    }

    /** The default parallelism of the application: executor cores in all (local[N]: N). */
    public int parallelism() {
        return sc.defaultParallelism();
    }

    @Override
    public void runAll(List<EvalHarness.Job> jobs, Consumer<EvalRecord> done) {
        List<EvalJob> work = new ArrayList<>(jobs.size());
        for (EvalHarness.Job j : jobs) {
            Integer i = index.get(j.problem());
            if (i == null) throw new IllegalArgumentException("job for a problem not in the task set: " + j.problem().id());
            work.add(new EvalJob(i, j.method().name(), j.budget(), j.limits()));
        }
        SparkApp.runPartitioned(sc, work, new RunPartition(runner, taskSpec, settingsJson), line -> {
            try {
                done.accept(EvalRecord.fromJson(JSON.readTree(line)));
            } catch (IOException e) {
                throw new BglException("bad record from an executor: " + e.getMessage());
            }
        });
    }

    /** An executor's work: one record per job of the partition, as JSON lines. */
    private static final class RunPartition extends AbstractFunction1<Iterator<EvalJob>, ArrayList<String>> implements Serializable {
        private final RunnerSpec runner;
        private final TaskSpec tasks;
        private final String settingsJson;

        RunPartition(RunnerSpec runner, TaskSpec tasks, String settingsJson) {
            this.runner = runner;
            this.tasks = tasks;
            this.settingsJson = settingsJson;
        }

        @Override
        public ArrayList<String> apply(Iterator<EvalJob> it) {
            EvalSettings settings;
            try {
                settings = EvalSettings.fromJson(JSON, JSON.readTree(settingsJson));
            } catch (IOException e) {
                throw new BglException("bad settings sent to the executor: " + e.getMessage());
            }
            EvalTasks set = ExecutorModels.tasks(tasks);
            BudgetRunner r = ExecutorModels.runner(runner);
            ArrayList<String> out = new ArrayList<>();
            while (it.hasNext()) {
                EvalJob j = it.next();
                EvalHarness.Job job = new EvalHarness.Job(set.problems().get(j.problem()), Method.parse(j.method()), j.budget(), j.limits());
                out.add(EvalHarness.evaluate(r, settings, set, job).toJson().toString());
            }
            return out;
        }
    }

    private static final Pattern BGL_ERROR = Pattern.compile("dev\\.bgl\\.[\\w.]*Exception: ([^\\n]*)");

    /**
     * One line for a failed job: bgl's own message when an executor threw one (Spark wraps it in its stage failure
     * with a stack trace), else the first line of Spark's.
     */
    static String oneLine(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null) continue;
            Matcher x = BGL_ERROR.matcher(m);
            if (x.find()) return x.group(1);
        }
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /** Stops the application still running in this JVM, if any (an eval abandoned at a deadline). */
    static void stopRunning() {
        SparkApp.stopRunning();
    }

    /** Writes the command's records file as Parquet at {@code dest} through this application ({@link SparkParquet}); returns the rows. */
    public long writeParquet(java.nio.file.Path jsonl, String dest) {
        return SparkParquet.write(sc, jsonl, SparkParquet.Kind.RECORDS, dest);
    }

    @Override
    public void close() {
        SparkApp.stop(sc);
        if (local) ExecutorModels.closeAll();
    }
}
