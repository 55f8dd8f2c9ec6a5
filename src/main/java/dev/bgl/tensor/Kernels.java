package dev.bgl.tensor;

/**
 * Matrix products of stored weights with float activations: {@code out = W · x}. Activations are
 * encoded once per call in the type's {@link ActivationType}; rows are split over {@link Parallel}.
 */
public final class Kernels {
    private Kernels() {
    }

    /** out[r] = dot(W[r], x) for every row r; {@code x.length >= W.cols}, {@code out.length >= W.rows}. */
    public static void matvec(Tensor w, float[] x, float[] out, Activations scratch) {
        TypeKernel k = w.kernel();
        Activations a = scratch.encode(k.activationType(), x, 0, w.cols());
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        Parallel.forRange(w.rows(), 64, (start, end) -> {
            for (int r = start; r < end; r++) out[r] = k.dot(w.data(), r * rowBytes, a, 0, cols);
        });
    }

    /**
     * Batched product for prefill: {@code x} holds {@code n} activation rows of {@code W.cols}
     * floats, {@code out} receives {@code n} rows of {@code W.rows} floats.
     */
    public static void matmul(Tensor w, float[] x, int n, float[] out, Activations[] scratch) {
        TypeKernel k = w.kernel();
        int cols = w.cols(), rows = w.rows();
        for (int i = 0; i < n; i++) scratch[i].encode(k.activationType(), x, i * cols, cols);
        long rowBytes = w.rowBytes();
        // rows outer so each weight row is read once while it sits in cache for all n activations
        Parallel.forRange(rows, 16, (start, end) -> {
            for (int r = start; r < end; r++) {
                long off = r * rowBytes;
                for (int i = 0; i < n; i++) out[i * rows + r] = k.dot(w.data(), off, scratch[i], 0, cols);
            }
        });
    }
}
