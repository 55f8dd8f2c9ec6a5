package dev.bgl.model;

/**
 * The shape of a model, read from GGUF metadata or an HF {@code config.json}.
 *
 * @param headDim      per-head size of Q and K (Qwen3 sets it apart from dim/heads)
 * @param valueHeadDim per-head size of V
 * @param contextLength the context the model was trained for (the default session size)
 * @param tiedEmbeddings the output projection reuses {@code token_embd}
 * @param ropeScaling  how RoPE's angles are stretched for long contexts ({@link RopeScaling#NONE} for plain RoPE)
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
        RopeScaling ropeScaling) {

    public ModelConfig {
        if (heads % kvHeads != 0)
            throw new IllegalArgumentException("attention heads " + heads + " not a multiple of kv heads " + kvHeads);
        if (ropeScaling == null) ropeScaling = RopeScaling.NONE;
        float[] ff = ropeScaling.freqFactors();
        if (ff != null && ff.length != headDim / 2)
            throw new IllegalArgumentException(ff.length + " rope frequency factors for a head of " + headDim + " (" + headDim / 2 + " pairs)");
    }

    /** A model with plain RoPE. */
    public ModelConfig(Architecture architecture, int vocabSize, int dim, int layers, int heads, int kvHeads, int headDim,
                       int valueHeadDim, int ffnDim, int contextLength, float rmsEps, float ropeTheta, boolean tiedEmbeddings) {
        this(architecture, vocabSize, dim, layers, heads, kvHeads, headDim, valueHeadDim, ffnDim, contextLength, rmsEps, ropeTheta,
                tiedEmbeddings, RopeScaling.NONE);
    }

    /** This config with another RoPE scaling. */
    public ModelConfig withRopeScaling(RopeScaling rope) {
        return new ModelConfig(architecture, vocabSize, dim, layers, heads, kvHeads, headDim, valueHeadDim, ffnDim, contextLength,
                rmsEps, ropeTheta, tiedEmbeddings, rope);
    }

    /** This config with the output head tied or not. */
    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(architecture, vocabSize, dim, layers, heads, kvHeads, headDim, valueHeadDim, ffnDim, contextLength,
                rmsEps, ropeTheta, tied, ropeScaling);
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
        long perLayer = 2L * dim                                     // norms
                + (long) dim * qDim() + (long) dim * kvDim() + (long) dim * vDim() + (long) qDim() * dim
                + 3L * dim * ffnDim
                + (architecture.qkvBias() ? qDim() + kvDim() + vDim() : 0)
                + (architecture.qkNorm() ? 2L * headDim : 0);
        long emb = (long) vocabSize * dim;
        return emb + (tiedEmbeddings ? 0 : emb) + dim + perLayer * layers;
    }

    /** Bytes of KV cache per token for a given element size (4 for F32, 2 for F16). */
    public long kvBytesPerToken(int elementBytes) {
        return (long) layers * (kvDim() + vDim()) * elementBytes;
    }
}
