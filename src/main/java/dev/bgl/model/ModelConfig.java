package dev.bgl.model;

/**
 * The shape of a model, read from GGUF metadata or an HF {@code config.json}.
 *
 * @param headDim      per-head size of Q and K (Qwen3 sets it apart from dim/heads)
 * @param valueHeadDim per-head size of V
 * @param contextLength the context the model was trained for (the default session size)
 * @param tiedEmbeddings the output projection reuses {@code token_embd}
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
        boolean tiedEmbeddings) {

    public ModelConfig {
        if (heads % kvHeads != 0)
            throw new IllegalArgumentException("attention heads " + heads + " not a multiple of kv heads " + kvHeads);
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
