package dev.bgl.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.eval.BatchQuestions;
import dev.bgl.eval.EvalRecord;
import dev.bgl.eval.EvalTasks;
import dev.bgl.util.BglException;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * {@code batch --spark MASTER}: the questions of a shared pool as Spark tasks. The driver keeps the pool: it plans,
 * re-plans as each answer hands its unused tokens back, writes the records and draws the progress bar. Two kinds of
 * work go to the executors, each through {@link BatchQuestions}, the local command's own code: the difficulty
 * estimates (independent: one job, a few questions a task), then the answers, each its own small job, started in the
 * order of the local command's {@code --parallel N}: question i once question i - N has been handed back, so the
 * budgets, and the records, are those of the local run with the same N whatever the timing.
 */
public final class SparkBatch implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final JavaSparkContext sc;
    private final boolean local;
    private final RunnerSpec runner;
    private final TaskSpec tasks;

    /** One answer to make: the question by its index in the task set, its budget, and its estimate for the record. */
    public record Question(int index, String method, int budget, int maxTokens, double predicted) implements Serializable {
    }

    /** Receives question i's record, in index order, on the driver's thread. */
    @FunctionalInterface
    public interface Done {
        void accept(int i, EvalRecord record);
    }

    private SparkBatch(JavaSparkContext sc, boolean local, RunnerSpec runner, TaskSpec tasks) {
        this.sc = sc;
        this.local = local;
        this.runner = runner;
        this.tasks = tasks;
    }

    /** Starts the application; {@code runner} is the command's guided runner (predictor, ceiling, answer cap) as plain values. */
    public static SparkBatch start(String master, List<String> conf, RunnerSpec runner, TaskSpec tasks) {
        return new SparkBatch(SparkApp.start(master, "bgl batch", conf, runner), master.startsWith("local"), runner, tasks);
    }

    /** Executor cores in all (local[N]: N). */
    public int parallelism() {
        return sc.defaultParallelism();
    }

    /** The predicted thinking length of each of the first {@code count} questions, in their order. */
    public double[] predict(int count) {
        List<Integer> work = new ArrayList<>(count);
        for (int i = 0; i < count; i++) work.add(i);
        double[] out = new double[count];
        SparkApp.runPartitioned(sc, work, new Predict(runner, tasks), line -> {
            int tab = line.indexOf('\t');
            out[Integer.parseInt(line.substring(0, tab))] = Double.parseDouble(line.substring(tab + 1));
        });
        return out;
    }

    /**
     * Answers {@code count} questions, at most {@code window} at once: question i is made by {@code start} (its budget
     * planned then) once question i - window has been handed to {@code done}; records come back in index order.
     */
    public void answerInOrder(int count, int window, IntFunction<Question> start, Done done) {
        if (window < 1) throw new BglException("--parallel must be >= 1, got " + window);
        List<JavaFutureAction<List<String>>> inFlight = new ArrayList<>(count);
        Answer task = new Answer(runner, tasks);
        boolean ok = false;
        try {
            int next = 0;
            for (; next < Math.min(window, count); next++) inFlight.add(submit(start.apply(next), task));
            for (int d = 0; d < count; d++) {
                List<String> lines = SparkApp.get(inFlight.get(d));
                inFlight.set(d, null);
                done.accept(d, record(lines.getFirst()));
                if (next < count) inFlight.add(submit(start.apply(next++), task));
            }
            ok = true;
        } finally {
            if (!ok) for (JavaFutureAction<List<String>> f : inFlight) if (f != null) f.cancel(true);
        }
    }

    private JavaFutureAction<List<String>> submit(Question q, Answer task) {
        return sc.parallelize(List.of(q), 1).map(task).collectAsync();
    }

    private static EvalRecord record(String line) {
        try {
            return EvalRecord.fromJson(JSON.readTree(line));
        } catch (IOException e) {
            throw new BglException("bad record from an executor: " + e.getMessage());
        }
    }

    /** An executor's estimates: "index TAB predicted" per question of the partition. */
    private static final class Predict extends AbstractFunction1<Iterator<Integer>, ArrayList<String>> implements Serializable {
        private final RunnerSpec runner;
        private final TaskSpec tasks;

        Predict(RunnerSpec runner, TaskSpec tasks) {
            this.runner = runner;
            this.tasks = tasks;
        }

        @Override
        public ArrayList<String> apply(Iterator<Integer> it) {
            EvalTasks set = ExecutorModels.tasks(tasks);
            BudgetRunner r = ExecutorModels.runner(runner);
            ArrayList<String> out = new ArrayList<>();
            while (it.hasNext()) {
                int i = it.next();
                out.add(i + "\t" + BatchQuestions.predict(r, set.problems().get(i)));
            }
            return out;
        }
    }

    /** An executor's answer to one question: its record as a JSON line. */
    private static final class Answer implements Function<Question, String> {
        private final RunnerSpec runner;
        private final TaskSpec tasks;

        Answer(RunnerSpec runner, TaskSpec tasks) {
            this.runner = runner;
            this.tasks = tasks;
        }

        @Override
        public String call(Question q) {
            EvalTasks set = ExecutorModels.tasks(tasks);
            BudgetRunner r = ExecutorModels.runner(runner);
            return BatchQuestions.answer(r, set, set.problems().get(q.index()), Method.parse(q.method()), q.budget(), q.maxTokens(), q.predicted())
                    .toJson().toString();
        }
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
