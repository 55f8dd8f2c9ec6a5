package dev.bgl.budget.predictor;

import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.GuidanceBench;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.Method;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.TokenListener;
import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Guided generation end to end on a tiny random model whose chat template opens the thinking (as DeepSeek-R1's does). */
class GuidedGenerationTest {
    static final String OPENING_TEMPLATE = ByteLevelVocab.CHAT_TEMPLATE.replace("{{- '<|im_start|>assistant\\n' }}",
            "{{- '<|im_start|>assistant\\n<think>\\n' }}");
    static final int DIM = 64, LAYERS = 2;

    @TempDir
    static Path dir;
    static LoadedModel model;
    static int vocab, close;

    @BeforeAll
    static void makeModel() throws Exception {
        assertNotEquals(ByteLevelVocab.CHAT_TEMPLATE, OPENING_TEMPLATE, "the template edit must apply");
        var spec = ByteLevelVocab.spec();
        Path f = dir.resolve("m.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, LAYERS, DIM, 2, 1, 32, 96,
                spec.vocabSize(), 512, 1e6f, 1e-6f, false, 9, "t"), w -> {
            spec.writeTo(w);
            w.put("tokenizer.chat_template", OPENING_TEMPLATE);
        }, f);
        model = LoadedModel.open(f);
        vocab = model.transformer().config().vocabSize();
        close = model.thinkCloseId();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /**
     * A predictor under which {@code </think>} always predicts an end within a few tokens and every
     * other token a thought of about e⁴ ≈ 55 more tokens: guidance must close the thinking once the
     * remaining budget makes continuing unlikely.
     */
    static BudgetPredictor predictor() {
        double[] a = new double[vocab], l = new double[vocab];
        Arrays.fill(a, 40);
        Arrays.fill(l, 10);
        a[close] = 20;
        l[close] = 20;
        return new BudgetPredictor(Fixtures.fixedHeads(PredictorConfig.bert(DIM, 16, 1, 2, vocab), 4, a, l), LAYERS, vocab);
    }

    @Test
    void guidedGenerationStopsThinkingWithinTheBudget() {
        int budget = 20;
        BudgetRunner runner = new BudgetRunner(model, predictor(), GuidanceOptions.DEFAULT.withEveryToken(true));
        BudgetOutcome o = runner.run(BudgetRequest.of("hi", new Method.Guided(), budget, 80), TokenListener.NONE);
        assertTrue(o.thinkingClosed(), "thinking was closed: " + o.thinking());
        assertTrue(o.thinkingTokens() <= budget, "thinking " + o.thinkingTokens() + " tokens within " + budget);
        assertTrue(o.thinkingTokens() > 0, "guidance let the model think first");
        assertFalse(o.intervened(), "no text was inserted: the model's own </think> was steered");
        // the first thinking token is not </think>: its E[L] − 1 is (10/9)^40 − 2
        assertEquals(Math.pow(10.0 / 9, 40) - 2, o.predictedThinking(), 1e-3);
    }

    @Test
    void withoutGuidanceTheRandomModelKeepsThinking() {
        // the control for the test above: the same model, unguided, does not close its thinking by itself
        BudgetOutcome o = new BudgetRunner(model).run(BudgetRequest.of("hi", new Method.None(), 0, 80), TokenListener.NONE);
        assertFalse(o.thinkingClosed());
        assertTrue(Double.isNaN(o.predictedThinking()));
    }

    @Test
    void guidedWithoutAPredictorIsAClearError() {
        var e = assertThrows(BglException.class,
                () -> new BudgetRunner(model).run(BudgetRequest.of("hi", new Method.Guided(), 10, 10), TokenListener.NONE));
        assertEquals("guided needs a predictor: pass --predictor FILE", e.getMessage());
    }

    @Test
    void aPredictorForAnotherHiddenSizeIsRefused() {
        PredictorWeights other = Fixtures.random(PredictorConfig.bert(32, 8, 1, 2, vocab), 1);
        var e = assertThrows(BglException.class, () -> new BudgetRunner(model, new BudgetPredictor(other, LAYERS, vocab), dev.bgl.budget.GuidanceOptions.DEFAULT));
        assertTrue(e.getMessage().contains("hidden size"), e.getMessage());
    }

    @Test
    void benchReportsTimings() {
        GuidanceBench.Result r = GuidanceBench.run(model, predictor(), 6, 50, GuidanceOptions.DEFAULT.withEveryToken(true));
        assertEquals(6, r.tokens());
        assertEquals(6, r.predictorSteps(), "no floor: the predictor runs at every thinking token");
        assertEquals(0, r.settledSteps());
        for (double v : new double[]{r.plainNsPerToken(), r.guidedNsPerToken(), r.fullNsPerToken(), r.candidateNsPerStep(), r.fullNsPerStep()})
            assertTrue(v > 0 && Double.isFinite(v), r.describe());
        assertEquals(vocab, r.vocab());
        assertTrue(r.meanCandidates() >= 1 && r.meanCandidates() <= vocab);

        // at a depth every run decodes after the long prompt, prefilled once and cut back to before each run
        GuidanceBench.Result deep = GuidanceBench.run(model, predictor(), 6, 50, GuidanceOptions.DEFAULT.withEveryToken(true), 120);
        assertTrue(deep.context() >= 120 && deep.context() < 160 && r.context() < 120, "context " + deep.context() + " against " + r.context());
        assertEquals(6, deep.predictorSteps());
        assertTrue(deep.describe().contains("after " + deep.context() + " of context"), deep.describe());
    }
}
