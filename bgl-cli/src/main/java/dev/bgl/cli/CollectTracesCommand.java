package dev.bgl.cli;

import dev.bgl.decode.LoadedModel;
import dev.bgl.tensor.Parallel;
import dev.bgl.train.predictor.TraceCollector;
import dev.bgl.util.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "collect-traces", mixinStandardHelpOptions = true,
        description = {"Generate the model's own responses with full thinking to TRAIN problems of the curriculum, the training data of a budget predictor.",
                "Writes OUT/traces.jsonl, one response per line as each finishes; a rerun resumes (ids already there are skipped)."})
final class CollectTracesCommand implements Callable<Integer> {
    @Mixin ModelOptions modelOptions;
    @Option(names = "--out", required = true, description = "Folder for traces.jsonl") Path out;
    @Option(names = "--n", defaultValue = "2000", description = "Problems (default: ${DEFAULT-VALUE})") int n;
    @Option(names = "--seed", defaultValue = "7", description = "Curriculum seed; problem i gets id s<seed>-<i> (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--temperature", defaultValue = "0", description = "0: greedy (default); else sampling with a per-problem seed") float temperature;
    @Option(names = "--max-tokens", defaultValue = "512", description = "Cap on generated tokens per response (default: ${DEFAULT-VALUE})") int maxTokens;

    @Override
    public Integer call() {
        Path modelPath = modelOptions.resolveModel();
        int threads = modelOptions.threads != null ? modelOptions.threads : Parallel.threads();
        var options = new TraceCollector.Options(seed, n, threads, temperature, maxTokens);
        try (LoadedModel m = modelOptions.open(modelPath)) {
            var s = TraceCollector.collect(m, out, options, new ProgressBar("traces", n, System.err));
            System.out.printf("%s: %d new responses (%d already there) in %.1f s; %d closed their thinking, %d correct, mean thinking %.1f tokens%n",
                    s.file(), s.collected(), s.skipped(), s.seconds(), s.closed(), s.correct(), s.meanThinking());
        }
        return 0;
    }
}
