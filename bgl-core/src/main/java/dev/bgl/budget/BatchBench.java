package dev.bgl.budget;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.GenerateRequest;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Scheduler;
import dev.bgl.decode.Step;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decode throughput of continuous batching: N sequences of the same length thinking greedily
 * ({@code </think>} and end-of-generation suppressed) through one {@link Scheduler}, at each N
 * asked, optionally with budget guidance on every sequence. The aggregate rate is counted over
 * the window in which all N sequences decode (from the last one's first token to the first one's
 * last), so prefill and the ragged ends do not dilute it. Rounds run every N in turn; each N keeps
 * its fastest round, and the gain over N = 1 is given both fastest against fastest and as the
 * median of the rounds' paired ratios.
 */
public final class BatchBench {
    private BatchBench() {
    }

    /**
     * @param parallel          sequences decoded together
     * @param aggregate         decode tokens per second over all sequences (fastest round)
     * @param perSequence       the same per sequence
     * @param gainFastest       aggregate over the N = 1 aggregate, fastest against fastest
     * @param gainMedian        the median over rounds of the same round's ratio
     * @param firstTokenMs      mean time from submission to first token (fastest round), prefill of all N included
     */
    public record Point(int parallel, double aggregate, double perSequence, double gainFastest, double gainMedian, double firstTokenMs) {
    }

    /**
     * @param predictor guidance on every sequence with this predictor (null: plain decoding)
     */
    public static List<Point> run(LoadedModel model, int tokens, int[] parallels, int rounds, BudgetPredictor predictor, GuidanceOptions options) {
        if (tokens < 8) throw new BglException("bench --parallel: --gen-tokens must be >= 8, got " + tokens);
        if (!model.isThinkingModel()) throw new BglException("bench --parallel: model " + model.name() + " has no " + model.markers().close() + " token");
        int most = Arrays.stream(parallels).max().orElseThrow();
        if (Arrays.stream(parallels).anyMatch(n -> n < 1)) throw new BglException("--parallel values must be >= 1, got " + Arrays.toString(parallels));
        String rendered = model.renderPrompt(List.of(ChatMessage.user("Count the vowels in 'budget guidance'.")), null);
        int[] prompt = model.encodePrompt(rendered + model.markers().open() + "\n");
        BudgetPredictor p = predictor == null ? null : predictor.forkFor(model);
        boolean[] newline = p == null ? null : BudgetGuidance.newlineTokens(model.tokenizer(), p.modelVocab());
        int[] all = Arrays.stream(parallels).distinct().sorted().toArray();
        try (Scheduler s = new Scheduler(model, new Scheduler.Config(most, Long.MAX_VALUE, 2 * dev.bgl.model.Transformer.MAX_CHUNK))) {
            measure(model, s, prompt, tokens, most, p, options, newline); // warm-up: the JIT compiles the batched path
            measure(model, s, prompt, tokens, 1, p, options, newline);
            double[][] agg = new double[all.length][rounds], first = new double[all.length][rounds];
            for (int r = 0; r < rounds; r++)
                for (int i = 0; i < all.length; i++) {
                    double[] m = measure(model, s, prompt, tokens, all[i], p, options, newline);
                    agg[i][r] = m[0];
                    first[i][r] = m[1];
                }
            int base = Arrays.binarySearch(all, 1);
            List<Point> out = new ArrayList<>();
            for (int i = 0; i < all.length; i++) {
                double best = Arrays.stream(agg[i]).max().orElseThrow();
                int bestRound = indexOf(agg[i], best);
                double gainFastest = Double.NaN, gainMedian = Double.NaN;
                if (base >= 0) {
                    gainFastest = best / Arrays.stream(agg[base]).max().orElseThrow();
                    double[] ratios = new double[rounds];
                    for (int r = 0; r < rounds; r++) ratios[r] = agg[i][r] / agg[base][r];
                    gainMedian = median(ratios);
                }
                out.add(new Point(all[i], best, best / all[i], gainFastest, gainMedian, first[i][bestRound]));
            }
            return out;
        }
    }

    /** One run of n sequences: {aggregate tokens/s over the all-decoding window, mean ms to first token}. */
    private static double[] measure(LoadedModel model, Scheduler s, int[] prompt, int tokens, int n, BudgetPredictor p,
                                    GuidanceOptions options, boolean[] newline) {
        int close = model.thinkCloseId();
        long[][] at = new long[n][tokens];
        int[] count = new int[n];
        List<Scheduler.Ticket> tickets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<LogitsProcessor> chain = new ArrayList<>();
            if (p != null) // its links, so the scheduler sees the predictor's pass and batches it
                chain.addAll(new BudgetGuidance(p, close, tokens / 2, options, model.tokenizer(), newline, SamplerConfig.GREEDY).processors());
            chain.add(new LogitsProcessor() {
                @Override
                public void apply(Step step, float[] logits) {
                    logits[close] = Float.NEGATIVE_INFINITY;
                }
            });
            int seq = i;
            GenerateRequest r = new GenerateRequest(prompt, tokens, SamplerConfig.GREEDY, List.of(), false, chain, null,
                    model.thinkingFormat(ThinkingFormat.Phase.THINKING));
            tickets.add(s.submit(r, prompt.length + tokens + 8, (id, text, forced, phase) -> {
                if (id >= 0 && count[seq] < tokens) at[seq][count[seq]++] = System.nanoTime();
            }));
        }
        double firstMs = 0;
        for (Scheduler.Ticket t : tickets) {
            try {
                t.result().get(1, TimeUnit.HOURS);
            } catch (Exception e) {
                throw new BglException("bench --parallel: a sequence failed: " + e.getMessage());
            }
            firstMs += t.firstTokenNanos() / 1e6 / n;
        }
        long start = Long.MIN_VALUE, end = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            start = Math.max(start, at[i][0]);
            end = Math.min(end, at[i][count[i] - 1]);
        }
        long inWindow = 0;
        for (int i = 0; i < n; i++) for (int k = 0; k < count[i]; k++) if (at[i][k] > start && at[i][k] <= end) inWindow++;
        if (end <= start || inWindow < n) throw new BglException("bench --parallel: " + tokens + " tokens are too few for " + n
                + " sequences to decode together; raise --gen-tokens");
        return new double[]{inWindow / ((end - start) / 1e9), firstMs};
    }

    private static int indexOf(double[] v, double x) {
        for (int i = 0; i < v.length; i++) if (v[i] == x) return i;
        return 0;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
