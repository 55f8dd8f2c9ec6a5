package dev.bgl.model;

import dev.bgl.format.FormatException;
import dev.bgl.tensor.PackedRows;
import dev.bgl.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * All of a model's weights, fetched by GGUF name from a {@link ModelSource} and checked against
 * the configured shapes, so that a wrong file fails at load with the tensor's name rather than
 * later with an index error.
 */
record Weights(Tensor tokenEmbd, LayerWeights[] layers, float[] outputNorm, Tensor output) {

    static Weights load(ModelSource src) {
        ModelConfig c = src.config();
        Tensor emb = matrix(src, "token_embd.weight", c.vocabSize(), c.dim());
        LayerWeights[] layers = new LayerWeights[c.layers()];
        boolean bias = c.architecture().qkvBias(), qkNorm = c.architecture().qkNorm(), moe = c.experts() != null;
        boolean oss = c.architecture().gptOss();
        for (int i = 0; i < c.layers(); i++) {
            String p = "blk." + i + ".";
            // q, k and v multiply one input, as do the dense gate and up: each set packed as one matrix where it can be
            Tensor[] qkv = {matrix(src, p + "attn_q.weight", c.qDim(), c.dim()), matrix(src, p + "attn_k.weight", c.kvDim(), c.dim()),
                    matrix(src, p + "attn_v.weight", c.vDim(), c.dim())};
            PackedRows qkvStack = stackWhereItCan(qkv);
            qkv = packed(qkvStack, qkv);
            Tensor[] gu = moe ? null : new Tensor[]{matrix(src, p + "ffn_gate.weight", c.ffnDim(), c.dim()), matrix(src, p + "ffn_up.weight", c.ffnDim(), c.dim())};
            PackedRows guStack = moe ? null : stackWhereItCan(gu);
            if (gu != null) gu = packed(guStack, gu);
            layers[i] = new LayerWeights(
                    vector(src, p + "attn_norm.weight", c.dim()),
                    qkv[0], qkv[1], qkv[2],
                    product(src, p + "attn_output.weight", c.dim(), c.heads() * c.valueHeadDim()),
                    bias ? vector(src, p + "attn_q.bias", c.qDim()) : null,
                    bias ? vector(src, p + "attn_k.bias", c.kvDim()) : null,
                    bias ? vector(src, p + "attn_v.bias", c.vDim()) : null,
                    qkNorm ? vector(src, p + "attn_q_norm.weight", c.headDim()) : null,
                    qkNorm ? vector(src, p + "attn_k_norm.weight", c.headDim()) : null,
                    vector(src, p + (oss ? "post_attention_norm.weight" : "ffn_norm.weight"), c.dim()),
                    moe ? null : gu[0],
                    moe ? null : gu[1],
                    moe ? null : product(src, p + "ffn_down.weight", c.dim(), c.ffnDim()),
                    moe ? experts(src, p, c) : null,
                    oss ? vector(src, p + "attn_output.bias", c.dim()) : null,
                    oss ? vector(src, p + "attn_sinks.weight", c.heads()) : null,
                    c.windowOf(i), qkvStack, guStack);
        }
        float[] outNorm = vector(src, "output_norm.weight", c.dim());
        Tensor out = (c.tiedEmbeddings() ? emb : matrix(src, "output.weight", c.vocabSize(), c.dim())).packedForProducts();
        Weights w = new Weights(emb, layers, outNorm, out);
        // Packing releases each source as it goes, but a fault maps the page cache's whole folio (up to 2 MB), so the
        // first read of a tensor re-maps the tail of the one packed before it: on a MoE file of 417 KB experts 43% of
        // the experts' source pages came back (258 MB). Released once more after all packing, they stay out.
        for (Tensor t : w.products()) if (t.packed() != null) PackedRows.releaseSource(t);
        return w;
    }

    /** Every matrix multiplied with activations (each once: a tied head is the embedding). */
    private List<Tensor> products() {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> all = new ArrayList<>(List.of(output));
        for (LayerWeights l : layers) {
            all.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo()));
            if (l.moe() == null) all.addAll(List.of(l.wGate(), l.wUp(), l.wDown()));
            else for (Tensor[] ts : List.of(l.moe().gate(), l.moe().up(), l.moe().down())) all.addAll(List.of(ts));
        }
        all.removeIf(t -> !seen.add(t));
        return all;
    }

    /**
     * Bytes the packed copies add over the stored tensors they stand for (their source pages are
     * released, so this is what packing adds to resident memory; row scales kept as floats).
     */
    long packedExtraBytes() {
        long extra = 0;
        for (Tensor t : products()) if (t.packed() != null) extra += t.packed().addedBytes(t);
        return extra;
    }

    /**
     * A MoE layer's router (kept as stored: it is small and read whole for every token) and its
     * experts, each checked and packed on its own so that a token reads only its experts' rows.
     */
    private static LayerWeights.Moe experts(ModelSource src, String p, ModelConfig c) {
        ExpertConfig e = c.experts();
        Tensor router = matrix(src, p + "ffn_gate_inp.weight", e.count(), c.dim());
        boolean oss = c.architecture().gptOss();
        Tensor[] gate = expertSet(src, p + "ffn_gate_exps.weight", e.count(), e.ffnDim(), c.dim());
        Tensor[] up = expertSet(src, p + "ffn_up_exps.weight", e.count(), e.ffnDim(), c.dim());
        PackedRows[] gateUp = new PackedRows[e.count()];
        for (int i = 0; i < e.count(); i++) { // one copy, viewed whole and as its two parts
            gateUp[i] = stackWhereItCan(gate[i], up[i]);
            Tensor[] v = packed(gateUp[i], new Tensor[]{gate[i], up[i]});
            gate[i] = v[0];
            up[i] = v[1];
        }
        Tensor[] down = expertSet(src, p + "ffn_down_exps.weight", e.count(), c.dim(), e.ffnDim());
        for (int i = 0; i < e.count(); i++) down[i] = down[i].packedForProducts();
        // each expert's first read re-maps the end of the one before it (see load): release them all again now,
        // so that the transient residency of a layer's experts does not build up over the load
        for (Tensor[] set : List.of(gate, up, down)) for (Tensor t : set) if (t.packed() != null) PackedRows.releaseSource(t);
        return new LayerWeights.Moe(router, gate, up, down,
                oss ? vector(src, p + "ffn_gate_inp.bias", e.count()) : null,
                oss ? biasSet(src, p + "ffn_gate_exps.bias", e.count(), e.ffnDim()) : null,
                oss ? biasSet(src, p + "ffn_up_exps.bias", e.count(), e.ffnDim()) : null,
                oss ? biasSet(src, p + "ffn_down_exps.bias", e.count(), c.dim()) : null,
                gateUp);
    }

    /** A 2-D bias of {@code count} experts (GGUF dims [n, count]) as one float row per expert. */
    private static float[][] biasSet(ModelSource src, String name, int count, int n) {
        float[] all = vector(src, name, count * n);
        float[][] out = new float[count][];
        for (int e = 0; e < count; e++) out[e] = java.util.Arrays.copyOfRange(all, e * n, (e + 1) * n);
        return out;
    }

    /** A 3-D expert tensor as one matrix per expert, each checked against the metadata's shape; not yet packed. */
    private static Tensor[] expertSet(ModelSource src, String name, int count, int rows, int cols) {
        Tensor[] ts = src.experts(name, count);
        if (ts.length != count) throw new FormatException(src.path(), "tensor '" + name + "' has " + ts.length + " experts, expected " + count);
        for (int i = 0; i < count; i++) {
            Tensor t = ts[i];
            if (t.rows() != rows || t.cols() != cols)
                throw new FormatException(src.path(), "expert " + i + " of '" + name + "' has shape [" + t.cols() + ", " + t.rows()
                        + "], expected [" + cols + ", " + rows + "] (GGUF order)");
        }
        return ts;
    }

    /**
     * Stored bytes of the experts a token does not use: the (count - used) / count share of every
     * layer's expert tensors (0 for a dense model). Weights less this is what a decode step reads.
     */
    long unusedExpertBytes(ExpertConfig e) {
        if (e == null) return 0;
        long all = 0;
        for (LayerWeights l : layers)
            for (Tensor[] ts : List.of(l.moe().gate(), l.moe().up(), l.moe().down()))
                for (Tensor t : ts) all += t.data().byteSize();
        return all / e.count() * (e.count() - e.used());
    }

    /** {@code parts} packed as one matrix ({@link PackedRows#stack}) where they can be, else null. */
    private static PackedRows stackWhereItCan(Tensor... parts) {
        return PackedRows.stackable(parts) ? PackedRows.stack(parts) : null;
    }

    /** {@code parts} as views of {@code stacked} (their {@link PackedRows#stack}), or each packed alone when it is null. */
    private static Tensor[] packed(PackedRows stacked, Tensor[] parts) {
        if (stacked != null) return PackedRows.views(stacked, parts);
        Tensor[] out = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = parts[i].packedForProducts();
        return out;
    }

    /** A layer's matrix, checked and packed for products ({@link Tensor#packedForProducts}). */
    private static Tensor product(ModelSource src, String name, int rows, int cols) {
        return matrix(src, name, rows, cols).packedForProducts();
    }

    private static Tensor matrix(ModelSource src, String name, int rows, int cols) {
        Tensor t = src.tensor(name);
        if (t.rows() != rows || t.cols() != cols)
            throw new FormatException(src.path(), "tensor '" + name + "' has shape [" + t.cols() + ", " + t.rows()
                    + "], expected [" + cols + ", " + rows + "] (GGUF order)");
        return t;
    }

    private static float[] vector(ModelSource src, String name, int n) {
        Tensor t = src.tensor(name);
        if (t.elements() != n)
            throw new FormatException(src.path(), "tensor '" + name + "' has " + t.elements() + " elements, expected " + n);
        return t.toFloats();
    }
}
