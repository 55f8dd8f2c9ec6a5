package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prefill's tiled product ({@link TileGemm}, taken by {@link Kernels#matmul} from
 * {@link Kernels#TILE_GEMM_MIN_TOKENS} tokens on) against a double-precision sum of the
 * dequantised weights and the activations as the integer kernels see them, for shapes that
 * leave partial tiles, partial 4x4 blocks and leftover tokens.
 */
class TileGemmTest {
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void matchesADoubleSum(GgmlType type) {
        check(type, 37, 512, new int[]{Kernels.TILE_GEMM_MIN_TOKENS, 9, 33});
    }

    @Test
    void columnsThatAreNotWholeVectorsUsePlainDotProducts() {
        check(GgmlType.F32, 21, 100, new int[]{8, 11});
    }

    private static void check(GgmlType type, int rows, int cols, int[] tokens) {
        assertTrue(Kernels.tileGemmPays(type) || type == GgmlType.F32, type + " should take the tiled path");
        KernelCheck.matmulMatchesDoubleSum(type, rows, cols, tokens, 31);
    }
}
