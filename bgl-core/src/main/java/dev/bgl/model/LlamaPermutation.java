package dev.bgl.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The row order of llama Q/K projections in GGUF versus HF checkpoints. HF's rotate_half pairs
 * dimension i with i + d/2 inside each head; llama.cpp's {@code llama} architecture pairs 2i with
 * 2i+1, so convert_hf_to_gguf.py ({@code LlamaModel.permute}) reorders the rows of each head:
 * {@code w.reshape(n_head, 2, d/2, cols).swapaxes(1, 2).reshape(rows, cols)}. The rotation then
 * gives the same attention scores. It is a pure row permutation, so any row type moves unchanged.
 */
public final class LlamaPermutation {
    private LlamaPermutation() {
    }

    /**
     * For each GGUF row, the HF row it holds: GGUF row {@code h*d + 2i + j} is HF row
     * {@code h*d + j*d/2 + i} (head {@code h}, head size {@code d = rows/nHead}).
     */
    public static int[] hfRowOfGgufRow(int rows, int nHead) {
        int d = headSize(rows, nHead);
        int[] order = new int[rows];
        for (int r = 0; r < rows; r++) {
            int h = r / d, rem = r % d, i = rem / 2, j = rem % 2;
            order[r] = h * d + j * (d / 2) + i;
        }
        return order;
    }

    /** The inverse: for each HF row, the GGUF row it holds (used to write HF checkpoints). */
    public static int[] ggufRowOfHfRow(int rows, int nHead) {
        int d = headSize(rows, nHead);
        int[] order = new int[rows];
        for (int s = 0; s < rows; s++) {
            int h = s / d, rem = s % d, j = rem / (d / 2), i = rem % (d / 2);
            order[s] = h * d + 2 * i + j;
        }
        return order;
    }

    private static int headSize(int rows, int nHead) {
        if (nHead <= 0 || rows % nHead != 0 || (rows / nHead) % 2 != 0)
            throw new IllegalArgumentException(rows + " rows do not split into " + nHead + " heads of even size");
        return rows / nHead;
    }

    /**
     * A copy of {@code src} (rows of {@code rowBytes}) with row {@code r} taken from source row
     * {@code order[r]}, allocated in {@code arena}.
     */
    public static MemorySegment permuteRows(MemorySegment src, long rowBytes, int[] order, Arena arena) {
        if (src.byteSize() != rowBytes * order.length)
            throw new IllegalArgumentException(src.byteSize() + " bytes are not " + order.length + " rows of " + rowBytes);
        MemorySegment dst = arena.allocate(src.byteSize(), 16);
        for (int r = 0; r < order.length; r++)
            MemorySegment.copy(src, order[r] * rowBytes, dst, r * rowBytes, rowBytes);
        return dst;
    }
}
