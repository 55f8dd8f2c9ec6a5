package dev.bgl.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

/**
 * The kernels on narrower vectors than this machine's (AVX2-like 256-bit, SSE/NEON-like 128-bit):
 * a child JVM with {@code -XX:MaxVectorSize} makes the preferred species narrower, which changes
 * every loop step and, at 128 bits, the byte→int widening (two parts per byte vector).
 */
class NarrowVectorTest {

    @ParameterizedTest
    @ValueSource(ints = {16, 32})
    void kernelsAgreeWithReferenceOnNarrowerVectors(int maxVectorBytes) throws IOException, InterruptedException {
        NarrowJvm.assertPasses(NarrowVectorMain.class, maxVectorBytes, 60, "-XX:TieredStopAtLevel=1");
    }
}
