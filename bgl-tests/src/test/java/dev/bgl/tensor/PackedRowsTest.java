package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Weights packed in row groups ({@link PackedRows}) give the products and values of the stored rows. */
class PackedRowsTest {
    @BeforeEach
    void needsWideVectors() {
        Assumptions.assumeTrue(PackedRows.enabled(), "packing needs vectors of at least 8 floats");
    }

    /** Every row of a packed matvec against the scalar reference dot of the source row. */
    private static void matvecMatchesReference(Tensor w, float[] x) {
        // MXFP4's table lookup needs 16-lane vectors (AVX-512); with 8 (AVX2) its rows stay with the row kernel
        Assumptions.assumeTrue(w.type() != GgmlType.MXFP4 || MXFP4Packed.available(), "MXFP4 packs with 16-lane vectors only");
        Tensor p = w.packedForProducts();
        assertNotNull(p.packed(), "packed");
        float[] got = new float[w.rows()], ref = new float[w.rows()];
        Kernels.matvec(p, x, got, new Activations(w.cols()));
        Kernels.matvecReference(w, x, ref, new Activations(w.cols()));
        for (int r = 0; r < w.rows(); r++)
            assertEquals(ref[r], got[r], 2e-5f * Math.max(1, Math.abs(ref[r])), w.type() + " row " + r);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K", "MXFP4"})
    void randomRowsMatchTheReferenceDot(GgmlType type) {
        Random rnd = new Random(7);
        int rows = 3 * PackedRows.G + 5; // 5 rows past the groups
        // 7 and 3 blocks per row: one slice per block; 8: the kernels read four blocks through one slice
        for (int blocks : new int[]{type.blockSize == 32 ? 7 : 3, 8}) {
            int cols = blocks * type.blockSize;
            matvecMatchesReference(KernelCheck.randomTensor(rnd, type, rows, cols), KernelCheck.gaussian(rnd, cols, 1));
        }
    }

    /**
     * A kernel's two-group pass ({@link PackedKernel#matvecTwo}) gives each group bitwise what
     * {@link PackedKernel#matvec} gives it alone, for groups far apart and in either order, at
     * every slice length (1, 4 and 8 blocks a slice); and the whole product, which pairs each
     * range's halves and leaves an odd group to matvec, gives every row bitwise.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K", "MXFP4"})
    void twoGroupsInOnePassAreBitwiseOneAtATime(GgmlType type) {
        Assumptions.assumeTrue(type != GgmlType.MXFP4 || MXFP4Packed.available(), "MXFP4 packs with 16-lane vectors only");
        Random rnd = new Random(13);
        int g = PackedRows.G;
        for (int blocks : type.blockSize == 32 ? new int[]{7, 12, 16} : new int[]{3, 4}) {
            int cols = blocks * type.blockSize, groups = 9;
            PackedRows p = KernelCheck.randomTensor(rnd, type, groups * g, cols).packedForProducts().packed();
            Activations a = new Activations(cols).encode(TypeKernel.of(p.type()).activationType(),
                    KernelCheck.gaussian(rnd, cols, 1), 0, cols);
            if (p.kernel().readsFloatPairs()) a.ensureFloatPairs();
            float[] alone = new float[groups * g];
            for (int i = 0; i < groups; i++) p.kernel().matvec(p.data(), i * p.groupBytes(), cols, a, alone, i * g);
            for (int[] pair : new int[][]{{0, 8}, {5, 1}, {3, 4}}) {
                float[] two = new float[2 * g];
                p.kernel().matvecTwo(p.data(), pair[0] * p.groupBytes(), pair[1] * p.groupBytes(), cols, a, two, 0, g);
                for (int r = 0; r < g; r++) {
                    assertEquals(Float.floatToRawIntBits(alone[pair[0] * g + r]), Float.floatToRawIntBits(two[r]), type + " " + blocks + " blocks: group " + pair[0] + " row " + r);
                    assertEquals(Float.floatToRawIntBits(alone[pair[1] * g + r]), Float.floatToRawIntBits(two[g + r]), type + " " + blocks + " blocks: group " + pair[1] + " row " + r);
                }
            }
            float[] all = new float[groups * g];
            Kernels.matvec(p, a, all);
            for (int r = 0; r < all.length; r++)
                assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(all[r]), type + " " + blocks + " blocks: row " + r + " of the whole product");
        }
    }

    /**
     * The largest products: every weight at its extreme level and every activation quant at ±127,
     * so each 16-bit lane holds its full count of products (Q4_K: 16 × 15·127 = 30480) and each
     * int lane two such halves (60960, past what the one-shift pair sum of the row kernels allows).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K", "MXFP4"})
    void extremeProductsDoNotOverflow(GgmlType type) {
        int rows = PackedRows.G, cols = 512;
        float[] w = new float[rows * cols], x = new float[cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) w[r * cols + c] = r % 2 == 0 ? 1 : (type == GgmlType.Q4_K ? 1 : -1);
        Arrays.fill(x, 1);
        Tensor t = Tensor.quantize("w", type, w, rows, cols);
        matvecMatchesReference(t, x);
        x[0] = -1; // the activation scale then comes from a negative maximum
        matvecMatchesReference(t, x);
    }

    /**
     * Q8_0's sums at their bounds: a file may hold the quant -128, which quantising floats never
     * writes. Every weight -128 against activation quants all 127 and then all -127: each 16-bit
     * lane of the packed product, two products, reaches -32512 and then +32512, the most 16 bits
     * may hold here.
     */
    @Test
    void q8_0QuantsAtMinus128SumWithoutOverflow() {
        int rows = PackedRows.G, cols = 256;
        long rowBytes = GgmlType.Q8_0.bytesFor(cols);
        MemorySegment seg = Arena.ofAuto().allocate(rowBytes * rows, 16);
        for (long b = 0; b < seg.byteSize(); b += 34) {
            seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, b, (short) 0x3C00); // scale 1.0
            for (int i = 0; i < 32; i++) seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, b + 2 + i, (byte) -128);
        }
        Tensor t = new Tensor("w", GgmlType.Q8_0, seg, rows, cols);
        float[] x = new float[cols];
        Arrays.fill(x, 1);
        matvecMatchesReference(t, x);
        Arrays.fill(x, -1);
        matvecMatchesReference(t, x);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K", "MXFP4"})
    void dequantisedGroupsHoldTheSourceRowsInPackedOrder(GgmlType type) {
        Random rnd = new Random(3);
        int g = PackedRows.G, rows = 2 * g, cols = 512;
        Tensor w = KernelCheck.randomTensor(rnd, type, rows, cols);
        PackedRows p = w.packedForProducts().packed();
        // MXFP4's table lookup packs only with 16-lane vectors (AVX-512)
        org.junit.jupiter.api.Assumptions.assumeTrue(p != null, type + " is not packed on this machine's vectors");
        float[] tile = new float[g * cols], row = new float[cols];
        for (int group = 0; group < 2; group++) {
            p.kernel().dequantize(p.data(), group * p.groupBytes(), cols, tile);
            for (int r = 0; r < g; r++) {
                w.row(group * g + r, row);
                float[] got = new float[cols];
                for (int c = 0; c < cols; c++) got[c] = tile[(c / 2) * 2 * g + 2 * r + (c & 1)];
                assertArrayEquals(row, got, type + " row " + (group * g + r));
            }
        }
    }

    /** A Q8_0 matrix of G rows whose block {@code i} (row-major over rows and blocks) has scale bits {@code scale(i)} and all quants 1. */
    private static Tensor q8WithScales(int blocks, java.util.function.IntUnaryOperator scale) {
        int g = PackedRows.G, cols = 32 * blocks;
        Tensor w = Tensor.quantize("w", GgmlType.Q8_0, new float[g * cols], g, cols);
        long rowBytes = w.rowBytes();
        for (int r = 0; r < g; r++)
            for (int b = 0; b < blocks; b++) {
                long base = r * rowBytes + 34L * b;
                w.data().set(F16Kernel.I16, base, (short) scale.applyAsInt(r * blocks + b));
                for (int c = 0; c < 32; c++) w.data().set(java.lang.foreign.ValueLayout.JAVA_BYTE, base + 2 + c, (byte) 1);
            }
        return w;
    }

    /**
     * Packed Q8_0 keeps its scales as F16 and widens them in vector lanes: every finite one of the
     * 65536 values (subnormals and -0 included) comes out as the source's, in the dequantised tile
     * and in the product, where the widening's 2^112 is folded into the activation's scale.
     */
    @Test
    void everyFiniteF16ScaleWidensExactly() {
        int g = PackedRows.G, finite = 2 * 31 * 1024, blocks = finite / g, cols = 32 * blocks;
        // the finite halves in order: exponent field 0..30 for each sign
        Tensor w = q8WithScales(blocks, i -> i < finite / 2 ? i : 0x8000 | (i - finite / 2));
        PackedRows p = w.packedForProducts().packed();
        float[] tile = new float[g * cols], row = new float[cols];
        p.kernel().dequantize(p.data(), 0, cols, tile);
        for (int r = 0; r < g; r++) {
            w.row(r, row);
            for (int c = 0; c < cols; c += 32)
                assertEquals(Float.floatToRawIntBits(row[c]), Float.floatToRawIntBits(tile[(c / 2) * 2 * g + 2 * r]),
                        "F16 0x" + Integer.toHexString(r * blocks + c / 32) + ": " + row[c] + " vs " + tile[(c / 2) * 2 * g + 2 * r]);
        }
        // the product, one block of one scale per row, against what the kernel computed before the fold:
        // the block's integer sum times the scale and the activation's scale, round(isum · round(d · xs))
        float[] x = new float[32], got = new float[g];
        java.util.Arrays.fill(x, 0.5f);
        Activations a = new Activations(32);
        for (int s = 0; s < 0x10000; s += 1 + s % 7) {
            if ((s & 0x7C00) == 0x7C00) continue;
            int bits = s;
            Tensor one = q8WithScales(1, i -> bits ^ (i & 1) << 15), onePacked = one.packedForProducts(); // both signs within a group
            assertNotNull(onePacked.packed(), "F16 0x" + Integer.toHexString(s) + " is finite and packs");
            Kernels.matvec(onePacked, x, got, a);
            int isum = 0;
            for (int c = 0; c < 32; c++) isum += a.qs[c];
            for (int r = 0; r < g; r++) {
                float expected = isum * (Float.float16ToFloat((short) (bits ^ (r & 1) << 15)) * a.scale[0]) + 0f; // added to the +0 the sums start at
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got[r]), "F16 0x" + Integer.toHexString(s) + " row " + r);
            }
        }
    }

    /** A Q8_0 matrix with an Inf or NaN scale is not packed (the packed widening carries finite halves only): its products keep the row kernel's Inf and NaN. */
    @Test
    void aNonFiniteScaleLeavesTheMatrixUnpacked() {
        int g = PackedRows.G, blocks = 4;
        for (int bad : new int[]{0x7C00, 0xFC00, 0x7E00, 0x7C01}) {
            Tensor w = q8WithScales(blocks, i -> i == g * blocks - 1 ? bad : 0x3C00); // the last row's last block
            Tensor p = w.packedForProducts();
            assertNull(p.packed(), "F16 0x" + Integer.toHexString(bad));
            float[] x = new float[32 * blocks], out = new float[g];
            java.util.Arrays.fill(x, 1f);
            Kernels.matvec(p, x, out, new Activations(x.length));
            float carried = Float.float16ToFloat((short) bad); // +-Inf or NaN, as the row kernel carries it
            if (Float.isNaN(carried)) assertTrue(Float.isNaN(out[g - 1]), "F16 0x" + Integer.toHexString(bad) + ": " + out[g - 1]);
            else assertEquals(carried, out[g - 1], "F16 0x" + Integer.toHexString(bad));
            assertEquals(32f * blocks, out[0], 0.01f);
        }
        Tensor fine = q8WithScales(blocks, i -> 0x3C00);
        assertNotNull(fine.packedForProducts().packed(), "finite scales pack");
    }

    /** Few tokens take packed matvecs, many the tiled product over dequantised groups: both as for the source. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K", "MXFP4"})
    void batchedProductsMatchTheSource(GgmlType type) {
        Random rnd = new Random(5);
        int rows = 2 * PackedRows.G + 3, cols = 512;
        Tensor w = KernelCheck.randomTensor(rnd, type, rows, cols), p = w.packedForProducts();
        for (int n : new int[]{3, Kernels.TILE_GEMM_MIN_TOKENS + 1}) {
            float[] x = KernelCheck.gaussian(rnd, n * cols, 1), got = new float[n * rows], ref = new float[n * rows];
            Activations[] s = new Activations[n];
            for (int i = 0; i < n; i++) s[i] = new Activations(cols);
            Kernels.matmul(p, x, n, got, s);
            Kernels.matmul(w, x, n, ref, s);
            for (int i = 0; i < got.length; i++)
                assertEquals(ref[i], got[i], 1e-4f * Math.max(1, Math.abs(ref[i])), type + " n=" + n + " at " + i);
        }
    }

    /**
     * The tiled product multiplies tokens a block at a time (padding the last block): a token's
     * sums must not depend on which block it lands in or how full that block is, so a prompt's
     * logits do not depend on how it was cut into chunks.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K"})
    void aTokensProductDoesNotDependOnItsBatch(GgmlType type) {
        Random rnd = new Random(11);
        int rows = 2 * PackedRows.G, cols = 256, n = 3 * TileGemm.TOKENS + 2;
        Tensor p = KernelCheck.randomTensor(rnd, type, rows, cols).packedForProducts();
        float[] x = KernelCheck.gaussian(rnd, n * cols, 1), all = new float[n * rows];
        Activations[] s = new Activations[n];
        for (int i = 0; i < n; i++) s[i] = new Activations(cols);
        Kernels.matmul(p, x, n, all, s);
        for (int from : new int[]{1, TileGemm.TOKENS - 1, 2 * TileGemm.TOKENS + 1}) {
            int m = Math.max(Kernels.TILE_GEMM_MIN_TOKENS, n - from - 1);
            if (from + m > n) from = n - m;
            float[] part = new float[m * rows];
            Kernels.matmul(p, java.util.Arrays.copyOfRange(x, from * cols, (from + m) * cols), m, part, s);
            for (int i = 0; i < m * rows; i++)
                assertEquals(Float.floatToRawIntBits(all[from * rows + i]), Float.floatToRawIntBits(part[i]),
                        type + ": token " + (from + i / rows) + " row " + i % rows + " alone from " + from + ": " + all[from * rows + i] + " vs " + part[i]);
        }
    }

    /** Matrices packed as one (q, k and v; gate and up): its product is every product, and each part's view multiplies as that matrix packed alone. */
    @Test
    void stackedMatricesMultiplyAsEachAlone() {
        Random rnd = new Random(7);
        int g = PackedRows.G;
        for (GgmlType type : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
            int cols = 512;
            Tensor[] parts = {KernelCheck.randomTensor(rnd, type, 3 * g, cols), KernelCheck.randomTensor(rnd, type, 2 * g, cols),
                    KernelCheck.randomTensor(rnd, type, g, cols)};
            assertTrue(PackedRows.stackable(parts), type + " stackable");
            PackedRows all = PackedRows.stack(parts);
            Tensor[] views = PackedRows.views(all, parts);
            float[] x = KernelCheck.gaussian(rnd, cols, 1), gotAll = new float[6 * g];
            Kernels.matvec(all, Kernels.encodeFor(parts[0], x, new Activations(cols)), gotAll);
            int first = 0;
            for (int i = 0; i < parts.length; i++) {
                int rows = parts[i].rows();
                float[] want = new float[rows], got = new float[rows];
                Kernels.matvec(parts[i].packedForProducts(), x, want, new Activations(cols));
                Kernels.matvec(views[i], x, got, new Activations(cols));
                assertArrayEquals(want, got, type + " part " + i + " viewed");
                assertArrayEquals(want, java.util.Arrays.copyOfRange(gotAll, first, first + rows), type + " part " + i + " in the stacked product");
                first += rows;
            }
        }
        // rows that are not whole groups, other types or lengths: not stackable, and refused by name
        Tensor q8 = KernelCheck.randomTensor(rnd, GgmlType.Q8_0, g, 256);
        for (Tensor other : new Tensor[]{KernelCheck.randomTensor(rnd, GgmlType.Q8_0, g + 1, 256), KernelCheck.randomTensor(rnd, GgmlType.Q4_K, g, 256),
                KernelCheck.randomTensor(rnd, GgmlType.Q8_0, g, 512)}) {
            assertFalse(PackedRows.stackable(q8, other), other.rows() + "x" + other.cols() + " " + other.type());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PackedRows.stack(q8, other));
            assertTrue(e.getMessage().contains(q8.name()), e.getMessage());
        }
        PackedRows p = PackedRows.stack(q8, q8);
        assertThrows(IllegalArgumentException.class, () -> p.rows(1, g));
        assertThrows(IllegalArgumentException.class, () -> p.rows(g, 2 * g));
    }

    @Test
    void typesAndShapesThatDoNotPackStayAsStored() {
        Random rnd = new Random(1);
        Tensor f32 = KernelCheck.randomTensor(rnd, GgmlType.F32, PackedRows.G, 64);
        assertSame(f32, f32.packedForProducts());
        Tensor fewRows = KernelCheck.randomTensor(rnd, GgmlType.Q8_0, PackedRows.G - 1, 64);
        assertNull(fewRows.packedForProducts().packed());
        String old = System.getProperty("bgl.repack");
        System.setProperty("bgl.repack", "false");
        try {
            assertNull(KernelCheck.randomTensor(rnd, GgmlType.Q8_0, PackedRows.G, 64).packedForProducts().packed());
        } finally {
            if (old == null) System.clearProperty("bgl.repack");
            else System.setProperty("bgl.repack", old);
        }
    }

    /** Packing a mapped tensor releases its pages, which stay readable (they come back from the file). */
    @Test
    void mappedSourceStaysReadableAfterItsPagesAreReleased(@TempDir Path dir) throws IOException {
        Random rnd = new Random(2);
        int rows = 4 * PackedRows.G, cols = 256;
        Tensor heap = KernelCheck.randomTensor(rnd, GgmlType.Q4_K, rows, cols);
        Path file = dir.resolve("w.bin");
        Files.write(file, heap.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Tensor w = new Tensor("w", GgmlType.Q4_K, mapped, rows, cols);
            Tensor p = w.packedForProducts();
            float[] a = new float[cols], b = new float[cols];
            for (int r = 0; r < rows; r++) {
                p.row(r, a);
                heap.row(r, b);
                assertArrayEquals(b, a, "row " + r);
            }
            matvecMatchesReference(heap, KernelCheck.gaussian(rnd, cols, 1));
        }
    }
}
