package dev.bgl.model;

import dev.bgl.format.FormatException;
import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufMetadata;
import dev.bgl.format.GgufTensorInfo;
import dev.bgl.tensor.Tensor;
import dev.bgl.tensor.TypeKernel;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Model weights and shape from a GGUF file; tensors are views into the file's mapping. */
public final class GgufModelSource implements ModelSource {
    private final GgufFile file;
    private final ModelConfig config;

    public GgufModelSource(GgufFile file) {
        this.file = file;
        this.config = readConfig(file);
    }

    public static GgufModelSource open(Path path) {
        GgufFile f = GgufFile.open(path);
        try {
            return new GgufModelSource(f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public GgufFile file() {
        return file;
    }

    static ModelConfig readConfig(GgufFile file) {
        GgufMetadata m = file.meta();
        String archName = m.string("general.architecture");
        Architecture arch = Architecture.byName(archName);
        if (arch == null)
            throw new FormatException(file.path(), "unknown architecture '" + archName + "' (bgl runs " + Architecture.NAMES + ")");
        String a = archName + ".";
        int dim = m.intIn(a + "embedding_length", 1, 1 << 16);
        int layers = m.intIn(a + "block_count", 1, 1024);
        int heads = m.intIn(a + "attention.head_count", 1, 1024);
        int kvHeads = m.intIn(a + "attention.head_count_kv", 1, heads, heads);
        if (heads % kvHeads != 0)
            throw new FormatException(file.path(), "attention.head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        if (dim % heads != 0 && !m.has(a + "attention.key_length"))
            throw new FormatException(file.path(), "embedding_length " + dim + " is not a multiple of head_count " + heads);
        int headDim = m.intIn(a + "attention.key_length", 2, 1 << 12, dim / heads);
        int vHeadDim = m.intIn(a + "attention.value_length", 1, 1 << 12, headDim);
        if (headDim % 2 != 0) throw new FormatException(file.path(), "attention.key_length " + headDim + " must be even for RoPE");
        // llama.cpp rotates rope.dimension_count dimensions of each head (n_rot); bgl rotates whole heads, so a
        // partial rotation would be silently wrong
        String rotKey = a + "rope.dimension_count";
        if (m.has(rotKey) && m.integer(rotKey) != headDim)
            throw new FormatException(file.path(), "metadata '" + rotKey + "' = " + m.integer(rotKey) + " rotates part of each head of "
                    + headDim + "; bgl rotates whole heads only");
        ExpertConfig experts = arch.mixtureOfExperts() ? readExperts(file, a) : null;
        // gpt-oss softmaxes the chosen experts' logits, which sum to 1 already: llama.cpp passes norm_w = false
        if (arch.gptOss()) experts = new ExpertConfig(experts.count(), experts.used(), experts.ffnDim(), false);
        // a MoE file's dense feed_forward_length is unused (llama.cpp's converter writes it anyway)
        int ffn = experts != null ? m.intIn(a + "feed_forward_length", 1, 1 << 20, experts.ffnDim()) : m.intIn(a + "feed_forward_length", 1, 1 << 20);
        int ctx = m.intIn(a + "context_length", 1, 1 << 24, 4096);
        float eps = (float) m.real(a + "attention.layer_norm_rms_epsilon", 1e-6);
        float theta = (float) m.real(a + "rope.freq_base", 10000.0);
        GgufTensorInfo emb = file.tensor("token_embd.weight");
        if (emb.dims().length != 2 || emb.dims()[0] != dim)
            throw new FormatException(file.path(), "tensor 'token_embd.weight' has shape " + emb.shape() + ", expected [" + dim + ", vocab]");
        int vocab = Math.toIntExact(emb.dims()[1]);
        boolean tied = !file.tensors().containsKey("output.weight");
        RopeScaling rope = readRopeScaling(file, a, ctx).withFreqFactors(readFreqFactors(file, headDim));
        if (experts != null) checkExpertTensors(file, layers, dim, experts);
        SlidingWindow window = null;
        if (arch.gptOss()) {
            window = readSlidingWindow(file, a, theta);
            if (tied) throw new FormatException(file.path(), "missing tensor 'output.weight' (gpt-oss has its own output head; llama.cpp requires it too)");
            checkGptOssTensors(file, layers, dim, heads, kvHeads, headDim, vHeadDim, experts);
        }
        return new ModelConfig(arch, vocab, dim, layers, heads, kvHeads, headDim, vHeadDim, ffn, ctx, eps, theta, tied, rope, experts, window);
    }

    /**
     * gpt-oss's {@code attention.sliding_window} (required, at least 1) and the layer pattern's
     * period ({@code attention.sliding_window_pattern}, 2 when absent, as llama.cpp defaults it).
     * A separate RoPE base for the windowed layers ({@code rope.freq_base_swa}) that differs from
     * the full layers' is refused: bgl rotates every layer alike.
     */
    static SlidingWindow readSlidingWindow(GgufFile file, String a, float theta) {
        GgufMetadata m = file.meta();
        String key = a + "attention.sliding_window";
        long size = m.integer(key);
        if (size < 1 || size > 1 << 24)
            throw new FormatException(file.path(), "metadata '" + key + "' = " + size + " must be between 1 and " + (1 << 24)
                    + " (the keys a query sees on a sliding-window layer)");
        String patternKey = a + "attention.sliding_window_pattern";
        int period = m.intIn(patternKey, 0, 1 << 16, 2);
        String baseKey = a + "rope.freq_base_swa";
        if (m.has(baseKey) && (float) m.real(baseKey) != theta)
            throw new FormatException(file.path(), "metadata '" + baseKey + "' = " + m.real(baseKey) + " differs from '" + a
                    + "rope.freq_base' = " + theta + "; bgl uses one RoPE base for every layer");
        return new SlidingWindow((int) size, period);
    }

    /**
     * Every gpt-oss layer tensor against the metadata, from the tensor directory alone (so that a
     * file missing its sinks or a bias, or whose shapes disagree, fails before any allocation):
     * attention with biases, the sinks, the output bias, the post-attention norm, and the router's
     * and experts' biases (the expert matrices are checked by {@link #checkExpertTensors}).
     */
    static void checkGptOssTensors(GgufFile file, int layers, int dim, int heads, int kvHeads, int headDim, int vHeadDim, ExpertConfig e) {
        String from = "from embedding_length, attention.head_count(_kv), attention.key_length and expert counts";
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            checkDims(file, from, p + "attn_norm.weight", dim);
            checkDims(file, from, p + "attn_q.weight", dim, (long) heads * headDim);
            checkDims(file, from, p + "attn_k.weight", dim, (long) kvHeads * headDim);
            checkDims(file, from, p + "attn_v.weight", dim, (long) kvHeads * vHeadDim);
            checkDims(file, from, p + "attn_q.bias", (long) heads * headDim);
            checkDims(file, from, p + "attn_k.bias", (long) kvHeads * headDim);
            checkDims(file, from, p + "attn_v.bias", (long) kvHeads * vHeadDim);
            checkDims(file, from, p + "attn_output.weight", (long) heads * vHeadDim, dim);
            checkDims(file, from, p + "attn_output.bias", dim);
            checkDims(file, from, p + "attn_sinks.weight", heads);
            checkDims(file, from, p + "post_attention_norm.weight", dim);
            checkDims(file, from, p + "ffn_gate_inp.bias", e.count());
            checkDims(file, from, p + "ffn_gate_exps.bias", e.ffnDim(), e.count());
            checkDims(file, from, p + "ffn_up_exps.bias", e.ffnDim(), e.count());
            checkDims(file, from, p + "ffn_down_exps.bias", dim, e.count());
        }
    }

    /**
     * {@code expert_count}, {@code expert_used_count} and {@code expert_feed_forward_length}, each
     * checked by name; llama.cpp always renormalises the chosen experts' weights for qwen3moe.
     */
    static ExpertConfig readExperts(GgufFile file, String a) {
        GgufMetadata m = file.meta();
        int count = m.intIn(a + "expert_count", 1, 1 << 12);
        long used = m.integer(a + "expert_used_count");
        if (used < 1 || used > count)
            throw new FormatException(file.path(), "metadata '" + a + "expert_used_count' = " + used + " must be between 1 and '"
                    + a + "expert_count' = " + count);
        int ffn = m.intIn(a + "expert_feed_forward_length", 1, 1 << 20);
        return new ExpertConfig(count, (int) used, ffn, true);
    }

    /**
     * The router and the 3-D expert tensors of every layer against the metadata, from the tensor
     * directory alone, so that a file whose experts disagree fails before anything is allocated.
     */
    static void checkExpertTensors(GgufFile file, int layers, int dim, ExpertConfig e) {
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            checkDims(file, p + "ffn_gate_inp.weight", dim, e.count());
            checkDims(file, p + "ffn_gate_exps.weight", dim, e.ffnDim(), e.count());
            checkDims(file, p + "ffn_up_exps.weight", dim, e.ffnDim(), e.count());
            checkDims(file, p + "ffn_down_exps.weight", e.ffnDim(), dim, e.count());
        }
    }

    private static void checkDims(GgufFile file, String name, long... dims) {
        checkDims(file, "from expert_count, expert_feed_forward_length and embedding_length", name, dims);
    }

    private static void checkDims(GgufFile file, String from, String name, long... dims) {
        GgufTensorInfo t = file.tensors().get(name);
        if (t == null) throw new FormatException(file.path(), "missing tensor '" + name + "'");
        if (!java.util.Arrays.equals(t.dims(), dims))
            throw new FormatException(file.path(), "tensor '" + name + "' has shape " + t.shape() + ", expected "
                    + java.util.Arrays.toString(dims) + " (GGUF order; " + from + ")");
    }

    /**
     * {@code rope.scaling.*} as llama.cpp reads it: the type defaults to linear, a factor of 0 or
     * none means no scaling, YaRN's original context defaults to the context length. A type bgl
     * does not compute is an error: running without the scaling would be silently wrong.
     */
    static RopeScaling readRopeScaling(GgufFile file, String a, int ctx) {
        GgufMetadata m = file.meta();
        String typeKey = a + "rope.scaling.type";
        String type = m.string(typeKey, "linear");
        RopeScaling.Kind kind = null;
        for (RopeScaling.Kind k : RopeScaling.Kind.values()) if (k.key().equals(type)) kind = k;
        if (kind == null)
            throw new FormatException(file.path(), "metadata '" + typeKey + "' is '" + type + "', which bgl does not compute (none, linear, yarn)");
        String factorKey = m.has(a + "rope.scaling.factor") ? a + "rope.scaling.factor" : a + "rope.scale_linear";
        double factor = m.real(factorKey, 0);
        if (factor < 0 || !Double.isFinite(factor) || (factor > 0 && !((float) factor > 0)))
            throw new FormatException(file.path(), "metadata '" + factorKey + "' = " + factor + " is not a positive float32");
        int orig = m.intIn(a + "rope.scaling.original_context_length", 1, 1 << 24, ctx);
        double attn = m.real(a + "rope.scaling.attn_factor", 1.0);
        if (!(attn > 0) || !Double.isFinite(attn))
            throw new FormatException(file.path(), "metadata '" + a + "rope.scaling.attn_factor' = " + attn + " is not positive");
        if ((kind == RopeScaling.Kind.NONE || factor == 0) && attn == 1.0) return RopeScaling.NONE;
        return new RopeScaling(kind, factor == 0 || kind == RopeScaling.Kind.NONE ? 1f : (float) factor, orig, RopeScaling.BETA_FAST, RopeScaling.BETA_SLOW, (float) attn, null);
    }

    /** Llama 3.1's {@code rope_freqs.weight}: one F32 divisor per dimension pair, or null when absent. */
    static float[] readFreqFactors(GgufFile file, int headDim) {
        GgufTensorInfo t = file.tensors().get(ROPE_FREQS);
        if (t == null) return null;
        if (t.type() != GgmlType.F32 || t.dims().length != 1 || t.dims()[0] != headDim / 2)
            throw new FormatException(file.path(), "tensor '" + ROPE_FREQS + "' is " + t.type() + " " + t.shape()
                    + ", expected F32 [" + headDim / 2 + "] (one factor per pair of the head's " + headDim + " dimensions)");
        float[] f = file.data(t).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
        for (int i = 0; i < f.length; i++)
            if (!(f[i] > 0) || Float.isInfinite(f[i]))
                throw new FormatException(file.path(), "tensor '" + ROPE_FREQS + "' has factor " + f[i] + " at " + i + "; factors must be positive");
        return f;
    }

    /** The tensor of Llama 3.1-style per-dimension RoPE frequency factors. */
    public static final String ROPE_FREQS = "rope_freqs.weight";

    @Override
    public Path path() {
        return file.path();
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Optional<Tensor> find(String name) {
        GgufTensorInfo t = file.tensors().get(name);
        if (t == null) return Optional.empty();
        if (!TypeKernel.supported(t.type()))
            throw new FormatException(file.path(), "tensor '" + name + "' has type " + t.type() + ", which bgl cannot compute with yet");
        if (t.rows() > Integer.MAX_VALUE || t.cols() > Integer.MAX_VALUE)
            throw new FormatException(file.path(), "tensor '" + name + "' shape " + t.shape() + " is too large");
        return Optional.of(new Tensor(name, t.type(), file.data(t), (int) t.rows(), (int) t.cols()));
    }

    @Override
    public List<String> tensorNames() {
        return List.copyOf(file.tensors().keySet());
    }

    @Override
    public long weightBytes() {
        long n = 0;
        for (GgufTensorInfo t : file.tensors().values()) n += t.byteSize();
        return n;
    }

    @Override
    public void close() {
        file.close();
    }
}
