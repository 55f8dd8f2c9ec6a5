package dev.bgl.budget;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.Fixtures;
import dev.bgl.budget.predictor.GammaMath;
import dev.bgl.budget.predictor.PredictorCalibration;
import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Drive;
import dev.bgl.decode.Step;
import dev.bgl.model.HiddenStates;
import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class BudgetGuidanceTest {
    static final Tokenizer TOK = Tokenizer.of(ByteLevelVocab.spec());
    static final int V = TOK.vocabSize();
    static final int OPEN = TOK.tokenId("<think>").getAsInt(), CLOSE = TOK.tokenId("</think>").getAsInt();
    static final int NL = TOK.encode("\n", true)[0], A = TOK.encode("a", true)[0];
    static final int H = 16, LAYERS = 2;
    static final PredictorConfig CONFIG = PredictorConfig.bert(H, 8, 1, 2, V);

    /** P(k, t) for integer shape k: 1 − e^{−t} Σ_{j<k} t^j / j!, independent of commons-math. */
    static double erlangCdf(int k, double t) {
        double term = 1, sum = 0;
        for (int j = 0; j < k; j++) {
            sum += term;
            term *= t / (j + 1);
        }
        return 1 - Math.exp(-t) * sum;
    }

    static final class Recorder implements DecodeControl {
        final List<String> texts = new ArrayList<>();
        final List<int[]> tokens = new ArrayList<>();

        public void insert(int... t) {
            tokens.add(t.clone());
        }

        public void insertText(String t) {
            texts.add(t);
        }

        public void stop(String r) {
        }
    }

    static BudgetPredictor uniformPredictor(double alpha, double lambda) {
        double[] a = new double[V], l = new double[V];
        Arrays.fill(a, alpha);
        Arrays.fill(l, lambda);
        return new BudgetPredictor(Fixtures.fixedHeads(CONFIG, 3, a, l), LAYERS, V);
    }

    static BudgetGuidance guidance(BudgetPredictor p, boolean promptOpens, int budget, GuidanceOptions o, SamplerConfig s) {
        return Drive.track(new BudgetGuidance(p, CLOSE, budget, o, TOK, null, s), OPEN, CLOSE, promptOpens);
    }

    static final HiddenStates HS = Fixtures.hidden(new SplittableRandom(1), LAYERS, H);

    static Step step() {
        return Drive.base(0, 10, new int[1], HS);
    }

    static float[] randomLogits(SplittableRandom r, double scale) {
        float[] l = new float[V];
        for (int i = 0; i < V; i++) l[i] = (float) (scale * r.nextGaussian());
        return l;
    }

    @Test
    void reweightsByTheBudgetProbabilityOfEachToken() {
        float[] logits = {2f, 1f, 0.5f, -1f};
        double[] p = new double[4];
        GuidanceMath.softmax(logits, p);
        double[] expP = {Math.exp(2), Math.exp(1), Math.exp(0.5), Math.exp(-1)};
        double z = Arrays.stream(expP).sum();
        float[] alpha = {8, 2, 12, 8}, lambda = {10, 12, 15, 9.5f};
        // token 1: mode length e^{1/12} − 1 < 0.9; token 3: λ < 10; both masked
        int remaining = 5; // L ≤ 6 fits: the close is not thinking
        double x = Math.log(7);
        double w0 = expP[0] / z * erlangCdf(8, 10 * x), w2 = expP[2] / z * erlangCdf(12, 15 * x);
        boolean fallback = GuidanceMath.reweight(logits, p, new int[]{0, 1, 2, 3}, 4, alpha, lambda, remaining, GuidanceOptions.DEFAULT, -1);
        assertFalse(fallback);
        assertEquals(Math.log(w0 / (w0 + w2)), logits[0], 1e-6);
        assertEquals(Math.log(w2 / (w0 + w2)), logits[2], 1e-6);
        assertEquals(Float.NEGATIVE_INFINITY, logits[1]);
        assertEquals(Float.NEGATIVE_INFINITY, logits[3]);
    }

    /**
     * The budget counts the thinking strictly inside the markers, and the predictor's L counts the
     * candidate and every token up to and including the close: with R left, L ≤ R + 1 fits. A token
     * followed at once by the close (L = 2) fits the budget's last token; with nothing left only the
     * close (L = 1) does. Read as the paper's L ≤ R, the last token of every budget went unused.
     */
    @Test
    void theCloseIsFreeSoATokenThenTheCloseFitsTheLastTokenOfTheBudget() {
        assertEquals(2, GuidanceMath.fittingLength(1));
        assertEquals(31, GuidanceMath.fittingLength(30));
        assertEquals(1, GuidanceMath.fittingLength(0));
        assertEquals(1, GuidanceMath.fittingLength(-4), "overspent: only the close fits");
        GuidanceOptions noMask = GuidanceOptions.DEFAULT.withMask(0, 0, 0);
        // token 0: surely L = 2 (its Gamma over log(L+1) sits just under log 3); token 1: surely a longer thought
        float a = 40_000;
        float[] alpha = {a, a}, lambda = {(float) (a / (Math.log(3) - 0.01)), (float) (a / Math.log(20))};
        float[] logits = {0f, 1f};
        double[] p = new double[2];
        GuidanceMath.softmax(logits, p);
        GuidanceMath.reweight(logits, p, new int[]{0, 1}, 2, alpha, lambda, 1, noMask, -1);
        assertEquals(0f, logits[0], 1e-6f, "one token left: the token that closes after it takes all the mass");
        assertEquals(Float.NEGATIVE_INFINITY, logits[1]);
        float[] spent = {0f, 1f};
        GuidanceMath.softmax(spent, p);
        assertTrue(GuidanceMath.reweight(spent, p, new int[]{0, 1}, 2, alpha, lambda, 0, noMask, -1),
                "nothing left: neither fits, the fallback takes the model's choice");
        assertEquals(0f, spent[1]);
    }

    @Test
    void maskThresholdsAreOptions() {
        float[] logits = {2f, 1f, 0.5f, -1f};
        double[] p = new double[4];
        GuidanceMath.softmax(logits, p);
        double[] q = p.clone();
        float[] alpha = {8, 2, 12, 8}, lambda = {10, 12, 15, 9.5f};
        GuidanceOptions none = GuidanceOptions.DEFAULT.withMask(0, 0, Double.NEGATIVE_INFINITY);
        double x = Math.log(4);
        GuidanceMath.reweight(logits, p, new int[]{0, 1, 2, 3}, 4, alpha, lambda, 2, none, -1);
        double[] w = {q[0] * erlangCdf(8, 10 * x), q[1] * erlangCdf(2, 12 * x), q[2] * erlangCdf(12, 15 * x), q[3] * erlangCdf(8, 9.5 * x)};
        double sum = Arrays.stream(w).sum();
        for (int i = 0; i < 4; i++) assertEquals(Math.log(w[i] / sum), logits[i], 1e-5, "token " + i);
        assertTrue(GuidanceMath.valid(8, 10, GuidanceOptions.DEFAULT));
        assertFalse(GuidanceMath.valid(8, 9.99, GuidanceOptions.DEFAULT));
        assertFalse(GuidanceMath.valid(1, 50, GuidanceOptions.DEFAULT));
        assertFalse(GuidanceMath.valid(1.5, 10, GuidanceOptions.DEFAULT));
    }

    @Test
    void minPKeepsGuidanceFromImplausibleTokens() {
        // token 1 is 1/e^4 ≈ 1.8% as likely as token 0 but predicted to end far sooner: without a
        // floor it wins; with min-p 0.05 it gets no weight and the choice stays with the model
        float[] logits = {4f, 0f, 3f};
        float[] alpha = {20, 20, 20}, lambda = {8, 40, 8};
        double[] p = new double[3];
        float[] open = logits.clone();
        GuidanceMath.softmax(open, p);
        GuidanceOptions noMask = GuidanceOptions.DEFAULT.withMask(0, 0, Double.NEGATIVE_INFINITY);
        GuidanceMath.reweight(open, p, new int[]{0, 1, 2}, 3, alpha, lambda, 2, noMask, -1);
        assertEquals(1, dev.bgl.decode.Sampler.argmax(open, 3), "without a floor the short-route token wins");
        float[] floored = logits.clone();
        GuidanceMath.softmax(floored, p);
        double[] q = p.clone();
        GuidanceMath.reweight(floored, p, new int[]{0, 1, 2}, 3, alpha, lambda, 2, noMask.withMinP(0.05), -1);
        assertEquals(Float.NEGATIVE_INFINITY, floored[1]);
        // tokens 0 and 2 share α, λ: their ratio stays the model's
        assertEquals(Math.log(q[0] / q[2]), floored[0] - floored[2], 1e-5);
        // the token spared from the floor (</think> in the processor) is weighed as without it
        float[] spared = logits.clone();
        GuidanceMath.softmax(spared, p);
        GuidanceMath.reweight(spared, p, new int[]{0, 1, 2}, 3, alpha, lambda, 2, noMask.withMinP(0.05), 1);
        for (int i = 0; i < 3; i++) assertEquals(open[i], spared[i], 1e-6, "token " + i);
        assertThrows(dev.bgl.util.BglException.class, () -> GuidanceOptions.DEFAULT.withMinP(1.5));
    }

    @Test
    void aChanceReadAheadIsTheModelWeightedMeanOfTheNextStepsChancesAndReplacesTheHeads() {
        GuidanceOptions noMask = GuidanceOptions.DEFAULT.withMask(0, 0, 0);
        // next step: token 0 (p 0.6) surely fits in 100, token 1 (p 0.3) surely not, token 2 (p 0.1) is excluded
        double[] p = {0.6, 0.3, 0.1};
        float[] alpha = {2, 400, 2}, lambda = {100, 20, 100};
        double x = dev.bgl.budget.predictor.GammaMath.encode(101);
        double c0 = GuidanceMath.chance(2, 100, x, noMask), c1 = GuidanceMath.chance(400, 20, x, noMask);
        assertTrue(c0 > 0.99 && c1 < 1e-6, c0 + " " + c1);
        assertEquals((0.6 * c0 + 0.3 * c1) / 0.9, GuidanceMath.chanceAhead(p, new int[]{0, 1, 2}, 3, alpha, lambda, 100, noMask, 2), 1e-12);
        assertEquals(0.6 * c0 + 0.3 * c1 + 0.1 * c0, GuidanceMath.chanceAhead(p, new int[]{0, 1, 2}, 3, alpha, lambda, 100, noMask, -1), 1e-12);
        // a Gamma the mask rejects counts as a thought that does not fit
        assertEquals(0.3 * c1 / 0.9, GuidanceMath.chanceAhead(p, new int[]{0, 1, 2}, 3, alpha, lambda, 100, GuidanceOptions.DEFAULT.withMask(10, 1, 5), 2),
                1e-12);
        assertEquals(0, GuidanceMath.chanceAhead(p, new int[]{2}, 1, alpha, lambda, 100, noMask, 2));

        // reweighting: a chance read ahead replaces the candidate's head (NaN keeps it), raised to the strength
        double[] q = {0.5, 0.5};
        float[] la = {2, 2}, ll = {100, 100}; // both heads say "fits"
        float[] logits = {0, 0};
        GuidanceMath.reweight(logits, q.clone(), new int[]{0, 1}, 2, la, ll, new double[]{0.25, Double.NaN}, 10, noMask.withScale(2), -1);
        double head = GuidanceMath.weight(2, 100, dev.bgl.budget.predictor.GammaMath.encode(11), noMask.withScale(2));
        assertEquals(0.0625 / (0.0625 + head), Math.exp(logits[0]), 1e-6);
        assertEquals(head / (0.0625 + head), Math.exp(logits[1]), 1e-6);
    }

    @Test
    void theGuidanceScaleRaisesEachTokensChanceToFitToItsPower() {
        float[] logits = {2f, 1f, 0.5f};
        float[] alpha = {8, 12, 20}, lambda = {10, 15, 8};
        GuidanceOptions noMask = GuidanceOptions.DEFAULT.withMask(0, 0, Double.NEGATIVE_INFINITY);
        double[] p = new double[3];
        double x = Math.log(5);
        double[] c = {erlangCdf(8, 10 * x), erlangCdf(12, 15 * x), erlangCdf(20, 8 * x)};
        for (double g : new double[]{1, 2, 3.5}) {
            float[] l = logits.clone();
            GuidanceMath.softmax(l, p);
            double[] q = p.clone();
            GuidanceMath.reweight(l, p, new int[]{0, 1, 2}, 3, alpha, lambda, 3, noMask.withScale(g), -1); // L ≤ 4 fits
            double[] w = new double[3];
            double sum = 0;
            for (int i = 0; i < 3; i++) sum += w[i] = q[i] * Math.pow(c[i], g);
            for (int i = 0; i < 3; i++) assertEquals(Math.log(w[i] / sum), l[i], 1e-5, "scale " + g + ", token " + i);
        }
        // what the scale is for: a token half as likely to fit loses a factor 2 at the paper's strength, 4 at 2
        float[] same = {0f, 0f};
        float[] a2 = {10, 10}, l2 = {10, 10};
        double r = Math.log(9); // a remaining budget of 7: L ≤ 8 fits
        double c0 = erlangCdf(10, 10 * r);
        float lam1 = 10;
        while (erlangCdf(10, lam1 * r) > c0 / 2 + 1e-12) lam1 -= 1e-4f; // a second token just under half as likely to fit
        l2[1] = lam1;
        double[] pp = new double[2];
        for (double g : new double[]{1, 2}) {
            float[] l = same.clone();
            GuidanceMath.softmax(l, pp);
            GuidanceMath.reweight(l, pp, new int[]{0, 1}, 2, a2, l2, 7, noMask.withScale(g), -1);
            assertEquals(Math.pow(2, g), Math.exp(l[0] - l[1]), 1e-2 * Math.pow(2, g), "scale " + g);
        }
        for (double bad : new double[]{0, -1, Double.NaN, 17})
            assertTrue(assertThrows(dev.bgl.util.BglException.class, () -> GuidanceOptions.DEFAULT.withScale(bad)).getMessage()
                    .contains("scale must be in (0, 16]"), "scale " + bad);
    }

    @Test
    void whenNothingPassesTheMaskTheArgmaxTakesAll() {
        float[] logits = {0.5f, 3f, 1f};
        double[] p = new double[3];
        GuidanceMath.softmax(logits, p);
        boolean fallback = GuidanceMath.reweight(logits, p, new int[]{0, 1, 2}, 3, new float[]{1, 1, 1}, new float[]{50, 50, 50}, 10,
                GuidanceOptions.DEFAULT, -1);
        assertTrue(fallback);
        assertArrayEquals(new float[]{Float.NEGATIVE_INFINITY, 0f, Float.NEGATIVE_INFINITY}, logits);
    }

    @Test
    void guidesTheFirstThinkingStepAndAfterNewlinesOnly() {
        BudgetGuidance g = guidance(uniformPredictor(8, 10), false, 50, GuidanceOptions.DEFAULT, SamplerConfig.GREEDY);
        Recorder c = new Recorder();
        float[] logits = randomLogits(new SplittableRandom(4), 2);
        float[] l = logits.clone();
        Drive.apply(g, step(), l);
        assertArrayEquals(logits, l, "before thinking nothing is guided");
        Drive.accept(g, step(), NL, false, c);
        Drive.apply(g, step(), l);
        assertEquals(0, g.guidedSteps(), "a newline before <think> does not start guidance");
        Drive.accept(g, step(), OPEN, false, c);
        Drive.apply(g, step(), l = logits.clone());
        assertEquals(1, g.guidedSteps(), "the first thinking step is guided");
        assertFalse(Arrays.equals(logits, l));
        Drive.accept(g, step(), A, false, c);
        Drive.apply(g, step(), l = logits.clone());
        assertEquals(1, g.guidedSteps());
        float[] midLine = logits.clone();
        midLine[CLOSE] = Float.NEGATIVE_INFINITY;
        assertArrayEquals(midLine, l, "no guidance after a token without a newline; only the mid-line close is forbidden");
        Drive.accept(g, step(), NL, false, c);
        Drive.apply(g, step(), l = logits.clone());
        assertEquals(2, g.guidedSteps(), "guided after a newline");
        Drive.accept(g, step(), CLOSE, false, c);
        Drive.apply(g, step(), l = logits.clone());
        assertEquals(2, g.guidedSteps());
        assertArrayEquals(logits, l, "no guidance after </think>");
        Drive.accept(g, step(), NL, false, c);
        Drive.apply(g, step(), l = logits.clone());
        assertEquals(2, g.guidedSteps(), "no guidance in the answer, newline or not");
        assertTrue(c.texts.isEmpty() && c.tokens.isEmpty());
        assertTrue(g.predictorNanos() > 0);
    }

    @Test
    void theThoughtClosesOnlyAtALineStartUntilTheBudgetIsSpent() {
        int budget = 6;
        BudgetGuidance g = guidance(uniformPredictor(8, 10), true, budget, GuidanceOptions.DEFAULT.withEveryToken(true), SamplerConfig.GREEDY);
        Recorder c = new Recorder();
        float[] logits = randomLogits(new SplittableRandom(9), 2);
        logits[CLOSE] = 5; // the model itself wants to close
        float[] l = logits.clone();
        Drive.apply(g, step(), l);
        assertTrue(l[CLOSE] > Float.NEGATIVE_INFINITY, "right after <think> the thought may close (nothing written yet)");
        Drive.accept(g, step(), A, false, c);
        Drive.apply(g, step(), l = logits.clone());
        assertEquals(Float.NEGATIVE_INFINITY, l[CLOSE], "mid-line within the budget: no close");
        Drive.accept(g, step(), NL, false, c);
        Drive.apply(g, step(), l = logits.clone());
        assertTrue(l[CLOSE] > Float.NEGATIVE_INFINITY, "after a line end: the close is weighed again");
        for (int i = 0; i < budget; i++) Drive.accept(g, step(), A, false, c); // mid-line, and now past the budget
        Drive.apply(g, step(), l = logits.clone());
        assertTrue(l[CLOSE] > Float.NEGATIVE_INFINITY, "past the budget a one-line thought may close anywhere");
    }

    @Test
    void everyTokenGuidesEachThinkingStep() {
        BudgetGuidance g = guidance(uniformPredictor(8, 10), true, 50, GuidanceOptions.DEFAULT.withEveryToken(true), SamplerConfig.GREEDY);
        Recorder c = new Recorder();
        float[] logits = randomLogits(new SplittableRandom(4), 2);
        for (int i = 0; i < 5; i++) {
            Drive.apply(g, step(), logits.clone());
            Drive.accept(g, step(), A, false, c);
        }
        assertEquals(5, g.guidedSteps());
        Drive.accept(g, step(), CLOSE, false, c);
        Drive.apply(g, step(), logits.clone());
        assertEquals(5, g.guidedSteps());
    }

    @Test
    void newlineTableMarksTokensContainingANewline() {
        boolean[] nl = BudgetGuidance.newlineTokens(TOK, V + 3);
        assertTrue(nl[NL]);
        assertFalse(nl[A]);
        assertFalse(nl[CLOSE]);
        assertFalse(nl[V + 2], "ids beyond the tokenizer are not newlines");
    }

    @Test
    void ceilingClosesAtTheNextNewlineAfterTheGraceOrAnywhereAfterTwice() {
        GuidanceOptions o = GuidanceOptions.DEFAULT.withCeiling(2);
        BudgetGuidance g = guidance(uniformPredictor(8, 10), true, 3, o, SamplerConfig.GREEDY);
        Recorder c = new Recorder();
        for (int i = 1; i <= 5; i++) {
            Drive.accept(g, step(), A, false, c);
            assertTrue(c.texts.isEmpty(), "no ceiling before budget + 2·grace without a newline (spent " + i + ")");
        }
        Drive.accept(g, step(), A, false, c);
        assertEquals(List.of("\n</think>\n\n"), c.texts, "closes with its newline as the 7th = budget + 2·grace thinking token");
        assertTrue(g.ceilingFired() && g.intervened());

        BudgetGuidance h = guidance(uniformPredictor(8, 10), true, 3, o, SamplerConfig.GREEDY);
        Recorder d = new Recorder();
        Drive.accept(h, step(), NL, false, d);
        for (int i = 0; i < 3; i++) Drive.accept(h, step(), A, false, d);
        assertTrue(d.texts.isEmpty(), "a newline before budget + grace does not close");
        Drive.accept(h, step(), NL, false, d);
        assertEquals(List.of("</think>\n\n"), d.texts);

        BudgetGuidance off = guidance(uniformPredictor(8, 10), true, 3, GuidanceOptions.DEFAULT, SamplerConfig.GREEDY);
        Recorder e = new Recorder();
        for (int i = 0; i < 50; i++) Drive.accept(off, step(), i % 2 == 0 ? A : NL, false, e);
        assertTrue(e.texts.isEmpty(), "no ceiling by default");
    }

    @Test
    void theCeilingWritesTheModelsOwnFormatsClosingTexts() {
        // a format whose answer starts right after its close (as harmony's final channel does): the ceiling must not add Qwen3's blank line
        ThinkingMarkers noBlank = new ThinkingMarkers("x", "<think>", "</think>", "");
        GuidanceOptions o = GuidanceOptions.DEFAULT.withCeiling(1);
        BudgetGuidance g = Drive.track(new BudgetGuidance(uniformPredictor(8, 10), CLOSE, ThinkingBudget.fixed(2), o, TOK, null, null,
                SamplerConfig.GREEDY, noBlank), OPEN, CLOSE, true);
        Recorder c = new Recorder();
        Drive.accept(g, step(), A, false, c);
        Drive.accept(g, step(), A, false, c);
        Drive.accept(g, step(), NL, false, c);
        assertEquals(List.of("</think>"), c.texts, "at a line end past budget + grace: the format's close text alone");

        BudgetGuidance h = Drive.track(new BudgetGuidance(uniformPredictor(8, 10), CLOSE, ThinkingBudget.fixed(2), o, TOK, null, null,
                SamplerConfig.GREEDY, noBlank), OPEN, CLOSE, true);
        Recorder d = new Recorder();
        for (int i = 0; i < 3; i++) Drive.accept(h, step(), A, false, d);
        assertEquals(List.of("\n</think>"), d.texts, "mid-line at budget + 2·grace: the format's cut text");
    }

    @Test
    void theOptionsAreLinksAfterTheReweightingAndTheCeilingJudgesOnlyWhatTheModelWrote() {
        GuidanceOptions both = GuidanceOptions.DEFAULT.withCeiling(1).withForceFinalAnswer(true);
        BudgetGuidance g = guidance(uniformPredictor(8, 10), true, 2, both, SamplerConfig.GREEDY);
        assertEquals(List.of(GuidanceReweight.class, ForceFinalAnswer.class, GuidanceCeiling.class),
                g.processors().stream().map(Object::getClass).toList());
        assertEquals(List.of(GuidanceReweight.class),
                guidance(uniformPredictor(8, 10), true, 2, GuidanceOptions.DEFAULT, SamplerConfig.GREEDY).processors().stream().map(Object::getClass).toList());

        Recorder c = new Recorder();
        for (int i = 0; i < 6; i++) Drive.accept(g, step(), A, true, c); // inserted text runs past budget + 2·grace
        assertTrue(c.texts.isEmpty() && !g.ceilingFired(), "inserted tokens are not judged");
        Drive.accept(g, step(), A, false, c);
        assertEquals(List.of("\n</think>\n\n"), c.texts, "the first token the model writes past it closes");
    }

    @Test
    void forceFinalAnswerReplacesTheClosingOfGuidedThinking() {
        GuidanceOptions o = GuidanceOptions.DEFAULT.withForceFinalAnswer(true);
        BudgetGuidance g = guidance(uniformPredictor(8, 10), true, 50, o, SamplerConfig.GREEDY);
        int[] phrase = TOK.encode(GuidanceOptions.FINAL_ANSWER, true);
        float[] logits = randomLogits(new SplittableRandom(6), 1);
        logits[CLOSE] = 10;
        float[] l = logits.clone();
        Drive.apply(g, step(), l);
        for (int i = 0; i < V; i++)
            assertEquals(i == phrase[0] ? 0f : Float.NEGATIVE_INFINITY, l[i], "token " + i);
        Recorder c = new Recorder();
        Drive.accept(g, step(), phrase[0], false, c);
        assertEquals(1, c.tokens.size());
        assertArrayEquals(Arrays.copyOfRange(phrase, 1, phrase.length), c.tokens.get(0));
        assertTrue(g.finalAnswerForced() && g.intervened());
        for (int i = 1; i < phrase.length; i++) Drive.accept(g, step(), phrase[i], true, c);
        int guided = g.guidedSteps();
        Drive.apply(g, step(), l = logits.clone());
        assertArrayEquals(logits, l, "the rest of the thinking is unguided and may close");
        assertEquals(guided, g.guidedSteps());
    }

    @Test
    void forceFinalAnswerWhenSamplingDrawsTheCloseWithItsProbability() {
        GuidanceOptions o = GuidanceOptions.DEFAULT.withForceFinalAnswer(true);
        int[] phrase = TOK.encode(GuidanceOptions.FINAL_ANSWER, true);
        float[] logits = new float[V];
        Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        logits[A] = 0;
        logits[CLOSE] = 0; // after guidance with equal c, </think> keeps half the mass
        int triggers = 0, trials = 400;
        BudgetPredictor pred = uniformPredictor(8, 10);
        for (int t = 0; t < trials; t++) {
            BudgetGuidance g = guidance(pred, true, 50, o, SamplerConfig.temperature(1f, t));
            float[] l = logits.clone();
            Drive.apply(g, step(), l);
            if (l[phrase[0]] == 0f && l[A] == Float.NEGATIVE_INFINITY) triggers++;
            else {
                assertEquals(Float.NEGATIVE_INFINITY, l[CLOSE], "without a trigger </think> is removed");
                assertTrue(l[A] > Float.NEGATIVE_INFINITY);
            }
        }
        assertEquals(0.5, (double) triggers / trials, 0.08);
    }

    /** Random weights whose heads give many tokens a valid Gamma, spread over lengths. */
    static PredictorWeights spreadHeads(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        PredictorWeights base = Fixtures.random(CONFIG, seed);
        int d = CONFIG.width();
        var ls = new ArrayList<>(base.layers());
        var L = ls.getLast();
        float[] gain = new float[d], bias = new float[d];
        Arrays.fill(gain, 0.3f);
        bias[0] = 1;
        ls.set(ls.size() - 1, new PredictorWeights.Layer(L.qW(), L.qB(), L.kW(), L.kB(), L.vW(), L.vB(), L.attnOutW(), L.attnOutB(),
                L.attnLnW(), L.attnLnB(), L.ffnInW(), L.ffnInB(), L.ffnOutW(), L.ffnOutB(), gain, bias));
        float[] a = Fixtures.gaussian(r, V * d, 0.3 / Math.sqrt(d)), l = Fixtures.gaussian(r, V * d, 0.3 / Math.sqrt(d));
        for (int t = 0; t < V; t++) {
            a[t * d] = (float) GammaMath.inverseSoftplus(5 + 15 * r.nextDouble());
            l[t * d] = (float) GammaMath.inverseSoftplus(8 + 17 * r.nextDouble());
        }
        return new PredictorWeights(CONFIG, base.cls(), base.inW(), base.inB(), ls, a, l);
    }

    @Test
    void candidateOnlyHeadsChooseAsTheFullVocabularyDoes() {
        SplittableRandom r = new SplittableRandom(21);
        BudgetPredictor pred = new BudgetPredictor(spreadHeads(9), LAYERS, V);
        GuidanceOptions every = GuidanceOptions.DEFAULT.withEveryToken(true);
        int compared = 0;
        for (int trial = 0; trial < 40; trial++) {
            int budget = 20 + r.nextInt(200);
            Step s = Drive.base(0, 10, new int[1], Fixtures.hidden(r, LAYERS, H));
            float[] logits = randomLogits(r, 3 + 4 * r.nextDouble());
            double[] p = new double[V];
            GuidanceMath.softmax(logits, p);
            BudgetGuidance cand = guidance(pred, true, budget, every, SamplerConfig.GREEDY);
            BudgetGuidance full = guidance(pred, true, budget, every.withAllCandidates(true), SamplerConfig.GREEDY);
            float[] lc = logits.clone(), lf = logits.clone();
            Drive.apply(cand, s, lc);
            Drive.apply(full, s, lf);
            assertEquals(V, (int) full.meanCandidates());
            assertTrue(cand.meanCandidates() < V, "the candidates are fewer than the vocabulary");
            assertEquals(dev.bgl.decode.Sampler.argmax(lf, V), dev.bgl.decode.Sampler.argmax(lc, V), "trial " + trial);
            int top = dev.bgl.decode.Sampler.argmax(lf, V);
            // the full p' of the tokens the candidates leave out; the candidates' p' is the full one renormalised without them
            double leftOut = 0;
            for (int v = 0; v < V; v++) if (lc[v] == Float.NEGATIVE_INFINITY) leftOut += Math.exp(lf[v]);
            for (int v = 0; v < V; v++) {
                if (p[v] >= 1e-4) {
                    // every token the floor admits is weighed exactly as with the full vocabulary
                    assertEquals(lf[v] == Float.NEGATIVE_INFINITY, lc[v] == Float.NEGATIVE_INFINITY, "token " + v);
                    if (lf[v] > Float.NEGATIVE_INFINITY) {
                        assertEquals(lf[v] - lf[top], lc[v] - lc[top], 1e-4, "log-ratio of token " + v + " to the top");
                        assertEquals(Math.exp(lf[v]), Math.exp(lc[v]) * (1 - leftOut), 1e-5, "p' of token " + v);
                        compared++;
                    }
                }
            }
        }
        assertTrue(compared > 200, "enough tokens compared: " + compared);
    }

    @Test
    void settledStepsSkipThePredictorAndChooseWhatReweightingWould() {
        SplittableRandom r = new SplittableRandom(33);
        BudgetPredictor pred = new BudgetPredictor(spreadHeads(9), LAYERS, V);
        GuidanceOptions o = GuidanceOptions.DEFAULT.withEveryToken(true).withMask(0, 0, Double.NEGATIVE_INFINITY).withMinP(0.1);
        int[] all = new int[V];
        for (int v = 0; v < V; v++) all[v] = v;
        float[] z = new float[CONFIG.width()], alpha = new float[V], lambda = new float[V];
        int settled = 0, open = 0;
        for (int trial = 0; trial < 60; trial++) {
            int budget = 5 + r.nextInt(100);
            BudgetGuidance g = guidance(pred, true, budget, o, SamplerConfig.GREEDY);
            Drive.apply(g, step(), randomLogits(r, 3));
            Drive.accept(g, step(), NL, false, new Recorder()); // at a line start, where </think> may come
            assertEquals(1, g.guidedSteps(), "the first thinking step always runs the predictor");
            assertTrue(Double.isFinite(g.predictedThinking()), "the difficulty estimate needs it");

            Step s = Drive.base(0, 11, new int[1], Fixtures.hidden(r, LAYERS, H));
            float[] logits = randomLogits(r, 0.5 + r.nextDouble());
            logits[r.nextInt(V)] += (float) (2 + 6 * r.nextDouble()); // a token the model is more or less sure of
            if (trial % 3 != 0) logits[CLOSE] = Float.NEGATIVE_INFINITY; // e.g. a minimum thinking length forbids closing
            float[] l = logits.clone();
            double[] p = new double[V];
            GuidanceMath.softmax(logits, p);
            boolean expectSettled = GuidanceMath.settled(p, V, 0.1, CLOSE);
            if (trial % 3 == 0) assertFalse(expectSettled, "while </think> is possible the predictor must weigh it");
            Drive.apply(g, s, l);
            // reference: the predictor over the whole vocabulary, then the reweighting
            pred.encode(s.hidden(), z);
            pred.heads(z, all, V, alpha, lambda);
            float[] ref = logits.clone();
            GuidanceMath.reweight(ref, p.clone(), all, V, alpha, lambda, budget - 1, o, CLOSE);
            assertEquals(dev.bgl.decode.Sampler.argmax(ref, V), dev.bgl.decode.Sampler.argmax(l, V), "trial " + trial);
            if (expectSettled) {
                settled++;
                assertEquals(1, g.settledSteps());
                assertEquals(1, g.guidedSteps(), "a settled step does not run the predictor");
                for (int v = 0; v < V; v++) assertEquals(ref[v] == Float.NEGATIVE_INFINITY, l[v] == Float.NEGATIVE_INFINITY, "token " + v);
            } else {
                open++;
                assertEquals(0, g.settledSteps());
                assertEquals(2, g.guidedSteps());
            }
        }
        assertTrue(settled >= 10 && open >= 10, "both kinds of step were tried: " + settled + " settled, " + open + " open");
    }

    @Test
    void settledNeedsAFloorAndASinglePlausibleGuidableToken() {
        double[] p = {0.05, 0.9, 0.05};
        assertTrue(GuidanceMath.settled(p, 3, 0.1, -1));
        assertFalse(GuidanceMath.settled(p, 3, 0.05, -1), "0.05 >= 0.05 x 0.9: a second plausible token");
        assertFalse(GuidanceMath.settled(p, 3, 0, -1), "no floor: every token may be chosen");
        assertFalse(GuidanceMath.settled(new double[]{0.5, 0.5, 0}, 3, 0.1, -1), "a tie");
        // a plausible token past the predictor's vocabulary is never a candidate
        assertTrue(GuidanceMath.settled(new double[]{0.6, 0.02, 0.38}, 2, 0.1, -1));
        // the spared token (</think>) keeps the step open however unlikely, unless it is the top one or impossible
        assertFalse(GuidanceMath.settled(new double[]{1e-9, 1 - 1e-9, 0}, 3, 0.1, 0));
        assertTrue(GuidanceMath.settled(new double[]{1e-9, 1 - 1e-9, 0}, 3, 0.1, 2));
        assertTrue(GuidanceMath.settled(new double[]{0.01, 0.99, 0}, 3, 0.1, 1));
        assertTrue(GuidanceMath.settled(new double[]{0.6, 0.02, 0.38}, 2, 0.1, 2), "a spared token past the heads is never weighed");
    }

    @Test
    void theThoughtMayEndHoweverUnlikelyTheModelFindsIt() {
        // budget spent: going on (L ≈ 19) cannot fit, closing (L ≈ 0.35) does; the model rates </think> 2e-9 of the top
        double[] a = new double[V], l = new double[V];
        Arrays.fill(a, 50);
        Arrays.fill(l, 50 / 3.0);
        a[CLOSE] = 100;
        l[CLOSE] = 100 / 0.3;
        BudgetPredictor pred = new BudgetPredictor(Fixtures.fixedHeads(CONFIG, 3, a, l), LAYERS, V);
        GuidanceOptions o = GuidanceOptions.DEFAULT.withEveryToken(true).withMask(0, 0, Double.NEGATIVE_INFINITY);
        for (GuidanceOptions opts : List.of(o, o.withMinP(0.1), o.withMinP(0.1).withAllCandidates(true))) {
            float[] plenty = new float[V];
            plenty[A] = 20;
            Drive.apply(guidance(pred, true, 100, opts, SamplerConfig.GREEDY), step(), plenty);
            assertEquals(A, dev.bgl.decode.Sampler.argmax(plenty, V), "with budget left, the model's choice");
            BudgetGuidance g = guidance(pred, true, 1, opts, SamplerConfig.GREEDY);
            float[] spent = new float[V];
            spent[A] = 20;
            Drive.apply(g, step(), spent);
            assertEquals(CLOSE, dev.bgl.decode.Sampler.argmax(spent, V), opts.toString());
            assertEquals(0, g.settledSteps());
        }
    }

    @Test
    void aCalibratingRunNeverSkipsThePredictor() {
        GuidanceOptions o = GuidanceOptions.DEFAULT.withEveryToken(true).withMinP(0.1);
        BudgetGuidance g = guidance(uniformPredictor(8, 10), true, 50, o, SamplerConfig.GREEDY).withCalibration(new PredictorCalibration());
        float[] sharp = new float[V];
        sharp[A] = 20;
        sharp[CLOSE] = Float.NEGATIVE_INFINITY; // closing forbidden, so only the floor decides
        for (int i = 0; i < 4; i++) {
            Drive.apply(g, step(), sharp.clone());
            Drive.accept(g, step(), A, false, new Recorder());
        }
        assertEquals(4, g.guidedSteps());
        assertEquals(0, g.settledSteps());
        BudgetGuidance plain = guidance(uniformPredictor(8, 10), true, 50, o, SamplerConfig.GREEDY);
        for (int i = 0; i < 4; i++) {
            float[] l = sharp.clone();
            Drive.apply(plain, step(), l);
            assertEquals(A, dev.bgl.decode.Sampler.argmax(l, V));
            Drive.accept(plain, step(), A, false, new Recorder());
        }
        assertEquals(1, plain.guidedSteps());
        assertEquals(3, plain.settledSteps());
        Drive.accept(plain, step(), NL, false, new Recorder()); // a line ends: </think> may come next
        Drive.apply(plain, step(), sharp.clone());
        assertEquals(4, plain.settledSteps());
        Drive.accept(plain, step(), NL, false, new Recorder());
        sharp[CLOSE] = 0;
        float[] l = sharp.clone();
        Drive.apply(plain, step(), l);
        assertEquals(2, plain.guidedSteps(), "</think> possible: the predictor runs to weigh it");
    }

    @Test
    void candidatesFollowTopPFloorAndCap() {
        double[] p = new double[10];
        double[] probs = {0.5, 0.3, 0.15, 0.04, 0.0099, 0.00005, 0.00003, 0.00002, 0, 0};
        System.arraycopy(probs, 0, p, 0, 10);
        int[] out = new int[10];
        long[] keys = new long[10];
        int m = GuidanceMath.selectCandidates(p, 10, GuidanceOptions.DEFAULT, out, keys, -1);
        // p ≥ 1e-4: five tokens with mass 0.9999 ≥ 0.999
        assertEquals(5, m);
        m = GuidanceMath.selectCandidates(p, 10, GuidanceOptions.DEFAULT, out, keys, 7);
        assertEquals(6, m, "</think> (here 7) is always a candidate");
        assertEquals(7, out[5]);
        assertEquals(5, GuidanceMath.selectCandidates(p, 10, GuidanceOptions.DEFAULT, out, keys, 2), "already one");
        assertEquals(5, GuidanceMath.selectCandidates(p, 10, GuidanceOptions.DEFAULT, out, keys, 8), "impossible: p = 0");
        GuidanceOptions strict = GuidanceOptions.DEFAULT.withCandidates(0.99994, 10_000, 1e-4);
        m = GuidanceMath.selectCandidates(p, 10, strict, out, keys, -1);
        assertEquals(6, m, "the nucleus reaches below the floor in order");
        assertEquals(5, out[5]);
        GuidanceOptions cap = GuidanceOptions.DEFAULT.withCandidates(0.999, 2, 1e-4);
        m = GuidanceMath.selectCandidates(p, 10, cap, out, keys, -1);
        assertEquals(2, m);
        assertEquals(java.util.Set.of(0, 1), java.util.Set.of(out[0], out[1]));
    }
}
