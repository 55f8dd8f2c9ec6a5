package dev.bgl.fuzz;

import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufValue;
import dev.bgl.format.GgufValueType;
import dev.bgl.format.GgufWriter;
import dev.bgl.format.SafetensorsDtype;
import dev.bgl.format.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the seed corpora under src/test/resources/fuzz/ with our own writers (small valid files:
 * every GGUF value type, a few tensors). Run once from the repository root when the formats change:
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) dev.bgl.fuzz.FuzzSeeds}.
 */
public final class FuzzSeeds {
    public static void main(String[] args) throws IOException {
        Path root = Path.of("bgl-tests/src/test/resources/fuzz");
        Path gguf = Files.createDirectories(root.resolve("gguf"));
        new GgufWriter()
            .put("general.architecture", "qwen3")
            .put("general.name", "seed")
            .putU32("general.alignment", 32)
            .put("u8", new GgufValue(GgufValueType.UINT8, 7L))
            .put("i8", new GgufValue(GgufValueType.INT8, -7L))
            .put("u16", new GgufValue(GgufValueType.UINT16, 700L))
            .put("i16", new GgufValue(GgufValueType.INT16, -700L))
            .put("i32", GgufValue.ofI32(-70000))
            .put("u64", GgufValue.ofU64(1L << 40))
            .put("i64", new GgufValue(GgufValueType.INT64, -(1L << 40)))
            .putF32("f32", 0.5f)
            .put("f64", new GgufValue(GgufValueType.FLOAT64, 0.25))
            .putBool("bool", true)
            .putStrings("strings", new String[]{"a", "bc", "<|im_end|>"})
            .putFloats("floats", new float[]{1, 2, 3})
            .putInts("ints", new long[]{1, -2, 3})
            .put("bools", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.BOOL, new boolean[]{true, false})))
            .put("doubles", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.FLOAT64, new double[]{1.5})))
            .tensor("token_embd.weight", GgmlType.F32, new long[]{4, 2}, new byte[32])
            .tensor("blk.0.attn_q.weight", GgmlType.Q8_0, new long[]{32, 1}, new byte[34])
            .tensor("output_norm.weight", GgmlType.F16, new long[]{4}, new byte[8])
            .write(gguf.resolve("types-and-tensors.gguf"));
        new GgufWriter()
            .put("general.architecture", "llama")
            .putStrings("tokenizer.ggml.tokens", new String[]{"<unk>", "<s>", "</s>", "▁a", "b"})
            .putFloats("tokenizer.ggml.scores", new float[]{0, 0, 0, -1, -2})
            .putInts("tokenizer.ggml.token_type", new long[]{2, 3, 3, 1, 1})
            .put("tokenizer.ggml.model", "llama")
            .putU32("tokenizer.ggml.bos_token_id", 1)
            .write(gguf.resolve("spm-tokenizer.gguf"));

        GgufWriter bpe = new GgufWriter().put("general.architecture", "qwen3");
        dev.bgl.tokenizer.TokenizerGguf.putTokenizerJson(root.resolve("tokenizer-json/tiny-bpe.json"), bpe, 263);
        bpe.write(gguf.resolve("bpe-tokenizer.gguf"));

        Path st = Files.createDirectories(root.resolve("safetensors"));
        new SafetensorsWriter()
            .metadata("format", "pt")
            .tensorF32("model.norm.weight", new long[]{4}, new float[]{1, 2, 3, 4})
            .tensor("model.embed_tokens.weight", SafetensorsDtype.BF16, new long[]{2, 3}, new byte[12])
            .tensor("scalar", SafetensorsDtype.F16, new long[]{}, new byte[2])
            .write(st.resolve("three-tensors.safetensors"));
    }
}
