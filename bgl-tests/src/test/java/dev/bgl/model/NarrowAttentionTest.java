package dev.bgl.model;

import dev.bgl.tensor.NarrowJvm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

/**
 * Attention on narrower vectors than this machine's, as {@code dev.bgl.tensor.NarrowVectorTest}
 * runs the kernels: a child JVM with {@code -XX:MaxVectorSize}. At 128 bits (NEON, SSE) attention
 * used to fail to start ("Bad vector bit-size: 32": a Q8_0 cache's 4 byte lanes are under the
 * smallest vector shape), so bgl could not run a model there at all.
 */
class NarrowAttentionTest {

    @ParameterizedTest
    @ValueSource(ints = {16, 32})
    void attentionAgreesWithPlainAttentionOnNarrowerVectors(int maxVectorBytes) throws IOException, InterruptedException {
        NarrowJvm.assertPasses(NarrowAttentionMain.class, maxVectorBytes, 120);
    }
}
