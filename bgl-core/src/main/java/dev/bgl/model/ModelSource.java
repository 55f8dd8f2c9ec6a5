package dev.bgl.model;

import dev.bgl.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a model's weights come from: a GGUF file or a Hugging Face safetensors folder. Tensors are
 * named as in GGUF ({@code token_embd.weight}, {@code blk.N.attn_q.weight}, ...); a source in
 * another naming maps to these, so the transformer code knows one naming only. Tensors are 2-D
 * views (rows × cols, cols innermost) backed by mapped file memory.
 */
public interface ModelSource extends AutoCloseable {
    /** The file or folder, for error messages. */
    Path path();

    ModelConfig config();

    /** The tensor with this GGUF name, or empty. */
    Optional<Tensor> find(String name);

    /** The tensor with this GGUF name, or a clear error naming the file and the tensor. */
    default Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new dev.bgl.format.FormatException(path(), "missing tensor '" + name + "'"));
    }

    /**
     * The {@code count} experts of a 3-D expert tensor ({@code blk.N.ffn_*_exps.weight}, GGUF dims
     * [cols, rows, count]) as one matrix each: views into the stored tensor, so that a token reads
     * only the experts it is routed to. A source that stores experts apart (HF) overrides this.
     */
    default Tensor[] experts(String name, int count) {
        Tensor all = tensor(name);
        if (all.rows() % count != 0)
            throw new dev.bgl.format.FormatException(path(), "tensor '" + name + "' has " + all.rows() + " rows, not a multiple of " + count + " experts");
        int rows = all.rows() / count;
        long bytes = rows * all.rowBytes();
        Tensor[] out = new Tensor[count];
        for (int e = 0; e < count; e++)
            out[e] = new Tensor(name + "[" + e + "]", all.type(), all.data().asSlice(e * bytes, bytes), rows, all.cols());
        return out;
    }

    /** Names of all tensors, in file order. */
    List<String> tensorNames();

    /** Bytes of weight data (for memory estimates). */
    long weightBytes();

    @Override
    void close();
}
