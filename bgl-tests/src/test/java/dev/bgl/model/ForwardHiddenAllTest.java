package dev.bgl.model;

import dev.bgl.format.GgmlType;
import dev.bgl.tokenizer.ByteLevelVocab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Hidden states at every position of a teacher-forced sequence equal those of feeding tokens one at a time. */
class ForwardHiddenAllTest {
    @TempDir
    Path dir;

    @Test
    void everyPositionMatchesTokenByTokenFeeding() throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path f = dir.resolve("m.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 3, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 256, 1e6f, 1e-6f, false, 7, "t"), vocab::writeTo, f);
        try (GgufModelSource src = GgufModelSource.open(f)) {
            Transformer m = new Transformer(src);
            ModelConfig c = m.config();
            SplittableRandom rnd = new SplittableRandom(1);
            int prefix = 5, n = 70; // more than two chunks of 32, after a prefix already in the cache
            int[] tokens = new int[prefix + n];
            for (int i = 0; i < tokens.length; i++) tokens[i] = rnd.nextInt(c.vocabSize());
            Transformer.State all = m.newState(128, true);
            m.forward(all, tokens, 0, prefix, null, false, null);
            int per = (c.layers() + 2) * c.dim();
            float[] out = new float[n * per];
            m.forwardHiddenAll(all, tokens, prefix, n, out);
            assertEquals(prefix + n, all.cache.length);

            Transformer.State one = m.newState(128, true);
            HiddenStates hs = HiddenStates.allocate(c);
            float[] logits = new float[c.vocabSize()];
            m.forward(one, tokens, 0, prefix, null, false, null);
            for (int i = 0; i < n; i++) {
                m.forward(one, tokens, prefix + i, 1, logits, false, hs);
                for (int k = 0; k < c.layers() + 2; k++) {
                    float[] want = k == 0 ? hs.embedding() : k <= c.layers() ? hs.layers()[k - 1] : hs.finalNorm();
                    for (int j = 0; j < c.dim(); j++) {
                        float got = out[i * per + k * c.dim() + j];
                        assertEquals(want[j], got, 2e-4f * Math.max(1f, Math.abs(want[j])), "position " + i + " vector " + k + " component " + j);
                    }
                }
            }
        }
    }

    @Test
    void tooSmallABufferOrAFullContextIsRefused() throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path f = dir.resolve("m.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 1, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 256, 1e6f, 1e-6f, false, 7, "t"), vocab::writeTo, f);
        try (GgufModelSource src = GgufModelSource.open(f)) {
            Transformer m = new Transformer(src);
            int per = (m.config().layers() + 2) * m.config().dim();
            assertThrows(IllegalArgumentException.class, () -> m.forwardHiddenAll(m.newState(16, true), new int[]{1, 2}, 0, 2, new float[per]));
            assertThrows(dev.bgl.util.BglException.class, () -> m.forwardHiddenAll(m.newState(1, true), new int[]{1, 2}, 0, 2, new float[2 * per]));
        }
    }
}
