package dev.bgl.model;

import dev.bgl.tensor.Tensor;

/**
 * One transformer block's weights. Norm weights and biases are small and read often, so they are
 * held as floats; matrices stay in their stored type. A mixture-of-experts layer has {@code moe}
 * and no dense feed-forward matrices; a dense one the reverse.
 */
record LayerWeights(
        float[] attnNorm,
        Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        float[] bq, float[] bk, float[] bv,      // null unless the architecture has QKV bias
        float[] qNorm, float[] kNorm,            // null unless the architecture has QK norm
        float[] ffnNorm,
        Tensor wGate, Tensor wUp, Tensor wDown,   // null in a MoE layer
        Moe moe) {                                // null in a dense layer

    /** The router ({@code ffn_gate_inp}: one row of logits per expert) and each expert's SwiGLU matrices. */
    record Moe(Tensor router, Tensor[] gate, Tensor[] up, Tensor[] down) {
    }
}
