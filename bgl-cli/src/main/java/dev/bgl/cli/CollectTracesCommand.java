package dev.bgl.cli;

import dev.bgl.decode.LoadedModel;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.model.KvCacheType;
import dev.bgl.spark.RunnerSpec;
import dev.bgl.spark.SparkTraces;
import dev.bgl.spark.TraceItems;
import dev.bgl.util.BglException;
import dev.bgl.tensor.Parallel;
import dev.bgl.train.predictor.TraceCollector;
import dev.bgl.util.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "collect-traces", mixinStandardHelpOptions = true,
        description = {"Generate the model's own responses with full thinking, the training data of a budget predictor: to TRAIN problems of the curriculum,"
                + " or to the problems of a data set (--tasks), each judged by the eval harness's answer checker.",
                "Writes OUT/traces.jsonl, one response per line as each finishes; a rerun resumes (ids already there are skipped)."})
final class CollectTracesCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec cli;
    @Mixin ModelOptions modelOptions;
    @Option(names = "--out", required = true, description = "Folder for traces.jsonl") Path out;
    @Option(names = "--tasks", paramLabel = "SPEC", description = "A data set instead of the curriculum: gsm8k:PATH | math500:PATH | aime:PATH | amc:PATH | jsonl:PATH | PATH"
            + " (the first --n problems; ids are the file's). The model's answers are judged by eval's checkers")
    String tasks;
    @Option(names = "--on-bad-line", defaultValue = "stop", description = "With --tasks, a malformed line: stop (error) or skip (default: ${DEFAULT-VALUE})")
    String onBadLine;
    @Option(names = "--n", defaultValue = "2000", description = "Problems (default: ${DEFAULT-VALUE})") int n;
    @Option(names = "--seed", defaultValue = "7", description = "Curriculum seed; problem i gets id s<seed>-<i> (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--temperature", defaultValue = "0", description = "0: greedy (default); else sampling with a per-problem seed") float temperature;
    @Option(names = "--max-tokens", defaultValue = "512", description = "Cap on generated tokens per response (default: ${DEFAULT-VALUE})") int maxTokens;
    @Option(names = "--parallel", defaultValue = "1", description = "Responses decoded together in one continuous batch, written in problem order"
            + " (each is the one it gets alone); --threads then sets the cores each batched step uses. 1: --threads worker threads,"
            + " one response each (default: ${DEFAULT-VALUE})") int parallel;

    @Option(names = "--spark", paramLabel = "MASTER", description = "Make the responses as Apache Spark tasks: local[N] (Spark embedded, N cores) or"
            + " spark://HOST:PORT (a standalone cluster; this process is the driver and writes the file). The traces are those of a"
            + " local run; the model and --tasks file must be at the same path on every node. Not with --parallel or --threads (executor cores are used)")
    String spark;
    @picocli.CommandLine.Mixin SparkOptions sparkOptions;

    @Override
    public Integer call() {
        if (spark != null && parallel != 1)
            throw new BglException("--parallel batches responses in this process; with --spark each executor core makes its own: drop --parallel " + parallel);
        if (spark != null && modelOptions.threads != null)
            throw new BglException("--threads sets this process's workers; with --spark the executors' cores (spark.executor.cores) do: drop --threads");
        sparkOptions.check(spark);
        Path modelPath = modelOptions.resolveModel();
        int threads = modelOptions.threads != null ? modelOptions.threads : Parallel.threads();
        var options = new TraceCollector.Options(seed, n, threads, temperature, maxTokens, parallel);
        TraceItems spec = new TraceItems(tasks, n, seed, TraceItems.onBadLine(onBadLine));
        TraceItems.Loaded loaded = spec.load();
        if (loaded.skippedLines() > 0) System.err.println("bgl collect-traces: skipped " + loaded.skippedLines() + " bad lines of " + tasks);
        List<TraceCollector.Item> items = loaded.items();
        try (LoadedModel m = modelOptions.open(modelPath);
             SparkTraces cluster = spark == null ? null : SparkTraces.start(spark, sparkOptions.conf, RunnerSpec.of(modelPath, modelOptions.tokenizer,
                     KvCacheType.parse(modelOptions.kvType), null, 0, GuidanceOptions.DEFAULT, null)
                     .withThinkingFormat(ModelOptions.thinkingFormat(modelOptions.thinkingFormat)).withShipped(sparkOptions.shipModel), spec, options)) {
            if (cluster != null) System.err.println("bgl collect-traces: Spark " + spark + ", " + cluster.parallelism() + " executor cores");
            var s = TraceCollector.collect(m, out, options, items, new ProgressBar("traces", items.size(), System.err), cluster);
            cli.commandLine().getOut().printf("%s: %d new responses (%d already there) in %.1f s; %d closed their thinking, %d correct, mean thinking %.1f tokens%n",
                    s.file(), s.collected(), s.skipped(), s.seconds(), s.closed(), s.correct(), s.meanThinking());
            long rows = sparkOptions.writeParquet(s.file(), SparkOptions.ParquetOf.TRACES, cluster == null ? null : cluster::writeParquet);
            if (rows >= 0) cli.commandLine().getOut().printf("%d traces as Parquet in %s%n", rows, sparkOptions.parquet);
        }
        return 0;
    }

    /** The first n problems of a data set as trace items, judged as eval judges them ({@link TraceItems}). */
    static List<TraceCollector.Item> dataSet(String spec, int n, String onBadLine) {
        return new TraceItems(spec, n, 0, TraceItems.onBadLine(onBadLine)).load().items();
    }
}
