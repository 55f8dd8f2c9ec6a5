package dev.bgl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceBench;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.Session;
import dev.bgl.tensor.MemoryBandwidth;
import dev.bgl.tensor.Parallel;
import dev.bgl.util.ProcessMemory;
import dev.bgl.util.BglException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prefill and decode speed; with --vs-llamacpp, llama.cpp's on the same file in the same run.")
final class BenchCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Option(names = "--prompt-tokens", defaultValue = "128") int promptTokens;
    @Option(names = "--gen-tokens", defaultValue = "64") int genTokens;
    @Option(names = "--depth", paramLabel = "D",
            description = "Measure at depth D, as llama-bench's -d: prefill of a D-token prompt, then decode after those D tokens of context (replaces --prompt-tokens)")
    Integer depth;
    @Option(names = "--vs-llamacpp", description = "Also run llama.cpp (node-llama-cpp) and print the ratios") boolean vsLlamaCpp;
    @Option(names = "--llamacpp-flash-attn", defaultValue = "on",
            description = "llama.cpp's flash attention under --vs-llamacpp: on (llama-server's default, -fa auto) or off (default ${DEFAULT-VALUE})")
    String llamaCppFlashAttn;
    /** --predictor: also time budget guidance, with the settings the file recommends unless flags say otherwise. */
    @Mixin GuidanceCli guidance;
    @Option(names = "--predictor-random", split = ",", paramLabel = "WIDTH,LAYERS,HEADS",
            description = "Time guidance with a random predictor of this shape for the model (timing only: e.g. 768,12,12 is the paper's)")
    int[] randomPredictor;

    private BudgetPredictor randomPredictor(LoadedModel m) {
        if (randomPredictor.length != 3) throw new BglException("--predictor-random needs WIDTH,LAYERS,HEADS, got " + randomPredictor.length + " numbers");
        var c = PredictorConfig.bert(m.transformer().config().dim(), randomPredictor[0], randomPredictor[1],
                randomPredictor[2], m.transformer().config().vocabSize());
        return BudgetPredictor.forModel(PredictorWeights.random(c, 1), m);
    }

    @Option(names = "--parallel", split = ",", paramLabel = "N",
            description = "Continuous batching: aggregate and per-sequence decode speed with N sequences decoded together, "
                    + "for each N given (e.g. 1,2,4,8,16); with --predictor or --predictor-random also with guidance on every sequence")
    int[] parallel;

    @Option(names = "--rounds", defaultValue = "3",
            description = "Timed rounds (alternating with llama.cpp's under --vs-llamacpp); each side reports its fastest")
    int rounds;

    private static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    /** Four times the largest last-level caches of common servers: the probe reads memory, not cache. */
    private static final long BANDWIDTH_PROBE_BYTES = 128L << 20;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (vsLlamaCpp) flashAttention(); // a bad value is reported before any model loads
        if (depth != null) {
            if (depth < 1) throw new BglException("--depth must be >= 1, got " + depth);
            promptTokens = depth;
        }
        if (promptTokens < 1 || genTokens < 1) throw new BglException("--prompt-tokens and --gen-tokens must be >= 1");
        if (rounds < 1) throw new BglException("--rounds must be >= 1, got " + rounds);
        PrintWriter out = spec.commandLine().getOut();
        if (parallel != null) return parallel(out);
        try (LoadedModel m = model.open(model.resolveModel())) {
            warmUp();
            int vocab = Math.min(1000, m.transformer().config().vocabSize() - 100);
            if (vocab < 1) throw new BglException("vocabulary too small for the benchmark");
            // the same token sequence as the reference script uses
            int[] prompt = new int[promptTokens];
            for (int i = 0; i < promptTokens; i++) prompt[i] = 100 + (int) ((i * 7919L) % vocab);
            Session s = m.newSession(promptTokens + genTokens + 16);
            s.feed(prompt, 0, Math.min(8, promptTokens), false); // warm-up
            // rounds alternate bgl and llama.cpp, so that a slow spell of a shared machine hits
            // both; each side keeps its fastest round (noise only ever slows a run down)
            double prefill = 0, decode = 0, lp = 0, ld = 0;
            double[] prefillRatios = new double[rounds], decodeRatios = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                s.truncate(0);
                long start = System.nanoTime(), t0 = start;
                s.feed(prompt, 0, promptTokens, false);
                double p = promptTokens / ((System.nanoTime() - t0) / 1e9);
                int tok = 100;
                t0 = System.nanoTime();
                for (int i = 0; i < genTokens; i++) {
                    s.feed(tok, false);
                    tok = 100 + (tok * 31) % vocab;
                }
                double d = genTokens / ((System.nanoTime() - t0) / 1e9);
                prefill = Math.max(prefill, p);
                decode = Math.max(decode, d);
                if (vsLlamaCpp) {
                    // bgl's round first: a reference that fails or times out at depth does not take it along
                    out.printf(Locale.ROOT, "round %d     bgl prefill %.1f, decode %.2f tok/s%n", round + 1, p, d);
                    out.flush();
                    // llama.cpp may take several times bgl's time (a quantised cache at 16k: 4x and more):
                    // wait ten times bgl's round, and never less than half an hour
                    long timeout = Math.max(1800, 10 * (System.nanoTime() - start) / 1_000_000_000L);
                    JsonNode r = LlamaCppReference.locate().call(Map.of("op", "bench", "model", m.source().path().toString(),
                            "promptTokens", promptTokens, "genTokens", genTokens, "threads", Parallel.threads(),
                            "flashAttention", flashAttention(), "vocab", m.transformer().config().vocabSize(),
                            "kvType", m.kvType().label()), timeout);
                    double rp = r.get("prefillTokPerSec").asDouble(), rd = r.get("decodeTokPerSec").asDouble();
                    lp = Math.max(lp, rp);
                    ld = Math.max(ld, rd);
                    prefillRatios[round] = p / rp;
                    decodeRatios[round] = d / rd;
                    out.printf(Locale.ROOT, "round %d     bgl prefill %.1f, decode %.2f tok/s; llama.cpp prefill %.1f, decode %.2f tok/s; ratios %.2f, %.2f%n",
                            round + 1, p, d, rp, rd, p / rp, d / rd);
                }
            }
            long weights = m.source().weightBytes();
            // a mixture of experts reads the experts it routes to: the roofline counts those bytes only
            long read = weights - m.transformer().unusedExpertBytesPerToken();
            long rss = ProcessMemory.residentBytes(), peak = ProcessMemory.peakResidentBytes();
            out.printf("model %s: %.1f MB of weights, %d threads%n", m.name(), weights / 1e6, Parallel.threads());
            if (read != weights)
                out.printf("experts    a token reads %.1f MB of the %.1f MB of weights (%d of %d experts per layer)%n", read / 1e6, weights / 1e6,
                        m.transformer().config().experts().used(), m.transformer().config().experts().count());
            out.printf("bgl        prefill %8.1f tok/s   decode %7.2f tok/s   (%.2f GB/s of weights while decoding; fastest of %d rounds)%n",
                    prefill, decode, decode * read / 1e9, rounds);
            if (rss > 0) {
                long kv = s.kvBytesReserved();
                out.printf("bgl        resident memory %.1f MB, peak %.1f MB = weights %.1f MB + KV cache %.1f MB + %.1f MB other (JVM, scratch; %.1f MB of it packing)%n",
                        rss / 1e6, peak / 1e6, weights / 1e6, kv / 1e6, (peak - weights - kv) / 1e6, m.transformer().packedExtraBytes() / 1e6);
            }
            // after the memory figures: the probe's buffer would count in them
            double bandwidth = MemoryBandwidth.measure(BANDWIDTH_PROBE_BYTES, 8); // the fastest of 8: single passes on this VM swing by 2x
            // a decode step reads the weights once and the whole KV cache so far (a sliding-window
            // layer: its window): at depth, the cache is a large share of the bytes (3,000 tokens of
            // F16 KV on a 0.6B model: 344 MB); decode token i (from 0) attends over promptTokens + i + 1 positions
            double meanContext = promptTokens + (genTokens + 1) / 2.0;
            long kvRead = 0;
            for (int i = 0; i < genTokens; i++) kvRead += m.transformer().config().kvBytesRead(m.kvType(), promptTokens + i + 1);
            kvRead /= Math.max(1, genTokens);
            long perToken = read + kvRead;
            out.printf("roofline   a decode token reads %.3f MB of weights + %.3f MB of KV cache (%s, %.1f tokens of context on average) = %.3f MB%n",
                    read / 1e6, kvRead / 1e6, m.kvType().label(), meanContext, perToken / 1e6);
            out.printf("roofline   memory bandwidth %.1f GB/s (%d threads): decoding at most %.1f tok/s; bgl reaches %.0f%% of it%n",
                    bandwidth / 1e9, Parallel.threads(), bandwidth / perToken, 100 * decode * perToken / bandwidth);
            if (vsLlamaCpp) {
                out.printf("llama.cpp  prefill %8.1f tok/s   decode %7.2f tok/s   (fastest of %d rounds; flash attention %s, KV cache %s)%n", lp, ld, rounds,
                        flashAttention() ? "on" : "off", m.kvType().label());
                out.printf("ratio bgl/llama.cpp: prefill %.2f, decode %.2f   (fastest against fastest; median of the rounds' ratios %.2f, %.2f; llama.cpp reaches %.0f%% of the roofline)%n",
                        prefill / lp, decode / ld, median(prefillRatios), median(decodeRatios), 100 * ld * perToken / bandwidth);
            }
            if (guidance.predictor != null || randomPredictor != null) {
                // the bench never picks up a predictor beside the model by itself: --predictor asks for this part
                Path modelPath = m.source().path();
                var p = guidance.predictor != null ? BudgetPredictor.forModel(guidance.loadWeights(modelPath), m) : randomPredictor(m);
                GuidanceOptions o = guidance.predictor != null ? guidance.options(modelPath) : GuidanceOptions.DEFAULT.withEveryToken(true);
                var g = GuidanceBench.run(m, p, genTokens, genTokens / 2, o, depth == null ? 0 : depth);
                out.printf(Locale.ROOT, "guidance   settings: %s, min-p %s, scale %s, lookahead %d, mask %s,%s,%s%s%n", o.everyToken() ? "every thinking token" : "after newlines",
                        o.minP(), o.scale(), o.lookahead(), o.minLambda(), o.minAlpha(), o.minModeLength(), guidance.predictor != null ? " (flags, else the predictor file's)" : "");
                out.println("guidance   " + g.describe());
                out.printf("guidance overhead per token: %.1f%% with candidate-only heads, %.1f%% with full heads%n",
                        100 * (g.guidedNsPerToken() / g.plainNsPerToken() - 1), 100 * (g.fullNsPerToken() / g.plainNsPerToken() - 1));
                if (g.hasCpuTimes())
                    out.printf("guidance CPU time per token (1 thread, independent of other load): plain %.3f ms, candidates %.3f ms (%+.1f%%), full %.3f ms (%+.1f%%)%n",
                            g.plainCpuNsPerToken() / 1e6, g.guidedCpuNsPerToken() / 1e6, 100 * (g.guidedCpuNsPerToken() / g.plainCpuNsPerToken() - 1),
                            g.fullCpuNsPerToken() / 1e6, 100 * (g.fullCpuNsPerToken() / g.plainCpuNsPerToken() - 1));
                else out.println("guidance CPU time per token: run with --threads 1 for a figure that other load on the machine does not change");
            }
        }
        return 0;
    }

    /** Compiles the vector kernels, the products' and attention's, before anything is timed. */
    private static void warmUp() {
        dev.bgl.tensor.Kernels.warmUp();
        dev.bgl.model.Transformer.warmUpAttention();
    }

    /** --parallel: the batch table, plain and (with a predictor) guided. */
    private int parallel(PrintWriter out) {
        if (vsLlamaCpp) throw new BglException("--parallel measures bgl's batching; leave out --vs-llamacpp");
        try (LoadedModel m = model.open(model.resolveModel())) {
            warmUp();
            int[] ns = java.util.Arrays.stream(parallel).anyMatch(n -> n == 1) ? parallel
                    : java.util.stream.IntStream.concat(java.util.stream.IntStream.of(1), java.util.Arrays.stream(parallel)).toArray();
            out.printf("model %s: %.1f MB of weights, %d threads, %d tokens per sequence, %d rounds (N in turn)%n",
                    m.name(), m.source().weightBytes() / 1e6, Parallel.threads(), genTokens, rounds);
            var plain = dev.bgl.budget.BatchBench.run(m, genTokens, ns, rounds, null, GuidanceOptions.DEFAULT);
            print(out, "plain", plain);
            if (guidance.predictor != null || randomPredictor != null) {
                Path modelPath = m.source().path();
                var p = guidance.predictor != null ? BudgetPredictor.forModel(guidance.loadWeights(modelPath), m) : randomPredictor(m);
                GuidanceOptions o = guidance.predictor != null ? guidance.options(modelPath) : GuidanceOptions.DEFAULT.withEveryToken(true);
                var guided = dev.bgl.budget.BatchBench.run(m, genTokens, ns, rounds, p, o);
                print(out, "guided", guided);
                for (int i = 0; i < plain.size(); i++)
                    out.printf(Locale.ROOT, "guided/plain gain at N=%-3d %.2f (fastest), %.2f (median)%n", plain.get(i).parallel(),
                            guided.get(i).gainFastest() / plain.get(i).gainFastest(), guided.get(i).gainMedian() / plain.get(i).gainMedian());
            }
        }
        return 0;
    }

    private static void print(PrintWriter out, String what, java.util.List<dev.bgl.budget.BatchBench.Point> points) {
        out.printf("%-7s %4s %14s %14s %16s %14s %12s%n", what, "N", "aggregate", "per sequence", "gain (fastest)", "gain (median)", "first token");
        for (var p : points)
            out.printf(Locale.ROOT, "%-7s %4d %10.2f t/s %10.2f t/s %15.2fx %13.2fx %9.0f ms%n", what, p.parallel(), p.aggregate(), p.perSequence(),
                    p.gainFastest(), p.gainMedian(), p.firstTokenMs());
    }

    /** --llamacpp-flash-attn as a flag; anything but on/off is an error naming the option. */
    private boolean flashAttention() {
        return switch (llamaCppFlashAttn.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new dev.bgl.util.BglException("--llamacpp-flash-attn must be on or off, got '" + llamaCppFlashAttn + "'");
        };
    }
}
