package dev.bgl.model;

import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufWriter;
import dev.bgl.tensor.Tensor;
import dev.bgl.tensor.TypeKernel;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Writes a model with random weights as a GGUF file that llama.cpp loads too, for conformance
 * tests and benchmarks. Weights are scaled so that the next-token distribution is peaked (a top
 * probability of tenths, neither 1/vocab nor ~1): a near-uniform or near-certain distribution
 * would make any comparison of probabilities pass trivially.
 */
public final class RandomModelMaker {

    /** How the matrix types vary across the model. */
    public enum Mix {
        /** Every matrix in the Spec's type. */
        UNIFORM,
        /**
         * llama.cpp's Q4_K_M / Q5_K_M (Spec type Q4_K or Q5_K): Q6_K for the output head (token_embd
         * when tied) and for attn_v and ffn_down in the layers llama-quant's use_more_bits picks
         * (the first and last eighth, and every third layer between).
         */
        K_M
    }

    /**
     * @param type       storage type of the matrices (norms and biases are always F32, as llama.cpp wants)
     * @param mix        whether some matrices take another type, as llama.cpp's _M files do
     * @param rope       the RoPE scaling the file declares: {@code rope.scaling.*} metadata, and a
     *                   {@code rope_freqs.weight} tensor for its frequency factors
     * @param qkGain     scale of attn_q and attn_k (1: attention nearly uniform, as in most tests; a few:
     *                   peaked attention, whose result depends on the positions, for RoPE tests)
     * @param experts    the expert counts of a mixture-of-experts architecture (qwen3moe, gpt-oss); null for a dense one
     * @param slidingWindow gpt-oss's {@code attention.sliding_window} (its even layers see that many keys); 0 for others
     * @param expertType the expert matrices' type when it differs from {@code type} (a real gpt-oss file keeps its
     *                   experts in MXFP4 and the rest in F16/BF16/F32); null: {@code type}
     */
    public record Spec(Architecture arch, GgmlType type, int layers, int dim, int heads, int kvHeads, int headDim,
                       int ffnDim, int vocab, int contextLength, float ropeTheta, float rmsEps, boolean tied,
                       long seed, String name, Mix mix, RopeScaling rope, float qkGain, ExpertConfig experts,
                       int slidingWindow, GgmlType expertType) {
        public Spec(Architecture arch, GgmlType type, int layers, int dim, int heads, int kvHeads, int headDim,
                    int ffnDim, int vocab, int contextLength, float ropeTheta, float rmsEps, boolean tied, long seed, String name) {
            this(arch, type, layers, dim, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tied, seed, name, Mix.UNIFORM);
        }

        public Spec(Architecture arch, GgmlType type, int layers, int dim, int heads, int kvHeads, int headDim,
                    int ffnDim, int vocab, int contextLength, float ropeTheta, float rmsEps, boolean tied, long seed, String name, Mix mix) {
            this(arch, type, layers, dim, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tied, seed, name, mix,
                    RopeScaling.NONE, 1f, null, 0, null);
        }

        /** This spec with {@code rope} as its RoPE scaling. */
        public Spec withRope(RopeScaling rope) {
            return new Spec(arch, type, layers, dim, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tied,
                    seed, name, mix, rope, qkGain, experts, slidingWindow, expertType);
        }

        /** This spec with attn_q and attn_k scaled by {@code gain}. */
        public Spec withQkGain(float gain) {
            return new Spec(arch, type, layers, dim, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tied,
                    seed, name, mix, rope, gain, experts, slidingWindow, expertType);
        }

        /** This spec with a mixture-of-experts feed-forward of these counts. */
        public Spec withExperts(ExpertConfig e) {
            return new Spec(arch, type, layers, dim, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tied,
                    seed, name, mix, rope, qkGain, e, slidingWindow, expertType);
        }

        /** This spec with gpt-oss's sliding window of {@code keys}. */
        public Spec withSlidingWindow(int keys) {
            return new Spec(arch, type, layers, dim, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tied,
                    seed, name, mix, rope, qkGain, experts, keys, expertType);
        }

        /** This spec with the expert matrices in {@code t} (null: the spec's type). */
        public Spec withExpertType(GgmlType t) {
            return new Spec(arch, type, layers, dim, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tied,
                    seed, name, mix, rope, qkGain, experts, slidingWindow, t);
        }

        /** The expert matrices' type. */
        public GgmlType expertMatrixType() {
            return expertType == null ? type : expertType;
        }

        public Spec {
            if (mix == null) mix = Mix.UNIFORM;
            if (rope == null) rope = RopeScaling.NONE;
            if (!(qkGain > 0) || Float.isInfinite(qkGain)) throw new IllegalArgumentException("qk gain " + qkGain + " must be positive");
            float[] ff = rope.freqFactors();
            if (ff != null && ff.length != headDim / 2)
                throw new IllegalArgumentException(ff.length + " rope frequency factors for head dim " + headDim);
            if (ff != null && arch != Architecture.LLAMA)
                throw new IllegalArgumentException("rope frequency factors (rope_freqs.weight) are a llama tensor; llama.cpp refuses them in " + arch.ggufName());
            if (mix == Mix.K_M && type != GgmlType.Q4_K && type != GgmlType.Q5_K)
                throw new IllegalArgumentException("the _M mix needs Q4_K or Q5_K as the main type, not " + type);
            if (layers < 1 || dim < 1 || heads < 1 || kvHeads < 1 || ffnDim < 1 || vocab < 1)
                throw new IllegalArgumentException("sizes must be positive");
            if (heads % kvHeads != 0) throw new IllegalArgumentException("--heads " + heads + " must be a multiple of --kv-heads " + kvHeads);
            if (headDim % 2 != 0) throw new IllegalArgumentException("head dim " + headDim + " must be even");
            if (!arch.mixtureOfExperts() && experts != null)
                throw new IllegalArgumentException(arch.ggufName() + " has no experts; expert counts are for qwen3moe and gpt-oss");
            if (slidingWindow < 0) throw new IllegalArgumentException("sliding window " + slidingWindow + " must be positive");
            if (!arch.gptOss() && slidingWindow != 0)
                throw new IllegalArgumentException("a sliding window is for gpt-oss, not " + arch.ggufName());
            if (arch.gptOss() && tied)
                throw new IllegalArgumentException("gpt-oss has its own output head (llama.cpp requires output.weight): no tied embeddings");
            if (expertType != null && !arch.mixtureOfExperts())
                throw new IllegalArgumentException("an expert type is for qwen3moe and gpt-oss, not " + arch.ggufName());
            if (expertType != null && mix == Mix.K_M)
                throw new IllegalArgumentException("an expert type and the _M mix together are not written");
            if (expertType != null && !TypeKernel.supported(expertType)) throw new IllegalArgumentException("cannot write tensor type " + expertType);
            GgmlType et = expertType == null ? type : expertType; // the fields are not assigned yet in here
            if (experts != null && experts.ffnDim() % et.blockSize != 0)
                throw new IllegalArgumentException(et + " experts need an expert ffn that is a multiple of " + et.blockSize + "; got " + experts.ffnDim());
            if (expertType != null && dim % expertType.blockSize != 0)
                throw new IllegalArgumentException(expertType + " experts need a dim that is a multiple of " + expertType.blockSize + "; got " + dim);
            int bs = type.blockSize;
            for (int cols : new int[]{dim, heads * headDim, experts == null ? ffnDim : experts.ffnDim()})
                if (cols % bs != 0) throw new IllegalArgumentException(type + " needs row lengths that are multiples of " + bs + "; got " + cols
                        + " (dim " + dim + ", heads x head dim " + heads * headDim + ", ffn " + ffnDim + ")");
            if (!TypeKernel.supported(type)) throw new IllegalArgumentException("cannot write tensor type " + type);
        }
    }

    private RandomModelMaker() {
    }

    public static void write(Spec s, Consumer<GgufWriter> vocabWriter, Path out) throws IOException {
        write(s, vocabWriter, out, null);
    }

    /** As above, reporting (bytes written, total bytes) to {@code progress}. */
    public static void write(Spec s, Consumer<GgufWriter> vocabWriter, Path out, java.util.function.BiConsumer<Long, Long> progress) throws IOException {
        if (s.arch().mixtureOfExperts() && s.experts() == null)
            throw new IllegalArgumentException(s.arch().ggufName() + " needs expert counts (Spec.withExperts)");
        if (s.arch().gptOss() && s.slidingWindow() < 1)
            throw new IllegalArgumentException("gpt-oss needs a sliding window of at least 1 key (Spec.withSlidingWindow), got " + s.slidingWindow());
        GgufWriter w = new GgufWriter();
        String a = s.arch().ggufName() + ".";
        w.put("general.architecture", s.arch().ggufName());
        w.put("general.name", s.name());
        w.putU32("general.alignment", 32);
        w.putU32(a + "context_length", s.contextLength());
        w.putU32(a + "embedding_length", s.dim());
        w.putU32(a + "block_count", s.layers());
        w.putU32(a + "feed_forward_length", s.ffnDim());
        ExpertConfig ex = s.experts();
        if (ex != null) {
            w.putU32(a + "expert_count", ex.count());
            w.putU32(a + "expert_used_count", ex.used());
            w.putU32(a + "expert_feed_forward_length", ex.ffnDim());
        }
        // as llama.cpp's converter writes gpt-oss: the window alone; the layer pattern (period 2) is llama.cpp's default
        if (s.arch().gptOss()) w.putU32(a + "attention.sliding_window", s.slidingWindow());
        w.putU32(a + "attention.head_count", s.heads());
        w.putU32(a + "attention.head_count_kv", s.kvHeads());
        w.putU32(a + "attention.key_length", s.headDim());
        w.putU32(a + "attention.value_length", s.headDim());
        w.putF32(a + "attention.layer_norm_rms_epsilon", s.rmsEps());
        w.putF32(a + "rope.freq_base", s.ropeTheta());
        if (s.arch() == Architecture.LLAMA) w.putU32(a + "rope.dimension_count", s.headDim());
        RopeScaling rope = s.rope();
        if (rope.kind() != RopeScaling.Kind.NONE) {
            w.put(a + "rope.scaling.type", rope.kind().key());
            w.putF32(a + "rope.scaling.factor", rope.factor());
            if (rope.kind() == RopeScaling.Kind.YARN) w.putU32(a + "rope.scaling.original_context_length", rope.originalContext());
        }
        if (rope.attnFactor() != 1f) w.putF32(a + "rope.scaling.attn_factor", rope.attnFactor());
        w.putU32("general.file_type", s.expertType() == GgmlType.MXFP4 ? 38 : fileType(s.type(), s.mix()));
        vocabWriter.accept(w);

        SplittableRandom rnd = new SplittableRandom(s.seed());
        int qDim = s.heads() * s.headDim(), kvDim = s.kvHeads() * s.headDim();
        // The output head's scale sets how peaked the distribution is (logit std ~ 2.5). Residual
        // branches are kept small (gain 0.3 on attn_output and ffn_down) as in trained pre-norm
        // models; larger ones make a random network chaotic, so that a rounding difference at
        // one position is amplified far beyond what the engine's arithmetic does to a real model.
        // Tied models reuse token_embd as the head: small rows there, with output_norm providing
        // the gain, keep the model from just predicting its input token.
        float logitStd = 2.5f, sqrtDim = (float) Math.sqrt(s.dim());
        float embStd = s.tied() ? 0.02f : 1f;
        float outNormGain = s.tied() ? logitStd / (sqrtDim * embStd) : 1f;
        GgmlType headType = s.mix() == Mix.K_M ? GgmlType.Q6_K : s.type();
        matrix(w, "token_embd.weight", s.tied() ? headType : s.type(), s.vocab(), s.dim(), embStd, rnd);
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            GgmlType moreBits = s.mix() == Mix.K_M && useMoreBits(l, s.layers()) ? GgmlType.Q6_K : s.type();
            vector(w, p + "attn_norm.weight", s.dim(), 1f, 0.1f, rnd);
            matrix(w, p + "attn_q.weight", s.type(), qDim, s.dim(), s.qkGain() * 0.5f / (float) Math.sqrt(s.dim()), rnd);
            matrix(w, p + "attn_k.weight", s.type(), kvDim, s.dim(), s.qkGain() * 0.5f / (float) Math.sqrt(s.dim()), rnd);
            matrix(w, p + "attn_v.weight", moreBits, kvDim, s.dim(), 1f / (float) Math.sqrt(s.dim()), rnd);
            if (s.arch().qkvBias()) {
                vector(w, p + "attn_q.bias", qDim, 0f, 0.05f, rnd);
                vector(w, p + "attn_k.bias", kvDim, 0f, 0.05f, rnd);
                vector(w, p + "attn_v.bias", kvDim, 0f, 0.2f, rnd);
            }
            if (s.arch().qkNorm()) {
                vector(w, p + "attn_q_norm.weight", s.headDim(), 1f, 0.1f, rnd);
                vector(w, p + "attn_k_norm.weight", s.headDim(), 1f, 0.1f, rnd);
            }
            matrix(w, p + "attn_output.weight", s.type(), s.dim(), qDim, 0.3f / (float) Math.sqrt(qDim), rnd);
            if (s.arch().gptOss()) {
                vector(w, p + "attn_output.bias", s.dim(), 0f, 0.02f, rnd);
                // sinks near the scores' scale: a large share of the first tokens' attention, a small one later
                vector(w, p + "attn_sinks.weight", s.heads(), 1f, 1f, rnd);
                vector(w, p + "post_attention_norm.weight", s.dim(), 1f, 0.1f, rnd);
                gptOssExperts(w, p, s, rnd);
                continue;
            }
            vector(w, p + "ffn_norm.weight", s.dim(), 1f, 0.1f, rnd);
            if (ex != null) {
                // the router stays F32, as llama.cpp's quantizer leaves ffn_gate_inp; its logits'
                // spread (std ~2) makes routing decisive, not a near-tie that rounding could flip
                matrix(w, p + "ffn_gate_inp.weight", GgmlType.F32, ex.count(), s.dim(), 2f / (float) Math.sqrt(s.dim()), rnd);
                int f = ex.ffnDim();
                experts(w, p + "ffn_gate_exps.weight", s.expertMatrixType(), ex.count(), f, s.dim(), 1f / (float) Math.sqrt(s.dim()), rnd);
                experts(w, p + "ffn_up_exps.weight", s.expertMatrixType(), ex.count(), f, s.dim(), 1f / (float) Math.sqrt(s.dim()), rnd);
                experts(w, p + "ffn_down_exps.weight", s.mix() == Mix.K_M ? moreBits : s.expertMatrixType(), ex.count(), s.dim(), f, 0.3f / (float) Math.sqrt(f), rnd);
                continue;
            }
            matrix(w, p + "ffn_gate.weight", s.type(), s.ffnDim(), s.dim(), 1f / (float) Math.sqrt(s.dim()), rnd);
            matrix(w, p + "ffn_up.weight", s.type(), s.ffnDim(), s.dim(), 1f / (float) Math.sqrt(s.dim()), rnd);
            matrix(w, p + "ffn_down.weight", moreBits, s.dim(), s.ffnDim(), 0.3f / (float) Math.sqrt(s.ffnDim()), rnd);
        }
        vector(w, "output_norm.weight", s.dim(), outNormGain, 0.1f * outNormGain, rnd);
        if (!s.tied()) matrix(w, "output.weight", headType, s.vocab(), s.dim(), logitStd / sqrtDim, rnd);
        float[] ff = rope.freqFactors();
        if (ff != null)
            w.tensor(GgufModelSource.ROPE_FREQS, GgmlType.F32, new long[]{ff.length},
                    Tensor.quantize(GgufModelSource.ROPE_FREQS, GgmlType.F32, ff, 1, ff.length).data().toArray(ValueLayout.JAVA_BYTE));
        long total = w.tensorBytes();
        w.write(out, progress == null ? null : done -> progress.accept(done, total));
    }

    /**
     * gpt-oss's router and experts, with their biases. Gate and up are larger than qwen3moe's (std
     * about 2.5) so that some values pass swiglu_oai's clamp at ±7, and down is smaller to keep
     * the residual branch as small as the others.
     */
    private static void gptOssExperts(GgufWriter w, String p, Spec s, SplittableRandom rnd) {
        ExpertConfig ex = s.experts();
        int f = ex.ffnDim(), n = ex.count();
        GgmlType t = s.expertMatrixType();
        matrix(w, p + "ffn_gate_inp.weight", GgmlType.F32, n, s.dim(), 2f / (float) Math.sqrt(s.dim()), rnd);
        vector(w, p + "ffn_gate_inp.bias", n, 0f, 0.5f, rnd);
        experts(w, p + "ffn_gate_exps.weight", t, n, f, s.dim(), 2.5f / (float) Math.sqrt(s.dim()), rnd);
        experts(w, p + "ffn_up_exps.weight", t, n, f, s.dim(), 2.5f / (float) Math.sqrt(s.dim()), rnd);
        experts(w, p + "ffn_down_exps.weight", t, n, s.dim(), f, 0.1f / (float) Math.sqrt(f), rnd);
        biases(w, p + "ffn_gate_exps.bias", f, n, 0.3f, rnd);
        biases(w, p + "ffn_up_exps.bias", f, n, 0.3f, rnd);
        biases(w, p + "ffn_down_exps.bias", s.dim(), n, 0.02f, rnd);
    }

    /** {@code count} experts' biases of {@code n} values, one F32 tensor of GGUF dims [n, count]. */
    private static void biases(GgufWriter w, String name, int n, int count, float std, SplittableRandom rnd) {
        float[] v = new float[n * count];
        for (int i = 0; i < v.length; i++) v[i] = (float) (gaussian(rnd) * std);
        Tensor t = Tensor.quantize(name, GgmlType.F32, v, count, n);
        w.tensor(name, GgmlType.F32, new long[]{n, count}, t.data().toArray(ValueLayout.JAVA_BYTE));
    }

    /**
     * llama-quant's use_more_bits: the layers whose attn_v and ffn_down a _M file keeps in more
     * bits (the first and last eighth, and every third layer between).
     */
    public static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /**
     * llama.cpp's {@code general.file_type} (enum llama_ftype). An all-Q4_K or all-Q5_K model has
     * no ftype of its own; it is labelled as the nearest, _S (mostly that type).
     */
    static int fileType(GgmlType t, Mix mix) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q2_K -> 10;
            case Q3_K -> 11; // _S: all Q3_K
            case IQ4_NL -> 25;
            case IQ4_XS -> 30;
            case MXFP4 -> 38; // llama.cpp's only MXFP4 ftype, MXFP4_MOE
            case Q4_K -> mix == Mix.K_M ? 15 : 14;
            case Q5_K -> mix == Mix.K_M ? 17 : 16;
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> 0;
        };
    }

    private static void matrix(GgufWriter w, String name, GgmlType type, int rows, int cols, float std, SplittableRandom rnd) {
        tensor(w, name, type, new long[]{cols, rows}, rows, cols, std, rnd);
    }

    /** {@code count} experts' rows × cols matrices stacked as one 3-D tensor, GGUF dims [cols, rows, count]. */
    private static void experts(GgufWriter w, String name, GgmlType type, int count, int rows, int cols, float std, SplittableRandom rnd) {
        tensor(w, name, type, new long[]{cols, rows, count}, (long) rows * count, cols, std, rnd);
    }

    private static void tensor(GgufWriter w, String name, GgmlType type, long[] dims, long rows, int cols, float std, SplittableRandom rnd) {
        // Generated row by row so that a 0.5B-parameter model never needs its floats on the heap at once.
        long seed = rnd.nextLong();
        long rowBytes = type.bytesFor(cols);
        w.tensor(name, type, dims, out -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] row = new float[cols];
            byte[] buf = new byte[(int) rowBytes];
            var seg = java.lang.foreign.MemorySegment.ofArray(buf);
            for (long i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) row[j] = (float) (gaussian(r) * std);
                TypeKernel.of(type).quantize(row, 0, cols, seg, 0);
                out.write(buf);
            }
        });
    }

    private static void vector(GgufWriter w, String name, int n, float mean, float std, SplittableRandom rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = mean + (float) (gaussian(rnd) * std);
        Tensor t = Tensor.quantize(name, GgmlType.F32, v, 1, n);
        w.tensor(name, GgmlType.F32, new long[]{n}, t.data().toArray(ValueLayout.JAVA_BYTE));
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller; SplittableRandom has no nextGaussian with a stable algorithm across JDKs
        double u1 = r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
