package dev.bgl.model;

/**
 * A mixture-of-experts feed-forward's shape: {@code count} experts of hidden size {@code ffnDim},
 * of which the router picks {@code used} per token.
 *
 * @param normTopK whether the chosen experts' softmax weights are rescaled to sum to 1 (llama.cpp
 *                 always does for qwen3moe; HF's {@code norm_topk_prob})
 */
public record ExpertConfig(int count, int used, int ffnDim, boolean normTopK) {
    public ExpertConfig {
        if (count < 1 || used < 1 || ffnDim < 1)
            throw new IllegalArgumentException("expert count " + count + ", used " + used + ", ffn " + ffnDim + " must be positive");
        if (used > count) throw new IllegalArgumentException(used + " experts used per token of only " + count);
    }
}
