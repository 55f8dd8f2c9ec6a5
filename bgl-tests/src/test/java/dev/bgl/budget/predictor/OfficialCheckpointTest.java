package dev.bgl.budget.predictor;

import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetGuidance;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.Method;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.Session;
import dev.bgl.format.FormatException;
import dev.bgl.format.SafetensorsIndex;
import dev.bgl.model.Architecture;
import dev.bgl.model.HiddenStates;
import dev.bgl.model.KvCacheType;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The paper's released checkpoints as downloaded: a folder whose BF16 shards hold the LLM and the
 * predictor in one state dict ({@link OfficialCheckpoint}), the tokenizer apart. bgl loads both from
 * the folder, gives it the official guidance settings, and chooses the tokens an independent
 * reference of the official guidance step chooses.
 */
class OfficialCheckpointTest {
    static final int STEPS = 64;
    @TempDir
    static Path dir;
    static OfficialCheckpoint.Written qwen2, qwen3;

    @BeforeAll
    static void write() throws Exception {
        qwen2 = OfficialCheckpoint.write(dir, Architecture.QWEN2, 3);
        qwen3 = OfficialCheckpoint.write(dir, Architecture.QWEN3, 4);
    }

    @Test
    void theFixtureHasTheReleasedLayout() throws Exception {
        for (var w : new OfficialCheckpoint.Written[]{qwen2, qwen3}) {
            assertEquals(2, w.shards().size(), "sharded in two");
            assertTrue(Files.exists(w.model().resolve(SafetensorsIndex.FILE_NAME)));
            assertFalse(Files.exists(w.model().resolve("tokenizer.json")), "the checkpoint has no tokenizer");
            String index = Files.readString(w.model().resolve(SafetensorsIndex.FILE_NAME));
            assertTrue(index.contains("\"lam_head.weight\"") && index.contains("\"model.embed_tokens.weight\"") && index.contains("\"lm_head.weight\""), index);
            assertTrue(w.vocab() > w.tokenizerVocab(), "the heads cover the padded vocabulary");
        }
    }

    @Test
    void thePredictorIsReadFromTheSameFolderWithTheOfficialDefaults() {
        PredictorWeights loaded = PredictorWeights.load(qwen3.model(), 0);
        PredictorWeights stored = qwen3.predictor();
        assertEquals(stored.config(), loaded.config(), "12 heads when the file does not say, BERT's epsilon");
        assertEquals(12, loaded.config().heads());
        assertArrayEquals(stored.cls(), loaded.cls());
        assertArrayEquals(stored.inW(), loaded.inW());
        assertArrayEquals(stored.layers().get(1).ffnOutW(), loaded.layers().get(1).ffnOutW());
        assertArrayEquals(stored.alphaHead(), loaded.alphaHead());
        assertArrayEquals(stored.lamHead(), loaded.lamHead());
        assertTrue(PredictorWeights.inModelFolder(qwen3.model()));
        assertFalse(PredictorWeights.inModelFolder(qwen3.tokenizer()));
        assertEquals(GuidanceOptions.DEFAULT.withAllCandidates(true), GuidanceOptions.recommended(qwen3.model()),
                "no settings recorded: the paper's (mask 10, 1, 0.9; after newlines; no min-p), heads over the whole vocabulary");
        assertEquals(10, GuidanceOptions.DEFAULT.minLambda());
        assertEquals(1, GuidanceOptions.DEFAULT.minAlpha());
        assertEquals(0.9, GuidanceOptions.DEFAULT.minModeLength());
        assertFalse(GuidanceOptions.DEFAULT.everyToken());
        assertEquals(0, GuidanceOptions.DEFAULT.minP());
    }

    @Test
    void aMissingShardIsOneErrorNamingIt() throws Exception {
        var w = OfficialCheckpoint.write(dir.resolve("broken"), Architecture.QWEN3, 9);
        Path gone = w.shards().get(1);
        Files.delete(gone);
        String shard = gone.getFileName().toString();
        var e = assertThrows(FormatException.class, () -> LoadedModel.open(w.model(), KvCacheType.F16, w.tokenizer()).close());
        assertTrue(e.getMessage().contains(shard) && e.getMessage().contains("no such file"), e.getMessage());
        var p = assertThrows(FormatException.class, () -> PredictorWeights.load(w.model(), 0));
        assertTrue(p.getMessage().contains(shard), p.getMessage());
    }

    @Test
    void qwen2AgreesWithTheReferenceStep() {
        GuidanceOptions official = GuidanceOptions.recommended(qwen2.model());
        agree(qwen2, official, 24);
        agree(qwen2, official.withEveryToken(true), 24);
    }

    @Test
    void qwen3AgreesWithTheReferenceStep() {
        GuidanceOptions official = GuidanceOptions.recommended(qwen3.model());
        agree(qwen3, official, 24);
        agree(qwen3, official.withEveryToken(true), 24);
    }

    /**
     * bgl's guided run (greedy, {@code STEPS} tokens) against the reference replayed on the same
     * model: at each step the reference sees the same logits and hidden states and must choose the
     * token bgl chose. Also checks that guidance was exercised: guided steps happened and at least
     * one of them chose another token than the model's argmax.
     */
    private static void agree(OfficialCheckpoint.Written w, GuidanceOptions options, int budget) {
        try (LoadedModel m = LoadedModel.open(w.model(), KvCacheType.F16, w.tokenizer())) {
            PredictorWeights weights = PredictorWeights.load(w.model(), 0);
            BudgetRunner runner = new BudgetRunner(m, BudgetPredictor.forModel(weights, m), options);
            BudgetRequest req = BudgetRequest.of("Add: 17+8+12+5", new Method.Guided(), budget, STEPS);
            BudgetOutcome out = runner.run(req, (id, text, forced, phase) -> { });
            int[] chosen = out.result().tokens();
            assertEquals(STEPS, chosen.length, "the run must last " + STEPS + " steps: " + out.result().stopReason());

            int[] prompt = m.encodePrompt(runner.plan(req).promptText());
            int close = m.thinkCloseId();
            boolean[] newline = BudgetGuidance.newlineTokens(m.tokenizer(), w.vocab());
            int guided = 0, changed = 0, agreed = 0;
            try (Session s = m.newSession(prompt.length + STEPS + 8)) {
                s.feed(prompt, 0, prompt.length, true);
                boolean thinking = true, guideNext = true;
                for (int n = 0; n < STEPS; n++) {
                    float[] logits = s.logits().clone();
                    int argmax = argmax(logits);
                    int ref = argmax;
                    if (thinking && guideNext) {
                        // the paper's budget counts every token, the close too; bgl's counts the thinking inside the
                        // markers, so its R thinking tokens left are the paper's R + 1 (GuidanceMath.fittingLength)
                        ref = referenceStep(w.predictor(), s.hidden(), logits, Math.max(budget - n + 1, 1));
                        guided++;
                        if (ref != argmax) changed++;
                    }
                    final int step = n, a = agreed, r = ref;
                    final boolean g = thinking && guideNext;
                    assertEquals(ref, chosen[n], () -> w.model().getFileName() + " " + (options.everyToken() ? "every token" : "official")
                            + ": step " + step + " (" + a + " agreed before), guided " + g + ", argmax " + argmax + ": "
                            + explain(w.predictor(), s.hidden(), logits, Math.max(budget - step + 1, 1), r, chosen[step]));
                    agreed++;
                    if (chosen[n] == close) thinking = false;
                    guideNext = options.everyToken() || newline[chosen[n]];
                    s.feed(chosen[n], true);
                }
            }
            assertEquals(STEPS, agreed);
            System.out.println(w.model().getFileName() + (options.everyToken() ? " every token" : " official") + ": " + STEPS
                    + " of " + STEPS + " steps agree; guided " + guided + ", guidance changed the choice at " + changed + "; thinking " + out.thinkingTokens());
            assertTrue(guided >= 2, "guided steps: " + guided);
            assertTrue(changed >= 1, "guidance never changed the model's choice in " + guided + " guided steps: the test would not see it");
        }
    }

    /**
     * The official guidance step, written from the paper (Li et al. 2025, eqs. 3-5) and the order of
     * operations of the official logits processor, over the whole vocabulary V: p = softmax(logits);
     * α = softplus(W_α z), λ = softplus(W_λ z) with z the predictor's CLS output; c_v = P(X ≤ log(R+1))
     * for X ~ Gamma(α_v, rate λ_v); c_v = 0 where the mask fails (λ ≥ 10, α > 1, exp((α−1)/λ) − 1 ≥ 0.9);
     * p′ = p·c renormalised, or all mass on argmax(p) when nothing is left. Greedy: argmax p′.
     */
    static int referenceStep(PredictorWeights w, HiddenStates hs, float[] logits, int remaining) {
        double[][] zal = BudgetPredictorTest.reference(w, hs); // a plain double BERT, softplus heads
        double[] alpha = zal[1], lam = zal[2];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[logits.length];
        for (int v = 0; v < p.length; v++) sum += p[v] = Math.exp(logits[v] - max);
        double x = Math.log(remaining + 1.0), total = 0;
        double[] q = new double[p.length];
        for (int v = 0; v < p.length; v++) {
            p[v] /= sum;
            if (v >= alpha.length) continue;
            boolean valid = lam[v] >= 10 && alpha[v] > 1 && Math.exp((alpha[v] - 1) / lam[v]) - 1 >= 0.9;
            double c = valid ? new GammaDistribution(alpha[v], 1 / lam[v]).cumulativeProbability(x) : 0;
            total += q[v] = p[v] * c;
        }
        if (!(total > 0)) return argmax(logits);
        int best = 0;
        for (int v = 1; v < q.length; v++) if (q[v] / total > q[best] / total) best = v;
        return best;
    }

    /** p, α, λ and c of the two tokens the reference and bgl chose, for a failure's message. */
    static String explain(PredictorWeights w, HiddenStates hs, float[] logits, int remaining, int a, int b) {
        double[][] zal = BudgetPredictorTest.reference(w, hs);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float l : logits) max = Math.max(max, l);
        for (float l : logits) sum += Math.exp(l - max);
        StringBuilder sb = new StringBuilder("R=" + remaining);
        for (int v : new int[]{a, b}) {
            double p = Math.exp(logits[v] - max) / sum;
            sb.append(String.format(" [%d p=%.3g a=%.4g l=%.4g c=%.4g]", v, p, zal[1][v], zal[2][v],
                    new GammaDistribution(zal[1][v], 1 / zal[2][v]).cumulativeProbability(Math.log(remaining + 1.0))));
        }
        return sb.toString();
    }

    static int argmax(float[] a) {
        int b = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
        return b;
    }
}
