package dev.bgl.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The whole model's backward against finite differences of its loss, tensor by tensor. */
class ModelGradientTest {
    static final TrainConfig TINY = new TrainConfig(16, 2, 2, 1, 8, 24, 13, 8, 10_000f, 1e-6f,
            1e-2f, 2, 10, 2, 0.1f, 1f, 3, 0);

    /** Larger-than-init random weights so that every tensor's gradient is well above float noise. */
    static float[] randomParams(ParamLayout layout, Rng rng) {
        float[] p = new float[layout.size()];
        for (ParamLayout.View v : layout.views())
            for (int i = 0; i < v.size(); i++)
                p[v.offset() + i] = (float) (v.kind() == ParamLayout.Kind.NORM ? 1 + 0.2 * rng.nextGaussian() : 0.3 * rng.nextGaussian());
        return p;
    }

    /** The masked mean loss from the forward pass alone. */
    static double loss(Qwen3Model model, float[] p, Workspace ws, Example ex) {
        int T = ex.length() - 1, V = model.config().vocab(), counted = 0;
        model.forward(p, model.transposed(p), ws, ex.tokens(), T);
        double sum = 0;
        for (int t = 0; t < T; t++)
            if (ex.lossMask()[t + 1]) {
                sum += CrossEntropy.loss(ws.logits, t * V, V, ex.tokens()[t + 1]);
                counted++;
            }
        return sum / counted;
    }

    @Test
    void everyTensorsGradientMatchesFiniteDifferences() {
        Qwen3Model model = new Qwen3Model(TINY);
        Rng rng = new Rng(11);
        float[] p = randomParams(model.layout(), rng);
        Example ex = new Example(new int[]{1, 5, 12, 3, 3, 0, 7, 9}, new boolean[]{false, false, true, true, false, true, true, true});
        Workspace ws = model.newWorkspace();
        double l = model.forwardBackward(p, model.transposed(p), ws, ex, 1f / 5);
        float[] grad = ws.grad.clone();
        Workspace probe = model.newWorkspace();
        assertEquals(loss(model, p, probe, ex), l / 5, 1e-6);
        for (ParamLayout.View v : model.layout().views())
            GradCheck.check(v.name(), () -> loss(model, p, probe, ex), p, v.offset(), v.size(), grad, v.offset(), rng);
    }

    @Test
    void maskedPositionsContributeNothing() {
        Qwen3Model model = new Qwen3Model(TINY);
        float[] p = randomParams(model.layout(), new Rng(5));
        int[] tokens = {1, 5, 12, 3, 3, 0};
        Workspace ws = model.newWorkspace();
        double l = model.forwardBackward(p, model.transposed(p), ws, new Example(tokens, new boolean[6]), 1f);
        assertEquals(0, l);
        for (float g : ws.grad) assertEquals(0f, g);
        // changing the target of an unmasked position leaves the loss and gradient unchanged
        boolean[] mask = {false, true, true, false, false, false};
        Workspace a = model.newWorkspace(), b = model.newWorkspace();
        double la = model.forwardBackward(p, model.transposed(p), a, new Example(tokens, mask), 1f);
        double lb = model.forwardBackward(p, model.transposed(p), b, new Example(new int[]{1, 5, 12, 3, 9, 0}, mask), 1f);
        // exactly: the kernels round the same way whether the JIT has compiled them yet or not
        assertEquals(la, lb);
        TrainerTest.assertSameBits(a.grad, b.grad, "gradients");
    }
}
