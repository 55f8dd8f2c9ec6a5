package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import jdk.incubator.vector.VectorShuffle;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix re-laid out for decoding: rows in groups of {@link #G} (the float lanes of a
 * vector), their blocks interleaved so that one vector holds one column pair of every row of the
 * group (see {@link PackedKernel}). llama.cpp does the same on x86 for Q4_0/Q4_K ("repack"
 * buffers), for the same reason: the dot-product kernels of row-major blocks spend most of their
 * time reducing each row to a number.
 *
 * <p>The packed copy lives in anonymous memory, about 3-6% larger than the source (row scales
 * held as floats). The source pages are released from this process ({@link MemorySegment#unload})
 * after packing, so resident memory stays about one copy of the weights; the mapping itself is
 * kept, for embedding rows and for {@link Tensor#row}.
 */
public record PackedRows(GgmlType type, MemorySegment data, int rows, int cols) {
    /** Rows per group: the float lanes, so that a group's sums fill one float vector. */
    static final int G = Species.L;
    /**
     * Lane 2r+e of the first / second half of a column pair's 2G values belongs to row r / G/2+r:
     * these spread a vector of G per-row values over those lanes (row i to lanes 2i and 2i+1).
     */
    static final VectorShuffle<Float> LOWER_ROWS = spread(0), UPPER_ROWS = spread(G / 2);
    /** Groups packed before their source pages are released: bounds the transient double residency. */
    private static final int GROUPS_PER_CHUNK = 256;

    /** Off with {@code -Dbgl.repack=false} (weights then stay as mapped); needs vectors of at least 8 floats. */
    public static boolean enabled() {
        return G >= 8 && !"false".equals(System.getProperty("bgl.repack"));
    }

    /**
     * Whether {@code t} can be packed: a supported type and at least one group of rows. Rows past
     * the last whole group (a vocabulary of 151669 leaves 5) stay with the row kernels.
     */
    public static boolean packable(Tensor t) {
        return enabled() && PackedKernel.of(t.type()) != null && t.rows() >= G && t.cols() % PackedKernel.of(t.type()).blockCols() == 0;
    }

    /**
     * Packs {@code t} (which must be {@link #packable}), over {@link Parallel}'s threads, releasing its
     * source pages as it goes; null when the packed kernels would not compute it exactly
     * ({@link PackedKernel#exactFor}: a Q8_0 scale that is Inf or NaN), so that it keeps the row kernels.
     */
    public static PackedRows pack(Tensor t) {
        PackedKernel k = PackedKernel.of(t.type());
        long groupBytes = k.blockBytes() * (t.cols() / k.blockCols());
        MemorySegment out = Arena.ofAuto().allocate(groupBytes * (t.rows() / G), 64);
        packInto(t, out);
        return k.exactFor(out) ? new PackedRows(t.type(), out, t.rows(), t.cols()) : null;
    }

    /**
     * Whether {@code parts} can be packed as one matrix, their rows one after another ({@link #stack}):
     * each {@link #packable}, all of one type and row length, and each of whole groups of rows.
     */
    public static boolean stackable(Tensor... parts) {
        for (Tensor t : parts)
            if (!packable(t) || t.type() != parts[0].type() || t.cols() != parts[0].cols() || t.rows() % G != 0) return false;
        return parts.length > 0;
    }

    /**
     * {@code parts} ({@link #stackable}) packed into one copy, in order: one product with it gives
     * every part's product from one stream of memory, and {@link #rows} views each part for
     * products of its own. A decode step of qwen3moe takes an expert's gate and up products this
     * way: 16 matrices of 400 KB a layer became 8 of 800 KB, and every matrix read from cold
     * memory starts slower than the stream it then becomes. Null, as {@link #pack}, when the packed
     * kernels would not compute the parts exactly.
     */
    public static PackedRows stack(Tensor... parts) {
        if (!stackable(parts)) {
            StringBuilder names = new StringBuilder();
            for (Tensor t : parts) names.append(names.isEmpty() ? "" : ", ").append('\'').append(t.name()).append('\'');
            throw new IllegalArgumentException("tensors " + names + " cannot be packed as one matrix");
        }
        PackedKernel k = PackedKernel.of(parts[0].type());
        long groupBytes = k.blockBytes() * (parts[0].cols() / k.blockCols()), total = 0;
        int rows = 0;
        for (Tensor t : parts) {
            total += groupBytes * (t.rows() / G);
            rows += t.rows();
        }
        MemorySegment out = Arena.ofAuto().allocate(total, 64);
        long at = 0;
        for (Tensor t : parts) {
            long bytes = groupBytes * (t.rows() / G);
            packInto(t, out.asSlice(at, bytes));
            at += bytes;
        }
        return k.exactFor(out) ? new PackedRows(parts[0].type(), out, rows, parts[0].cols()) : null;
    }

    /** Each of {@code parts} as a view of its rows in {@code stacked} ({@link #stack} of them, in that order). */
    public static Tensor[] views(PackedRows stacked, Tensor... parts) {
        Tensor[] out = new Tensor[parts.length];
        int first = 0;
        for (int i = 0; i < parts.length; i++) {
            Tensor t = parts[i];
            out[i] = new Tensor(t.name(), t.type(), t.data(), t.rows(), t.cols(), stacked.rows(first, t.rows()));
            first += t.rows();
        }
        return out;
    }

    /** Rows {@code [first, first + count)} of this copy, both multiples of {@link #G}: a view, no copy. */
    public PackedRows rows(int first, int count) {
        if (first % G != 0 || count % G != 0 || first < 0 || count < 0 || first + count > groups() * G)
            throw new IllegalArgumentException("rows " + first + ".." + (first + count) + " are not whole groups of " + G + " within " + rows);
        long groupBytes = groupBytes();
        return new PackedRows(type, data.asSlice(first / G * groupBytes, count / G * groupBytes), count, cols);
    }

    /** Packs {@code t}'s whole groups into {@code out} (its size), releasing its source pages as it goes. */
    private static void packInto(Tensor t, MemorySegment out) {
        PackedKernel k = PackedKernel.of(t.type());
        long groupBytes = k.blockBytes() * (t.cols() / k.blockCols());
        int groups = t.rows() / G;
        long rowBytes = t.rowBytes();
        for (int g0 = 0; g0 < groups; g0 += GROUPS_PER_CHUNK) {
            int start = g0, end = Math.min(groups, g0 + GROUPS_PER_CHUNK);
            Parallel.forRange(end - start, 1, (a, b) -> {
                for (int g = start + a; g < start + b; g++) k.pack(t, g, out, g * groupBytes);
            });
            if (t.data().isMapped()) t.data().asSlice(start * G * rowBytes, (long) (end - start) * G * rowBytes).unload();
        }
    }

    /** Releases the pages of {@code t}'s stored rows that this process has mapped (none to release if it is not a file mapping). */
    public static void releaseSource(Tensor t) {
        if (t.data().isMapped() && t.data().byteSize() > 0) t.data().unload();
    }

    private static VectorShuffle<Float> spread(int first) {
        int[] idx = new int[G];
        for (int i = 0; i < G; i++) idx[i] = first + i / 2;
        return VectorShuffle.fromArray(Species.F, idx, 0);
    }

    /** Bytes this copy holds beyond the source rows it stands for (the rows past the last group stay in the source). */
    public long addedBytes(Tensor source) {
        return data.byteSize() - (long) groups() * G * source.rowBytes();
    }

    PackedKernel kernel() {
        return PackedKernel.of(type);
    }

    long groupBytes() {
        PackedKernel k = kernel();
        return k.blockBytes() * (cols / k.blockCols());
    }

    int groups() {
        return rows / G;
    }
}
