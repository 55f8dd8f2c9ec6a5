package dev.bgl.model;

/**
 * The shape of a model, read from GGUF metadata or an HF {@code config.json}.
 *
 * @param headDim      per-head size of Q and K (Qwen3 sets it apart from dim/heads)
 * @param valueHeadDim per-head size of V
 * @param contextLength the context the model was trained for (the default session size)
 * @param tiedEmbeddings the output projection reuses {@code token_embd}
 * @param ropeScaling  how RoPE's angles are stretched for long contexts ({@link RopeScaling#NONE} for plain RoPE)
 * @param experts      the mixture-of-experts feed-forward of a {@link Architecture#mixtureOfExperts()} model; null for a dense one
 * @param slidingWindow which layers attend within a window of recent keys (gpt-oss); null: every layer sees all keys
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int valueHeadDim,
        int ffnDim,
        int contextLength,
        float rmsEps,
        float ropeTheta,
        boolean tiedEmbeddings,
        RopeScaling ropeScaling,
        ExpertConfig experts,
        SlidingWindow slidingWindow) {

    public ModelConfig {
        if (heads % kvHeads != 0)
            throw new IllegalArgumentException("attention heads " + heads + " not a multiple of kv heads " + kvHeads);
        if (ropeScaling == null) ropeScaling = RopeScaling.NONE;
        float[] ff = ropeScaling.freqFactors();
        if (ff != null && ff.length != headDim / 2)
            throw new IllegalArgumentException(ff.length + " rope frequency factors for a head of " + headDim + " (" + headDim / 2 + " pairs)");
        if (architecture.mixtureOfExperts() != (experts != null))
            throw new IllegalArgumentException(architecture.ggufName() + (experts == null ? " needs" : " has no") + " expert counts");
    }

    /** A model whose layers all see every key. */
    public ModelConfig(Architecture architecture, int vocabSize, int dim, int layers, int heads, int kvHeads, int headDim,
                       int valueHeadDim, int ffnDim, int contextLength, float rmsEps, float ropeTheta, boolean tiedEmbeddings,
                       RopeScaling ropeScaling, ExpertConfig experts) {
        this(architecture, vocabSize, dim, layers, heads, kvHeads, headDim, valueHeadDim, ffnDim, contextLength, rmsEps, ropeTheta,
                tiedEmbeddings, ropeScaling, experts, null);
    }

    /** The window of {@code layer}'s attention in keys, 0 when it sees every key. */
    public int windowOf(int layer) {
        return slidingWindow == null ? 0 : slidingWindow.of(layer);
    }

    /** This config with sliding-window attention (null: none). */
    public ModelConfig withSlidingWindow(SlidingWindow w) {
        return new ModelConfig(architecture, vocabSize, dim, layers, heads, kvHeads, headDim, valueHeadDim, ffnDim, contextLength,
                rmsEps, ropeTheta, tiedEmbeddings, ropeScaling, experts, w);
    }

    /** A dense model with this RoPE scaling. */
    public ModelConfig(Architecture architecture, int vocabSize, int dim, int layers, int heads, int kvHeads, int headDim,
                       int valueHeadDim, int ffnDim, int contextLength, float rmsEps, float ropeTheta, boolean tiedEmbeddings,
                       RopeScaling ropeScaling) {
        this(architecture, vocabSize, dim, layers, heads, kvHeads, headDim, valueHeadDim, ffnDim, contextLength, rmsEps, ropeTheta,
                tiedEmbeddings, ropeScaling, null);
    }

    /** A model with plain RoPE. */
    public ModelConfig(Architecture architecture, int vocabSize, int dim, int layers, int heads, int kvHeads, int headDim,
                       int valueHeadDim, int ffnDim, int contextLength, float rmsEps, float ropeTheta, boolean tiedEmbeddings) {
        this(architecture, vocabSize, dim, layers, heads, kvHeads, headDim, valueHeadDim, ffnDim, contextLength, rmsEps, ropeTheta,
                tiedEmbeddings, RopeScaling.NONE, null);
    }

    /** This config with another RoPE scaling. */
    public ModelConfig withRopeScaling(RopeScaling rope) {
        return new ModelConfig(architecture, vocabSize, dim, layers, heads, kvHeads, headDim, valueHeadDim, ffnDim, contextLength,
                rmsEps, ropeTheta, tiedEmbeddings, rope, experts, slidingWindow);
    }

    /** This config with the output head tied or not. */
    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(architecture, vocabSize, dim, layers, heads, kvHeads, headDim, valueHeadDim, ffnDim, contextLength,
                rmsEps, ropeTheta, tied, ropeScaling, experts, slidingWindow);
    }

    /** This config with a mixture-of-experts feed-forward (null: dense). */
    public ModelConfig withExperts(ExpertConfig e) {
        return new ModelConfig(architecture, vocabSize, dim, layers, heads, kvHeads, headDim, valueHeadDim, ffnDim, contextLength,
                rmsEps, ropeTheta, tiedEmbeddings, ropeScaling, e, slidingWindow);
    }

    /** The widest feed-forward hidden size a forward pass needs room for (dense or one expert). */
    public int widestFfn() {
        return experts == null ? ffnDim : experts.ffnDim();
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int vDim() {
        return kvHeads * valueHeadDim;
    }

    /** Weights in the transformer (embedding counted once when tied). */
    public long parameterCount() {
        return parameters(experts == null ? 1 : experts.count());
    }

    /**
     * Weights one token's forward pass reads: all but the experts the router leaves out (the router
     * itself counted). Equal to {@link #parameterCount()} for a dense model.
     */
    public long activeParameterCount() {
        return parameters(experts == null ? 1 : experts.used());
    }

    private long parameters(int expertsCounted) {
        long ffn = experts == null ? 3L * dim * ffnDim
                : 3L * dim * experts.ffnDim() * expertsCounted + (long) dim * experts.count();
        long perLayer = 2L * dim                                     // norms
                + (long) dim * qDim() + (long) dim * kvDim() + (long) dim * vDim() + (long) qDim() * dim
                + ffn
                + (architecture.qkvBias() ? qDim() + kvDim() + vDim() : 0)
                + (architecture.qkNorm() ? 2L * headDim : 0)
                // gpt-oss: attn_output's bias, the sinks, the router's bias and the experts' biases
                + (architecture.gptOss() ? dim + heads + experts.count() + (2L * experts.ffnDim() + dim) * expertsCounted : 0);
        long emb = (long) vocabSize * dim;
        return emb + (tiedEmbeddings ? 0 : emb) + dim + perLayer * layers;
    }

    /**
     * Bytes of KV cache per token with keys and values stored as {@code t} (whole blocks for a block
     * type), counting every layer: a sliding-window layer's share stops growing past its window
     * ({@link #kvBytes}), so for such a model this is the rate up to the window.
     */
    public long kvBytesPerToken(KvCacheType t) {
        return (long) layers * (t.rowBytes(kvDim()) + t.rowBytes(vDim()));
    }

    /**
     * The most KV cache a session holds at a context of {@code tokens}: every position on a layer
     * that sees every key; on a sliding-window layer its window and what the forward pass keeps
     * beyond it (two chunks and two pages: {@link KvCache#releaseBefore}). What a context needs in
     * memory, for the check before allocating and for {@code inspect}.
     */
    public long kvBytes(KvCacheType t, long tokens) {
        long perLayer = t.rowBytes(kvDim()) + t.rowBytes(vDim()), positions = 0;
        for (int l = 0; l < layers; l++) positions += KvCache.heldPositionsBound(windowOf(l), tokens);
        return positions * perLayer;
    }

    /** KV cache bytes one decode step reads at a context of {@code tokens}: a sliding-window layer reads its window only. */
    public long kvBytesRead(KvCacheType t, long tokens) {
        long perLayer = t.rowBytes(kvDim()) + t.rowBytes(vDim()), positions = 0;
        for (int l = 0; l < layers; l++) positions += KvCache.heldPositions(windowOf(l), tokens);
        return positions * perLayer;
    }

    /** The largest context whose {@link #kvBytes} of type {@code t} fit in {@code bytes} (Long.MAX_VALUE when every layer is windowed and its cap fits). */
    public long kvTokensWithin(KvCacheType t, long bytes) {
        if (bytes <= 0) return 0;
        // kvBytes grows with tokens, and stops growing only when every layer is windowed
        return dev.bgl.util.Monotone.largest(k -> kvBytes(t, k) <= bytes, 1L << 40);
    }
}
