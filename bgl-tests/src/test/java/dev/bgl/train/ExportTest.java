package dev.bgl.train;

import dev.bgl.format.GgufFile;
import dev.bgl.model.GgufModelSource;
import dev.bgl.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A model trained a few steps, exported to GGUF, gives the same logits in the engine as in the trainer. */
class ExportTest {
    @TempDir
    Path dir;

    @Test
    void engineLogitsEqualTrainerLogits() throws Exception {
        // vocab 281: the built-in byte-level tokenizer
        TrainConfig c = new TrainConfig(32, 2, 4, 2, 16, 64, 281, 40, 1_000_000f, 1e-6f,
                3e-3f, 2, 6, 4, 0.1f, 1f, 9, 0);
        Rng rng = new Rng(3);
        java.util.List<Example> data = new java.util.ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int n = 10 + i % 20;
            int[] t = new int[n];
            boolean[] m = new boolean[n];
            for (int j = 0; j < n; j++) {
                t[j] = (int) (rng.nextDouble() * 281);
                m[j] = j > 2;
            }
            data.add(new Example(t, m));
        }
        TrainState s = Trainer.train(c, data.iterator(), null, null);
        assertEquals(6, s.step);
        Path gguf = dir.resolve("trained.gguf");
        ModelExport.writeGguf(s.params, c, gguf);

        int[] tokens = new int[37];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 37 + 11) % 281;
        float[] ours = Trainer.logits(c, s.params, tokens, tokens.length);
        try (GgufModelSource src = GgufModelSource.open(gguf)) {
            assertEquals(c.modelConfig(), src.config());
            assertTrue(src.find("output.weight").isEmpty(), "tied embeddings: no output.weight");
            assertEquals(281, src.file().meta().strings("tokenizer.ggml.tokens").length);
            Transformer tr = new Transformer(src);
            Transformer.State st = tr.newState(64, false);
            float[] engine = new float[tokens.length * 281];
            tr.forward(st, tokens, 0, tokens.length, engine, true, null);
            double maxDiff = 0, maxAbs = 0;
            for (int i = 0; i < engine.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(engine[i] - ours[i]));
                maxAbs = Math.max(maxAbs, Math.abs(ours[i]));
            }
            assertTrue(maxAbs > 0.01, "logits are not trivially zero: " + maxAbs);
            assertTrue(maxDiff <= 1e-4, "max |engine − trainer| logit difference " + maxDiff);
        }
    }
}
