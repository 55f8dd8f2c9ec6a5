package dev.bgl.spark;

import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.eval.EvalTasks;
import dev.bgl.tensor.Parallel;
import dev.bgl.train.predictor.TraceCollector;
import dev.bgl.util.BglException;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one executor JVM keeps between tasks: each model opened (memory-mapped) once, keyed by its path, KV type and
 * tokenizer; each predictor read once; the task set loaded once; and one runner per task thread. Nothing is closed
 * before the JVM ends (an executor lives as long as its application), except by {@link #closeAll} in a local-mode
 * driver, where the executor is the driver's own JVM.
 */
final class ExecutorModels {
    private static final Map<String, LoadedModel> MODELS = new ConcurrentHashMap<>();
    private static final java.util.Queue<Path> OPENED = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final Map<String, Optional<PredictorWeights>> PREDICTORS = new ConcurrentHashMap<>();
    private static final Map<TaskSpec, EvalTasks> TASKS = new ConcurrentHashMap<>();
    private static final Map<TraceItems, List<TraceCollector.Item>> ITEMS = new ConcurrentHashMap<>();
    /** Keyed by the model instance too: a runner of a model closed by {@link #closeAll} is never reused. */
    private static final ThreadLocal<Map<List<Object>, BudgetRunner>> RUNNERS = ThreadLocal.withInitial(HashMap::new);
    private static volatile boolean threadsSet;
    private static int threadsBefore = -1;

    private ExecutorModels() {
    }

    static BudgetRunner runner(RunnerSpec spec) {
        kernelThreads();
        LoadedModel m = model(spec);
        return RUNNERS.get().computeIfAbsent(List.of(spec, m), k -> spec.create(m, predictor(spec)));
    }

    static EvalTasks tasks(TaskSpec spec) {
        return TASKS.computeIfAbsent(spec, TaskSpec::load);
    }

    /** The items of a trace collection, loaded once per JVM. */
    static List<TraceCollector.Item> items(TraceItems spec) {
        return ITEMS.computeIfAbsent(spec, s -> s.load().items());
    }

    /** The model of a task that runs it without a budget runner (collect-traces), the kernels set up as for {@link #runner}. */
    static LoadedModel modelForTask(RunnerSpec spec) {
        kernelThreads();
        return model(spec);
    }

    static LoadedModel model(RunnerSpec s) {
        return MODELS.computeIfAbsent(s.model() + "|" + s.kvType() + "|" + s.tokenizer() + "|" + s.thinkingFormat() + "|" + s.shipped(), k -> {
            Path path = local(s.model(), s.shipped(), "model file");
            if (!Files.exists(path)) throw new BglException(where() + ": no model file " + path
                    + " (every executor opens the model at the same path: copy it to each node, put it on shared storage, or send it with --spark-ship-model)");
            Path tokenizer = s.tokenizer() == null ? null : local(s.tokenizer(), s.shipped(), "tokenizer folder");
            if (tokenizer != null && !Files.isDirectory(tokenizer))
                throw new BglException(where() + ": no tokenizer folder " + tokenizer);
            LoadedModel m = LoadedModel.open(path, s.kv(), tokenizer, s.format());
            m.checkTemplate();
            OPENED.add(path);
            return m;
        });
    }

    private static PredictorWeights predictor(RunnerSpec s) {
        if (s.predictor() == null) return null;
        return PREDICTORS.computeIfAbsent(s.predictor() + "|" + s.predictorHeads(), k -> {
            Path path = local(s.predictor(), s.shipped(), "predictor file");
            if (!Files.exists(path)) throw new BglException(where() + ": no predictor file " + path);
            return Optional.of(PredictorWeights.load(path, s.predictorHeads()));
        }).orElse(null);
    }

    /**
     * Where this executor reads a file of the spec: the driver's path, or with {@code shipped} its own copy of the file
     * the driver added to the application ({@code SparkFiles.get}: the same file name, in the executor's folder).
     */
    static Path local(String driverPath, boolean shipped, String what) {
        if (!shipped) return Path.of(driverPath);
        String name = Path.of(driverPath).getFileName().toString();
        Path copy;
        try {
            copy = Path.of(SparkFiles.get(name));
        } catch (RuntimeException e) {
            throw new BglException(where() + ": the shipped " + what + " " + name + " cannot be found (" + e.getMessage() + ")");
        }
        if (!Files.exists(copy)) throw new BglException(where() + ": the shipped " + what + " " + name + " did not arrive (no " + copy + ")");
        return copy;
    }

    /** The model files this JVM opened, in order (a shipped model: the executor's copy), for the tests. */
    static List<Path> opened() {
        return List.copyOf(OPENED);
    }

    /**
     * A task is one sample on one core (spark.task.cpus, 1 by default): the kernels' thread team is set to that, so
     * that an executor with N cores runs N samples side by side as the local command's N threads do.
     */
    private static void kernelThreads() {
        if (threadsSet) return;
        synchronized (ExecutorModels.class) {
            if (threadsSet) return;
            TaskContext tc = TaskContext.get();
            SparkEnv env = SparkEnv.get();
            // local[N]: the executor is the driver's JVM, whose kernels the command has set up already
            if (env != null && "driver".equals(env.executorId())) {
                threadsSet = true;
                return;
            }
            int cpus = tc == null ? 1 : Math.max(1, tc.cpus());
            if (Parallel.threads() != cpus && System.getProperty("bgl.threads") == null) {
                threadsBefore = Parallel.threads();
                Parallel.setThreads(cpus);
            }
            threadsSet = true;
        }
    }

    /** "executor 1 on host X", for errors a user must trace to a node. */
    static String where() {
        SparkEnv env = SparkEnv.get();
        if (env == null) return "host " + localHost();
        return "executor " + env.executorId() + " on " + env.blockManager().blockManagerId().host();
    }

    private static String localHost() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "(unknown)";
        }
    }

    /** Closes the models of this JVM (a local-mode driver, whose executor ran in it, when its eval ends). */
    static void closeAll() {
        MODELS.values().forEach(LoadedModel::close);
        MODELS.clear();
        PREDICTORS.clear();
        TASKS.clear();
        ITEMS.clear();
        synchronized (ExecutorModels.class) {
            if (threadsBefore > 0) Parallel.setThreads(threadsBefore);
            threadsBefore = -1;
            threadsSet = false;
        }
    }
}
