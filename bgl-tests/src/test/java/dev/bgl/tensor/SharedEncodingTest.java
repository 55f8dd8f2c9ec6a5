package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Products of one input that share its encoding ({@link Kernels#matvecSharing}) give what each product alone gives. */
class SharedEncodingTest {
    @Test
    void sharingGivesEachProductsOwnResultAndReencodesWhenTheTypeChanges() {
        Random rnd = new Random(3);
        int cols = 512;
        // Q8_0 (packed and not) share a Q8_0 encoding; Q4_K takes Q8_K, F32 takes floats: the chain re-encodes for those
        Tensor[] ws = {
                KernelCheck.randomTensor(rnd, GgmlType.Q8_0, 48, cols).packedForProducts(),
                KernelCheck.randomTensor(rnd, GgmlType.Q8_0, 40, cols),
                KernelCheck.randomTensor(rnd, GgmlType.Q4_K, 32, cols),
                KernelCheck.randomTensor(rnd, GgmlType.Q6_K, 32, cols).packedForProducts(),
                KernelCheck.randomTensor(rnd, GgmlType.F32, 24, cols),
                KernelCheck.randomTensor(rnd, GgmlType.Q8_0, 16, cols).packedForProducts(),
                // MXFP4's packed kernel reads float pairs formed once per encoding: a second input must not see the first's
                KernelCheck.randomTensor(rnd, GgmlType.MXFP4, 32, cols).packedForProducts(),
                KernelCheck.randomTensor(rnd, GgmlType.MXFP4, 16, cols).packedForProducts()};
        Activations scratch = new Activations(cols);
        for (int input = 0; input < 2; input++) {
            float[] x = KernelCheck.gaussian(rnd, cols, 1);
            Activations encoded = null;
            for (Tensor w : ws) {
                float[] got = new float[w.rows()], want = new float[w.rows()];
                encoded = Kernels.matvecSharing(w, x, encoded, got, scratch);
                Kernels.matvec(w, x, want, new Activations(cols)); // a fresh encoding: nothing from before
                assertArrayEquals(want, got, w.type() + " sharing, input " + input);
                assertSame(scratch, encoded);
                assertTrue(Kernels.encodedFor(w, encoded));
            }
        }
    }

    @Test
    void anEncodingOfAnotherTypeOrLengthIsRefusedNamingTheTensor() {
        Random rnd = new Random(4);
        Tensor q8 = KernelCheck.randomTensor(rnd, GgmlType.Q8_0, 16, 256);
        Tensor k = KernelCheck.randomTensor(rnd, GgmlType.Q4_K, 16, 256);
        Activations a = Kernels.encodeFor(q8, KernelCheck.gaussian(rnd, 256, 1), new Activations(512));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Kernels.matvec(k, a, new float[16]));
        assertTrue(e.getMessage().contains(k.name()) && e.getMessage().contains("Q8_K"), e.getMessage());
        Activations shorter = new Activations(512).encode(ActivationType.Q8_0, new float[512], 0, 128);
        assertThrows(IllegalArgumentException.class, () -> Kernels.matvec(q8, shorter, new float[16]));
    }
}
