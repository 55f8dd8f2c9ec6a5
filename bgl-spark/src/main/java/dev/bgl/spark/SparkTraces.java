package dev.bgl.spark;

import dev.bgl.decode.LoadedModel;
import dev.bgl.train.predictor.Trace;
import dev.bgl.train.predictor.TraceCollector;
import org.apache.spark.api.java.JavaSparkContext;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code collect-traces --spark MASTER}: the responses as Spark tasks, the {@link TraceCollector.Backend} of the
 * command. The driver keeps the rest of the local command (resume, the traces file, the progress bar, the summary);
 * one Spark job runs the items the file lacks, about 16 per task. An executor loads the same items from the same spec
 * ({@link TraceItems}), opens the model once per JVM, and answers each with {@link TraceCollector#one}, the local
 * workers' own code (a sampled response has its own seed from the run's seed and its id), so the traces are the local
 * run's. Each trace comes back as its JSON line; the collector writes an id once, whatever Spark's retries.
 */
public final class SparkTraces implements TraceCollector.Backend, AutoCloseable {
    private final JavaSparkContext sc;
    private final boolean local;
    private final RunnerSpec model;
    private final TraceItems items;
    private final TraceCollector.Options options;

    private SparkTraces(JavaSparkContext sc, boolean local, RunnerSpec model, TraceItems items, TraceCollector.Options options) {
        this.sc = sc;
        this.local = local;
        this.model = model;
        this.items = items;
        this.options = options;
    }

    /** Starts the application; {@code model} names the model (no predictor: traces are made with full thinking). */
    public static SparkTraces start(String master, List<String> conf, RunnerSpec model, TraceItems items, TraceCollector.Options options) {
        return new SparkTraces(SparkApp.start(master, "bgl collect-traces", conf, model), master.startsWith("local"), model, items, options);
    }

    /** Executor cores in all (local[N]: N). */
    public int parallelism() {
        return sc.defaultParallelism();
    }

    @Override
    public void runAll(List<Integer> todo, Consumer<Trace> done) {
        SparkApp.runPartitioned(sc, new ArrayList<>(todo), new RunPartition(model, items, options.seed(), options.n(), options.temperature(),
                options.maxTokens()), line -> done.accept(Trace.parse(line, "a trace from an executor")));
    }

    /** An executor's work: the trace of each item of the partition, as JSON lines. */
    private static final class RunPartition extends AbstractFunction1<Iterator<Integer>, ArrayList<String>> implements Serializable {
        private final RunnerSpec model;
        private final TraceItems items;
        private final long seed;
        private final int n, maxTokens;
        private final float temperature;

        RunPartition(RunnerSpec model, TraceItems items, long seed, int n, float temperature, int maxTokens) {
            this.model = model;
            this.items = items;
            this.seed = seed;
            this.n = n;
            this.temperature = temperature;
            this.maxTokens = maxTokens;
        }

        @Override
        public ArrayList<String> apply(Iterator<Integer> it) {
            LoadedModel m = ExecutorModels.modelForTask(model);
            List<TraceCollector.Item> all = ExecutorModels.items(items);
            TraceCollector.Options o = new TraceCollector.Options(seed, n, 1, temperature, maxTokens);
            ArrayList<String> out = new ArrayList<>();
            while (it.hasNext()) out.add(TraceCollector.one(m, all.get(it.next()), o).toJsonLine());
            return out;
        }
    }

    /** Writes the command's traces file as Parquet at {@code dest} through this application ({@link SparkParquet}); returns the rows. */
    public long writeParquet(java.nio.file.Path jsonl, String dest) {
        return SparkParquet.write(sc, jsonl, SparkParquet.Kind.TRACES, dest);
    }

    @Override
    public void close() {
        SparkApp.stop(sc);
        if (local) ExecutorModels.closeAll();
    }
}
