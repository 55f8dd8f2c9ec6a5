package dev.bgl.model;

import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufWriter;
import dev.bgl.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;

/** Small random GGUF models with the metadata keys {@link GgufModelSource} reads, for round-trip tests. */
final class TestGgufModels {
    private TestGgufModels() {
    }

    /** {@code matrixType} is used for the big projections (F32, F16, BF16, Q8_0, Q4_0); norms and biases stay F32. */
    record Spec(Architecture arch, int vocab, int dim, int layers, int heads, int kvHeads, int headDim, int ffn,
                boolean tied, GgmlType matrixType, boolean extraTensor) {
    }

    static Path write(Path file, Spec s, long seed) throws IOException {
        Random rnd = new Random(seed);
        String a = s.arch().ggufName();
        GgufWriter w = new GgufWriter()
                .put("general.architecture", a)
                .put("general.name", "test-" + a)
                .putU32(a + ".embedding_length", s.dim())
                .putU32(a + ".block_count", s.layers())
                .putU32(a + ".attention.head_count", s.heads())
                .putU32(a + ".attention.head_count_kv", s.kvHeads())
                .putU32(a + ".feed_forward_length", s.ffn())
                .putU32(a + ".context_length", 2048)
                .putF32(a + ".attention.layer_norm_rms_epsilon", 1e-5f)
                .putF32(a + ".rope.freq_base", 1_000_000f);
        if (s.headDim() != s.dim() / s.heads()) w.putU32(a + ".attention.key_length", s.headDim());
        int q = s.heads() * s.headDim(), kv = s.kvHeads() * s.headDim();
        matrix(w, "token_embd.weight", s.vocab(), s.dim(), s.matrixType(), rnd);
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            vector(w, b + "attn_norm.weight", s.dim(), rnd);
            matrix(w, b + "attn_q.weight", q, s.dim(), s.matrixType(), rnd);
            matrix(w, b + "attn_k.weight", kv, s.dim(), s.matrixType(), rnd);
            matrix(w, b + "attn_v.weight", kv, s.dim(), s.matrixType(), rnd);
            if (s.arch().qkvBias()) {
                vector(w, b + "attn_q.bias", q, rnd);
                vector(w, b + "attn_k.bias", kv, rnd);
                vector(w, b + "attn_v.bias", kv, rnd);
            }
            if (s.arch().qkNorm()) {
                vector(w, b + "attn_q_norm.weight", s.headDim(), rnd);
                vector(w, b + "attn_k_norm.weight", s.headDim(), rnd);
            }
            matrix(w, b + "attn_output.weight", s.dim(), q, s.matrixType(), rnd);
            vector(w, b + "ffn_norm.weight", s.dim(), rnd);
            matrix(w, b + "ffn_gate.weight", s.ffn(), s.dim(), s.matrixType(), rnd);
            matrix(w, b + "ffn_up.weight", s.ffn(), s.dim(), s.matrixType(), rnd);
            matrix(w, b + "ffn_down.weight", s.dim(), s.ffn(), s.matrixType(), rnd);
        }
        vector(w, "output_norm.weight", s.dim(), rnd);
        if (!s.tied()) matrix(w, "output.weight", s.vocab(), s.dim(), s.matrixType(), rnd);
        if (s.extraTensor()) { // Llama 3.1's RoPE frequency factors: positive divisors, one per dimension pair
            ByteBuffer bb = ByteBuffer.allocate(s.headDim() / 2 * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < s.headDim() / 2; i++) bb.putFloat(1f + (float) Math.abs(rnd.nextGaussian()));
            w.tensor("rope_freqs.weight", GgmlType.F32, new long[]{s.headDim() / 2}, bb.array());
        }
        w.write(file);
        return file;
    }

    /** A rows × cols weight: GGUF dims {cols, rows}. */
    private static void matrix(GgufWriter w, String name, int rows, int cols, GgmlType type, Random rnd) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        w.tensor(name, type, new long[]{cols, rows}, Tensor.quantize(name, type, v, rows, cols).data());
    }

    private static void vector(GgufWriter w, String name, int n, Random rnd) {
        ByteBuffer bb = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) bb.putFloat((float) rnd.nextGaussian());
        w.tensor(name, GgmlType.F32, new long[]{n}, bb.array());
    }
}
