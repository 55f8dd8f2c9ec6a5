package dev.bgl.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each tensor of the model lives in one flat float array. Parameters, gradients, AdamW
 * moments and the transposed weights all use this layout, so an index means the same weight in
 * each of them. Matrices are row-major [out][in] as in the engine (GGUF dims {in, out}).
 */
public final class ParamLayout {
    public enum Kind {
        /** token_embd, also the tied output head */
        EMBEDDING,
        /** projections: AdamW decays them */
        MATRIX,
        /** RMSNorm gains */
        NORM
    }

    /** One tensor: {@code rows × cols} floats from {@code offset}; a vector has rows = 1. */
    public record View(String name, Kind kind, int offset, int rows, int cols) {
        public int size() {
            return rows * cols;
        }
    }

    /** The views of one transformer block. */
    public record Layer(View attnNorm, View wq, View wk, View wv, View qNorm, View kNorm, View wo,
                        View ffnNorm, View wGate, View wUp, View wDown) {
    }

    private final List<View> views = new ArrayList<>();
    private final View embedding, outputNorm;
    private final Layer[] layers;
    private int size;

    public ParamLayout(TrainConfig c) {
        embedding = add("token_embd.weight", Kind.EMBEDDING, c.vocab(), c.dim());
        layers = new Layer[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            layers[l] = new Layer(
                    add(p + "attn_norm.weight", Kind.NORM, 1, c.dim()),
                    add(p + "attn_q.weight", Kind.MATRIX, c.qDim(), c.dim()),
                    add(p + "attn_k.weight", Kind.MATRIX, c.kvDim(), c.dim()),
                    add(p + "attn_v.weight", Kind.MATRIX, c.kvDim(), c.dim()),
                    add(p + "attn_q_norm.weight", Kind.NORM, 1, c.headDim()),
                    add(p + "attn_k_norm.weight", Kind.NORM, 1, c.headDim()),
                    add(p + "attn_output.weight", Kind.MATRIX, c.dim(), c.qDim()),
                    add(p + "ffn_norm.weight", Kind.NORM, 1, c.dim()),
                    add(p + "ffn_gate.weight", Kind.MATRIX, c.ffnDim(), c.dim()),
                    add(p + "ffn_up.weight", Kind.MATRIX, c.ffnDim(), c.dim()),
                    add(p + "ffn_down.weight", Kind.MATRIX, c.dim(), c.ffnDim()));
        }
        outputNorm = add("output_norm.weight", Kind.NORM, 1, c.dim());
    }

    private View add(String name, Kind kind, int rows, int cols) {
        long end = (long) size + (long) rows * cols;
        if (end > Integer.MAX_VALUE - 16) throw new dev.bgl.util.BglException("model too large for one float array: " + end + " parameters");
        View v = new View(name, kind, size, rows, cols);
        views.add(v);
        size = (int) end;
        return v;
    }

    /** Total floats. */
    public int size() {
        return size;
    }

    /** All tensors in file order. */
    public List<View> views() {
        return List.copyOf(views);
    }

    public View embedding() {
        return embedding;
    }

    public View outputNorm() {
        return outputNorm;
    }

    public Layer layer(int l) {
        return layers[l];
    }

    public int layers() {
        return layers.length;
    }
}
