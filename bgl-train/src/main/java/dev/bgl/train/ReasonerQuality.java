package dev.bgl.train;

import dev.bgl.util.Spearman;

import dev.bgl.budget.HardCutoff;
import dev.bgl.decode.GenerateRequest;
import dev.bgl.decode.GenerateResult;
import dev.bgl.decode.Generator;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Session;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.decode.TokenListener;
import dev.bgl.tasks.Problem;
import dev.bgl.tasks.TraceFormat;
import dev.bgl.util.ProgressBar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default model's quality bar, measured on held-out problems with the real engine: accuracy
 * with unconstrained thinking, how much the thinking length varies and follows difficulty, and how
 * much accuracy is lost when the thinking is cut at half its natural length (greedy decoding).
 */
public final class ReasonerQuality {

    /** One problem's outcome. */
    public record Outcome(Problem problem, int thinkingTokens, boolean closedThinking, boolean correct, boolean cutCorrect) {
    }

    public record Report(int problems, double accuracy, double cutAccuracy, double p10, double p50, double p90,
                         double spearmanDifficultyLength, Map<String, Double> accuracyByFamily,
                         Map<String, Double> meanThinkingByFamily, double seconds, List<Outcome> outcomes) {

        public double lengthRatio() {
            return p90 / Math.max(1, p10);
        }

        public double cutDropPoints() {
            return 100 * (accuracy - cutAccuracy);
        }

        public Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("problems", problems);
            m.put("accuracy", accuracy);
            m.put("accuracy_cut_at_half", cutAccuracy);
            m.put("cut_drop_points", cutDropPoints());
            m.put("thinking_p10", p10);
            m.put("thinking_p50", p50);
            m.put("thinking_p90", p90);
            m.put("p90_over_p10", lengthRatio());
            m.put("spearman_difficulty_length", spearmanDifficultyLength);
            m.put("accuracy_by_family", accuracyByFamily);
            m.put("mean_thinking_by_family", meanThinkingByFamily);
            m.put("seconds", seconds);
            return m;
        }
    }

    private ReasonerQuality() {
    }

    public static Report evaluate(LoadedModel model, List<Problem> problems, int maxTokens, int threads, ProgressBar bar) throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger done = new AtomicInteger(), right = new AtomicInteger();
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Problem p : problems)
                futures.add(pool.submit(() -> {
                    Outcome o = one(model, p, maxTokens);
                    if (o.correct()) right.incrementAndGet();
                    if (bar != null) bar.update(done.incrementAndGet(), String.format("acc %.1f%%", 100.0 * right.get() / done.get()));
                    return o;
                }));
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : futures) out.add(f.get());
            if (bar != null) bar.finish();
            return report(out, (System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    static Outcome one(LoadedModel model, Problem p, int maxTokens) {
        int[] prompt = model.encodePrompt(TraceFormat.prompt(p));
        int ctx = prompt.length + maxTokens + 16;
        // natural run: the loop tells how much it thought and whether it closed
        GenerateResult natural = generate(model, prompt, ctx, maxTokens, List.of());
        int spent = natural.thinkingTokens();
        boolean closed = natural.thinkingClosed();
        boolean correct = TraceFormat.correct(p, natural.text());
        GenerateResult halved = generate(model, prompt, ctx, maxTokens, List.of(new HardCutoff(spent / 2)));
        return new Outcome(p, spent, closed, correct, TraceFormat.correct(p, halved.text()));
    }

    private static GenerateResult generate(LoadedModel model, int[] prompt, int ctx, int maxTokens, List<LogitsProcessor> processors) {
        Session s = model.newSession(ctx);
        return new Generator(s, model.tokenizer()).generate(
                new GenerateRequest(prompt, maxTokens, SamplerConfig.GREEDY, List.of(), true, processors, null,
                        model.thinkingFormat(ThinkingFormat.Phase.BEFORE)), TokenListener.NONE);
    }

    static Report report(List<Outcome> out, double seconds) {
        int n = out.size();
        double[] len = out.stream().mapToDouble(Outcome::thinkingTokens).toArray();
        double[] diff = out.stream().mapToDouble(o -> o.problem().difficulty()).toArray();
        double[] sorted = len.clone();
        Arrays.sort(sorted);
        Map<String, double[]> fam = new TreeMap<>();
        for (Outcome o : out) {
            double[] a = fam.computeIfAbsent(o.problem().family(), k -> new double[3]);
            a[0]++;
            a[1] += o.correct() ? 1 : 0;
            a[2] += o.thinkingTokens();
        }
        Map<String, Double> accFam = new TreeMap<>(), lenFam = new TreeMap<>();
        fam.forEach((k, a) -> {
            accFam.put(k, a[1] / a[0]);
            lenFam.put(k, a[2] / a[0]);
        });
        return new Report(n, out.stream().filter(Outcome::correct).count() / (double) n,
                out.stream().filter(Outcome::cutCorrect).count() / (double) n,
                percentile(sorted, 0.10), percentile(sorted, 0.50), percentile(sorted, 0.90),
                n >= 2 ? Spearman.rho(diff, len) : 0, accFam, lenFam, seconds, out);
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
