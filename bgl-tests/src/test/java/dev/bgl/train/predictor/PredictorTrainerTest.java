package dev.bgl.train.predictor;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.model.HiddenStates;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.train.Rng;
import dev.bgl.train.StepListener;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PredictorTrainerTest {
    @TempDir
    static Path dir;
    static LoadedModel model;

    @BeforeAll
    static void load() throws Exception {
        model = TinyModel.open(dir, 2);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /**
     * A trace whose thinking counts down from k−1 to 0: the remaining length is a function of the
     * next token, so a predictor can learn it well beyond the marginal distribution.
     */
    static Trace countdown(String id, int k) {
        var tok = model.tokenizer();
        StringBuilder think = new StringBuilder();
        for (int i = k - 1; i >= 0; i--) think.append(i);
        int[] prompt = tok.encode("<|im_start|>user\ncount " + k + "<|im_end|>\n<|im_start|>assistant\n", true);
        int[] resp = tok.encode("<think>" + think + "</think>\n\nAnswer: " + k + "<|im_end|>", true);
        return new Trace(id, "countdown", k, "count " + k, "" + k, "tiny", model.transformer().config().vocabSize(),
                prompt, resp, think.length(), true, true, 0);
    }

    static List<Trace> traces(int n, long seed) {
        Rng r = new Rng(seed);
        List<Trace> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(countdown("t" + i, 3 + (int) (r.nextDouble() * 7)));
        return out;
    }

    static PredictorTrainer.Options small(int epochs, long seed) {
        return new PredictorTrainer.Options(16, 1, 2, 0, epochs, 1e-2f, 0.05f, 0f, 1f, 16, false, seed, 0.1);
    }

    @Test
    void positionsTargetsAndRemainingLengthFollowTheOfficialConvention() {
        Trace t = countdown("x", 3); // thinking "210"
        TrainingSequence s = TrainingSequence.of(t, model.thinkingFormat(dev.bgl.decode.ThinkingFormat.Phase.BEFORE));
        int p = t.promptTokens().length;
        assertEquals(p, s.open(), "the <think> token is the first position");
        assertEquals(p + 4, s.close(), "</think> after three digits");
        assertEquals(4, s.positions(), "positions <think>, 2, 1, 0: the last one's next token is </think>");
        assertEquals(model.thinkCloseId(), s.tokens()[s.close()]);
        var pos = HiddenPositions.extract(model.transformer(), List.of(s));
        assertArrayEquals(new int[]{4, 3, 2, 1}, pos.remaining);
        var tok = model.tokenizer();
        assertEquals("2", tok.decode(new int[]{pos.target[0]}));
        assertEquals(model.thinkCloseId(), pos.target[3]);
        assertEquals((float) Math.log(2), pos.x[3], 1e-7f);
    }

    @Test
    void conciseCopyThinksOnlyTheAnswer() {
        Trace t = countdown("x", 6);
        TrainingSequence c = TrainingSequence.concise(t, model.tokenizer(), model.thinkingFormat(dev.bgl.decode.ThinkingFormat.Phase.BEFORE), model.markers());
        String thinking = model.tokenizer().decode(Arrays.copyOfRange(c.tokens(), c.open() + 1, c.close()));
        assertEquals("\nAnswer: 6\n", thinking);
        assertTrue(c.concise());
    }

    @Test
    void lossFallsAndHeldOutFiguresAreReported() throws Exception {
        Path out = dir.resolve("p.safetensors");
        List<Double> losses = new ArrayList<>();
        StepListener l = s -> losses.add(s.loss());
        var r = PredictorTrainer.train(model, traces(40, 1), small(4, 3), out, l);
        assertEquals(r.steps(), losses.size());
        assertTrue(r.steps() >= 20, "steps " + r.steps());
        double first = losses.subList(0, 3).stream().mapToDouble(d -> d).average().orElseThrow();
        double last = losses.subList(losses.size() - 3, losses.size()).stream().mapToDouble(d -> d).average().orElseThrow();
        assertTrue(last < first - 0.2, "loss did not fall: first " + first + " last " + last);
        assertTrue(r.heldOutTraces() > 0);
        assertTrue(r.heldOutNll() < r.heldOutNllBefore(), "held-out NLL " + r.heldOutNllBefore() + " -> " + r.heldOutNll());
        assertTrue(r.maeMedian() < r.maeConstant(), "median error " + r.maeMedian() + " vs constant " + r.maeConstant());
        List<String> cal = Files.readAllLines(Path.of(r.calibration()));
        assertEquals(r.heldOutPositions(), cal.size());
        assertTrue(cal.getFirst().contains("\"true_remaining\""), cal.getFirst());
        assertTrue(cal.getFirst().contains("\"predicted_median\""), cal.getFirst());
    }

    @Test
    void trainingIsDeterministicForASeed() throws Exception {
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors"), c = dir.resolve("c.safetensors");
        PredictorTrainer.train(model, traces(12, 2), small(1, 9), a, null);
        PredictorTrainer.train(model, traces(12, 2), small(1, 9), b, null);
        PredictorTrainer.train(model, traces(12, 2), small(1, 10), c, null);
        // the same weights up to float rounding (a vector kernel may run interpreted in one run and compiled in the other)
        PredictorLayout lay = new PredictorLayout(PredictorWeights.load(a, 0).config());
        float[] wa = lay.fromWeights(PredictorWeights.load(a, 0)), wb = lay.fromWeights(PredictorWeights.load(b, 0)),
                wc = lay.fromWeights(PredictorWeights.load(c, 0));
        double maxDiff = 0, maxDiffOtherSeed = 0;
        for (int i = 0; i < wa.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(wa[i] - wb[i]));
            maxDiffOtherSeed = Math.max(maxDiffOtherSeed, Math.abs(wa[i] - wc[i]));
        }
        assertTrue(maxDiff < 1e-5, "same seed, max weight difference " + maxDiff);
        assertTrue(maxDiffOtherSeed > 1e-3, "another seed gives other weights: max difference " + maxDiffOtherSeed);
    }

    @Test
    void savedWeightsLoadBackExactly() {
        PredictorConfig cfg = new PredictorConfig(32, 16, 2, 4, 48, 281, PredictorConfig.BERT_EPS);
        PredictorLayout lay = new PredictorLayout(cfg);
        float[] p = PredictorGradientTest.random(new Rng(4), lay.size(), 0.1);
        Path f = dir.resolve("rt.safetensors");
        lay.toWeights(p).save(f);
        PredictorWeights w = PredictorWeights.load(f, 0);
        assertEquals(cfg, w.config());
        assertArrayEquals(p, lay.fromWeights(w));
    }

    @Test
    void theNetworkComputesTheSpecifiedForwardOnTheSavedWeights() throws Exception {
        Path out = dir.resolve("spec.safetensors");
        PredictorTrainer.train(model, traces(12, 5), small(1, 4), out, null);
        PredictorWeights w = PredictorWeights.load(out, 0);
        PredictorLayout lay = new PredictorLayout(w.config());
        float[] p = lay.fromWeights(w), pT = new float[p.length];
        lay.transposeMatrices(p, pT);
        int nIn = model.transformer().config().layers() + 1, h = w.config().hidden();
        PredictorNet net = new PredictorNet(lay, nIn, 2);
        Rng r = new Rng(8);
        float[][][] inputs = new float[2][nIn][];
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < nIn; i++) {
                inputs[b][i] = PredictorGradientTest.random(r, h, 1.0);
                System.arraycopy(inputs[b][i], 0, net.x0, net.inputOffset(b) + i * h, h);
            }
            net.target[b] = 50 + b;
            net.x[b] = 1f;
        }
        net.forward(p, pT, 2);
        for (int b = 0; b < 2; b++) {
            double[] ref = ReferenceForward.alphaLambda(w, inputs[b], net.target[b]);
            assertEquals(ref[0], net.alpha[b], 1e-4 * Math.max(1, ref[0]), "alpha");
            assertEquals(ref[1], net.lambda[b], 1e-4 * Math.max(1, ref[1]), "lambda");
        }
        // the decode-time predictor reads the same file and must agree with training's forward
        BudgetPredictor inference = BudgetPredictor.forModel(w, model);
        int layers = model.transformer().config().layers();
        float[] z = new float[w.config().width()], a = new float[1], l = new float[1];
        for (int b = 0; b < 2; b++) {
            float[][] residuals = new float[layers][];
            for (int i = 0; i < layers - 1; i++) residuals[i] = inputs[b][i + 1];
            residuals[layers - 1] = PredictorGradientTest.random(r, h, 5.0); // HF's inputs skip the last raw residual
            inference.encode(new HiddenStates(inputs[b][0], residuals, inputs[b][nIn - 1]), z);
            inference.heads(z, new int[]{net.target[b]}, 1, a, l);
            assertEquals(net.alpha[b], a[0], 1e-4 * Math.max(1, a[0]), "inference alpha = training alpha");
            assertEquals(net.lambda[b], l[0], 1e-4 * Math.max(1, l[0]), "inference lambda = training lambda");
        }
    }

    @Test
    void tracesOfAnotherVocabularyOrWithoutTracesAreRefused() {
        Trace t = countdown("v", 4);
        Trace other = new Trace("v", "f", 1, "q", "a", "big.gguf", 151_936, t.promptTokens(), t.tokens(), 4, true, true, 0);
        var e = assertThrows(BglException.class, () -> PredictorTrainer.train(model, List.of(other), small(1, 1), dir.resolve("x.safetensors"), null));
        assertTrue(e.getMessage().contains("vocabulary"), e.getMessage());
        Trace unclosed = new Trace("u", "f", 1, "q", "a", "tiny", 281, t.promptTokens(), new int[]{model.thinkOpenId(), 50, 51}, 2, false, false, 0);
        var e2 = assertThrows(BglException.class, () -> PredictorTrainer.train(model, List.of(unclosed), small(1, 1), dir.resolve("x.safetensors"), null));
        assertTrue(e2.getMessage().contains("no usable training traces"), e2.getMessage());
    }
}
