package dev.bgl.budget;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.GenerateRequest;
import dev.bgl.decode.GenerateResult;
import dev.bgl.decode.Generator;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Session;
import dev.bgl.decode.Step;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.decode.TokenListener;
import dev.bgl.tensor.Parallel;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.List;

/**
 * What budget guidance costs at decode time: greedy decoding of a fixed number of thinking tokens
 * ({@code </think>} and end-of-generation suppressed so every run has the same length) without
 * guidance, then guided with the given settings with candidate-only heads and with full-vocabulary
 * heads. All variants warm up first (and the predictor at every step, so that its code is compiled
 * however rarely the settings run it); then three rounds time them in turn and each keeps its fastest run.
 * At a depth, the question follows a long user message: its tokens are prefilled once and every run
 * decodes after them (the session truncated back to them), so the predictor's share is measured where
 * a decode step also reads a long KV cache.
 *
 * @see #run
 */
public final class GuidanceBench {
    private GuidanceBench() {
    }

    /**
     * @param tokens                 tokens decoded per run
     * @param plainNsPerToken        decode time per token without guidance (no hidden states)
     * @param guidedNsPerToken       decode time per token, guided, candidate-only heads
     * @param fullNsPerToken         the same with heads over the whole vocabulary
     * @param candidateNsPerStep     time in the guidance per guided step (encoder + heads + reweighting), candidate-only
     * @param fullNsPerStep          the same with full heads
     * @param meanCandidates         tokens whose heads were computed per step, candidate-only
     * @param vocab                  tokens the full variant computes
     * @param predictorSteps         steps at which the predictor ran (candidate-only run)
     * @param settledSteps           guided steps it skipped because one token was plausible ({@link BudgetGuidance#settledSteps})
     * @param lookaheads             candidates fed one token ahead (candidate-only run; {@link GuidanceOptions#lookahead})
     * @param plainCpuNsPerToken     CPU time of the calling thread per token, plain (NaN where not measurable)
     * @param guidedCpuNsPerToken    the same, guided with candidate-only heads
     * @param fullCpuNsPerToken      the same, guided with full heads
     * @param context                prompt tokens before the decoded ones
     */
    public record Result(int tokens, double plainNsPerToken, double guidedNsPerToken, double fullNsPerToken,
                         double candidateNsPerStep, double fullNsPerStep, double meanCandidates, int vocab,
                         int predictorSteps, int settledSteps, int lookaheads,
                         double plainCpuNsPerToken, double guidedCpuNsPerToken, double fullCpuNsPerToken, int context) {
        /**
         * Whether the CPU times are meaningful: with one worker thread every kernel runs on the
         * calling thread, so its CPU time is the whole work of a token, whatever else the machine
         * runs; wall time on a shared machine is not.
         */
        public boolean hasCpuTimes() {
            return !Double.isNaN(plainCpuNsPerToken);
        }

        public String describe() {
            return String.format(java.util.Locale.ROOT,
                    "%d tokens after %d of context: plain %.3f ms/token; guided %.3f ms/token (candidates, %.1f per step) / %.3f ms/token (full %d); "
                            + "predictor ran at %d steps (%.1f us each with candidates, %.1f us full), skipped %d settled steps%s",
                    tokens, context, plainNsPerToken / 1e6, guidedNsPerToken / 1e6, meanCandidates, fullNsPerToken / 1e6, vocab,
                    predictorSteps, candidateNsPerStep / 1e3, fullNsPerStep / 1e3, settledSteps,
                    lookaheads == 0 ? "" : ", looked " + lookaheads + " candidates ahead (a forward pass each)");
        }
    }

    /**
     * @param options guidance settings of the timed runs (the full-heads run adds {@code allCandidates})
     */
    public static Result run(LoadedModel model, BudgetPredictor predictor, int tokens, int budget, GuidanceOptions options) {
        return run(model, predictor, tokens, budget, options, 0);
    }

    /**
     * @param depth context before the decoded tokens: at most this, a short question; else about this many
     *              tokens of prompt, a long message before it ({@link Result#context} says how many exactly)
     */
    public static Result run(LoadedModel model, BudgetPredictor predictor, int tokens, int budget, GuidanceOptions options, int depth) {
        if (tokens < 1) throw new BglException("bench: tokens must be >= 1, got " + tokens);
        if (depth < 0) throw new BglException("bench: depth must be >= 0, got " + depth);
        if (!model.isThinkingModel()) throw new BglException("bench: model " + model.name() + " has no " + model.markers().close() + " token");
        BudgetPredictor p = predictor.forkFor(model);
        String question = "Count the vowels in 'budget guidance'.";
        int[] full = prompt(model, question);
        if (depth > full.length) { // a long message before the question, so that the whole prompt is about depth tokens
            String sentence = "Budget guidance steers the length of a model's thinking softly instead of cutting it off. ";
            int per = Math.max(1, model.tokenizer().encode(sentence, false).length);
            full = prompt(model, sentence.repeat((depth - full.length + per - 1) / per) + "\n\n" + question);
        }
        // the prefix is prefilled once; each run feeds the last few prompt tokens itself and decodes after them
        int keep = Math.min(8, full.length - 1);
        int[] prefix = java.util.Arrays.copyOf(full, full.length - keep), prompt = java.util.Arrays.copyOfRange(full, full.length - keep, full.length);
        try (Session s = model.newSession(full.length + tokens + 8)) {
            s.feed(prefix, 0, prefix.length, false);
            return timed(model, p, s, prefix, prompt, tokens, budget, options, full.length);
        }
    }

    private static Result timed(LoadedModel model, BudgetPredictor p, Session s, int[] prefix, int[] prompt, int tokens, int budget,
                                GuidanceOptions options, int context) {
        boolean[] newline = BudgetGuidance.newlineTokens(model.tokenizer(), p.modelVocab());
        int warm = tokens; // the predictor runs at a fraction of the steps: its code needs the whole length to compile

        boolean cpu = Parallel.threads() == 1 && THREADS.isCurrentThreadCpuTimeSupported();
        GuidanceOptions every = options.withAllCandidates(false), all = options.withAllCandidates(true);
        // every variant warms up before any is timed (the JIT compiles the decode loop, the kernels and
        // the predictor once), then three rounds run the variants in turn and each keeps its fastest run
        decode(model, s, prefix, prompt, warm, null);
        // the predictor at every step first (no floor), or under a floor it runs too rarely to be compiled before timing
        decode(model, s, prefix, prompt, warm, guidance(model, p, budget, every.withMinP(0), newline));
        decode(model, s, prefix, prompt, warm, guidance(model, p, budget, all.withMinP(0), newline));
        decode(model, s, prefix, prompt, warm, guidance(model, p, budget, every, newline));
        decode(model, s, prefix, prompt, warm, guidance(model, p, budget, all, newline));
        long[] wall = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE}, cpuNs = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
        BudgetGuidance cand = null, full = null;
        for (int round = 0; round < ROUNDS; round++) {
            for (int v = 0; v < 3; v++) {
                BudgetGuidance g = v == 0 ? null : guidance(model, p, budget, v == 1 ? every : all, newline);
                long c0 = cpuNow(cpu);
                long w = decode(model, s, prefix, prompt, tokens, g).decodeNanos();
                long c = cpuNow(cpu) - c0;
                if (w < wall[v]) {
                    wall[v] = w;
                    if (v == 1) cand = g;
                    if (v == 2) full = g;
                }
                cpuNs[v] = Math.min(cpuNs[v], c);
            }
        }
        double nan = Double.NaN;
        return new Result(tokens, (double) wall[0] / tokens, (double) wall[1] / tokens, (double) wall[2] / tokens,
                perStep(cand), perStep(full), cand.meanCandidates(), p.guidable(), cand.guidedSteps(), cand.settledSteps(), cand.stats().lookaheads(),
                cpu ? (double) cpuNs[0] / tokens : nan, cpu ? (double) cpuNs[1] / tokens : nan, cpu ? (double) cpuNs[2] / tokens : nan, context);
    }

    /** Timed rounds per variant; each variant reports its fastest. */
    private static final int ROUNDS = 3;

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** CPU time of this thread (it includes the short prefill of each run, the same in all three). */
    private static long cpuNow(boolean on) {
        return on ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    private static double perStep(BudgetGuidance g) {
        return g.guidedSteps() == 0 ? Double.NaN : (double) g.predictorNanos() / g.guidedSteps();
    }

    private static BudgetGuidance guidance(LoadedModel model, BudgetPredictor p, int budget, GuidanceOptions o, boolean[] newline) {
        return new BudgetGuidance(p, model.thinkCloseId(), budget, o, model.tokenizer(), newline, SamplerConfig.GREEDY);
    }

    private static int[] prompt(LoadedModel model, String message) {
        return model.encodePrompt(model.renderPrompt(List.of(ChatMessage.user(message)), null) + model.markers().open() + "\n");
    }

    /**
     * One run on {@code s}, cut back to its prefilled {@code prefix} first; prefilled again when the
     * session cannot go back that far (a sliding-window layer released what the prefix's end sees).
     * The runs are timed on their decode only.
     */
    private static GenerateResult decode(LoadedModel model, Session s, int[] prefix, int[] prompt, int tokens, BudgetGuidance g) {
        if (s.canTruncate(prefix.length)) s.truncate(prefix.length);
        else {
            s.truncate(0);
            s.feed(prefix, 0, prefix.length, false);
        }
        int close = model.thinkCloseId();
        LogitsProcessor keepThinking = new LogitsProcessor() {
            @Override
            public void apply(Step step, float[] logits) {
                logits[close] = Float.NEGATIVE_INFINITY;
            }
        };
        List<LogitsProcessor> chain = new ArrayList<>();
        if (g != null) chain.add(g);
        chain.add(keepThinking);
        GenerateRequest r = new GenerateRequest(prompt, tokens, SamplerConfig.GREEDY, List.of(), false, chain, null,
                model.thinkingFormat(ThinkingFormat.Phase.THINKING));
        return new Generator(s, model.tokenizer()).generate(r, TokenListener.NONE);
    }
}
