package dev.bgl.train;

import dev.bgl.tasks.TraceFormat;

import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufWriter;
import dev.bgl.tensor.Tensor;
import dev.bgl.tensor.TypeKernel;
import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Writes trained parameters as a {@code qwen3} GGUF that bgl's engine and llama.cpp load: the
 * metadata keys and tensor names of {@code RandomModelMaker}, GGUF dims innermost first, norms in
 * F32, tied embeddings (no {@code output.weight}), and a tokenizer's metadata.
 */
public final class ModelExport {
    private ModelExport() {
    }

    /** F32 matrices, the built-in {@link ByteLevelVocab} tokenizer. */
    public static void writeGguf(float[] params, TrainConfig config, Path out) throws IOException {
        writeGguf(params, config, out, GgmlType.F32, "bgl-trained", w -> {
            ByteLevelVocab.spec().writeTo(w);
            // the model card of the curriculum's format: what starts its answer and how long an answer is
            w.put(dev.bgl.model.ModelCard.ANSWER_PREFIX_KEY, TraceFormat.ANSWER_PREFIX);
            w.putU32(dev.bgl.model.ModelCard.ANSWER_MAX_TOKENS_KEY, ANSWER_MAX_TOKENS);
        });
    }

    /**
     * The answer cap written into the card of curriculum-trained models: the longest answer line
     * ("Answer: " and a 6-digit product, then the end of turn) is about 12 tokens; twice that leaves
     * room for a model that writes a word more, not for a re-derivation after the thinking.
     */
    public static final int ANSWER_MAX_TOKENS = 24;

    /**
     * @param matrixType storage of token_embd and the projections (F32, F16, BF16, Q8_0, Q4_0)
     * @param vocabWriter puts the tokenizer metadata; it must describe exactly {@code config.vocab()} tokens
     */
    public static void writeGguf(float[] params, TrainConfig c, Path out, GgmlType matrixType, String name,
                                 Consumer<GgufWriter> vocabWriter) throws IOException {
        ParamLayout layout = new ParamLayout(c);
        if (params.length != layout.size())
            throw new BglException("parameter array has " + params.length + " floats, the model " + layout.size());
        if (!TypeKernel.supported(matrixType)) throw new BglException("cannot write tensor type " + matrixType);
        for (int cols : new int[]{c.dim(), c.qDim(), c.ffnDim()})
            if (cols % matrixType.blockSize != 0)
                throw new BglException(matrixType + " needs row lengths that are multiples of " + matrixType.blockSize + "; the model has " + cols);
        GgufWriter w = new GgufWriter();
        String a = "qwen3.";
        w.put("general.architecture", "qwen3");
        w.put("general.name", name);
        w.putU32("general.alignment", 32);
        w.putU32(a + "context_length", c.maxSeq());
        w.putU32(a + "embedding_length", c.dim());
        w.putU32(a + "block_count", c.layers());
        w.putU32(a + "feed_forward_length", c.ffnDim());
        w.putU32(a + "attention.head_count", c.heads());
        w.putU32(a + "attention.head_count_kv", c.kvHeads());
        w.putU32(a + "attention.key_length", c.headDim());
        w.putU32(a + "attention.value_length", c.headDim());
        w.putF32(a + "attention.layer_norm_rms_epsilon", c.rmsEps());
        w.putF32(a + "rope.freq_base", c.ropeBase());
        w.putU32("general.file_type", fileType(matrixType));
        vocabWriter.accept(w);
        for (ParamLayout.View v : layout.views()) {
            float[] values = Arrays.copyOfRange(params, v.offset(), v.offset() + v.size());
            boolean norm = v.kind() == ParamLayout.Kind.NORM;
            GgmlType type = norm ? GgmlType.F32 : matrixType;
            long[] dims = norm ? new long[]{v.cols()} : new long[]{v.cols(), v.rows()};
            w.tensor(v.name(), type, dims, Tensor.quantize(v.name(), type, values, v.rows(), v.cols()).data());
        }
        w.write(out);
    }

    /** llama.cpp's {@code general.file_type} (enum llama_ftype) for an all-{@code t} model. */
    private static int fileType(GgmlType t) {
        return switch (t) {
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> 0;
        };
    }
}
