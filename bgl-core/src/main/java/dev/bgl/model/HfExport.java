package dev.bgl.model;

import dev.bgl.format.SafetensorsDtype;
import dev.bgl.format.SafetensorsWriter;
import dev.bgl.tensor.Tensor;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a GGUF model as a Hugging Face folder ({@code config.json}, {@code model.safetensors} or
 * shards with an index, optionally {@code tokenizer.json}), the inverse of {@link HfModelSource}:
 * HF names, PyTorch shapes, llama Q/K rows back in HF order. F32/F16/BF16 tensors keep their type;
 * quantised ones (Q8_0, Q4_0) are dequantised to F32, row by row, so nothing large sits on the heap.
 * The output of the projection is not written when the embeddings are tied.
 */
public final class HfExport {
    private HfExport() {
    }

    /** The folder written and the GGUF tensors that have no HF name (e.g. {@code rope_freqs.weight}), left out. */
    public record Result(Path folder, List<String> skipped) {
    }

    /** One call for tests and tools: opens the GGUF file, writes the folder, closes the file. */
    public static Result write(Path gguf, Path folder, Path tokenizerJson) throws IOException {
        try (GgufModelSource src = GgufModelSource.open(gguf)) {
            return write(src, folder, tokenizerJson, 0);
        }
    }

    public static Result write(GgufModelSource src, Path folder) throws IOException {
        return write(src, folder, null, 0);
    }

    /**
     * @param tokenizerJson copied to {@code folder/tokenizer.json} when not null
     * @param maxShardBytes 0 for one {@code model.safetensors}; otherwise shards of about this size plus an index
     */
    public static Result write(GgufModelSource src, Path folder, Path tokenizerJson, long maxShardBytes) throws IOException {
        ModelConfig c = src.config();
        if (tokenizerJson != null && !Files.isRegularFile(tokenizerJson))
            throw new BglException(tokenizerJson + ": no such tokenizer file");
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        List<String> skipped = new ArrayList<>();
        String torchDtype = "float32";
        for (String name : src.tensorNames()) {
            String hf = HfTensorNames.toHf(name);
            if (hf == null && c.experts() != null && HfTensorNames.expertToHf(name, 0) != null) {
                Tensor[] experts = src.experts(name, c.experts().count()); // one HF tensor per expert
                for (int e = 0; e < experts.length; e++) {
                    Tensor t = experts[e];
                    long[] shape = {t.rows(), t.cols()};
                    SafetensorsDtype dtype = SafetensorsDtype.of(t.type());
                    if (dtype != null) w.tensor(HfTensorNames.expertToHf(name, e), dtype, shape, t.data());
                    else w.tensor(HfTensorNames.expertToHf(name, e), SafetensorsDtype.F32, shape, dequantized(t, null));
                }
                continue;
            }
            if (hf == null) {
                skipped.add(name);
                continue;
            }
            long[] dims = src.file().tensor(name).dims();
            long[] shape = new long[dims.length];
            for (int i = 0; i < dims.length; i++) shape[i] = dims[dims.length - 1 - i];
            Tensor t = src.tensor(name);
            int nHead = c.architecture() instanceof Architecture.Llama ? HfTensorNames.permutationHeads(name, c) : 0;
            int[] order = nHead == 0 ? null : LlamaPermutation.ggufRowOfHfRow((int) shape[0], nHead);
            SafetensorsDtype dtype = SafetensorsDtype.of(t.type());
            if (name.equals("token_embd.weight") && dtype != null) torchDtype = switch (t.type()) {
                case F16 -> "float16";
                case BF16 -> "bfloat16";
                default -> "float32";
            };
            if (dtype != null) {
                if (order == null) w.tensor(hf, dtype, shape, t.data());
                else w.tensor(hf, dtype, shape, reordered(t.data(), order));
            } else {
                w.tensor(hf, SafetensorsDtype.F32, shape, dequantized(t, order));
            }
        }
        Files.createDirectories(folder);
        if (maxShardBytes > 0) w.writeSharded(folder, maxShardBytes);
        else w.write(folder.resolve("model.safetensors"));
        byte[] config = HfConfig.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(HfConfig.toJson(c, torchDtype));
        Files.write(folder.resolve("config.json"), config);
        if (tokenizerJson != null)
            Files.copy(tokenizerJson, folder.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        return new Result(folder, List.copyOf(skipped));
    }

    /** Writes units (rows, or elements of a 1-D tensor) in the given order: unit s of the output is unit order[s]. */
    private static SafetensorsWriter.TensorBytes reordered(MemorySegment data, int[] order) {
        long unit = data.byteSize() / order.length;
        return out -> {
            byte[] buf = new byte[(int) unit];
            for (int src : order) {
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, src * unit, buf, 0, buf.length);
                out.write(buf);
            }
        };
    }

    /** F32 bytes of a quantised tensor, decoded one row at a time (rows reordered when {@code order} is set). */
    private static SafetensorsWriter.TensorBytes dequantized(Tensor t, int[] order) {
        return out -> {
            if (order != null && t.rows() == 1) { // a 1-D tensor permuted element-wise
                float[] v = t.toFloats(), p = new float[v.length];
                for (int s = 0; s < order.length; s++) p[s] = v[order[s]];
                out.write(f32(p));
                return;
            }
            float[] row = new float[t.cols()];
            for (int r = 0; r < t.rows(); r++) {
                t.row(order == null ? r : order[r], row);
                out.write(f32(row));
            }
        };
    }

    private static byte[] f32(float[] v) {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        return bb.array();
    }
}
