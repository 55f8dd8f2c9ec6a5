package dev.bgl.model;

import dev.bgl.tensor.PackedRows;
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
        Moe moe,                                  // null in a dense layer
        float[] bo,                               // attn_output's bias (gpt-oss); null otherwise
        float[] sinks,                            // one sink logit per query head (gpt-oss); null otherwise
        int window,                               // keys a query sees on this layer, 0: all
        PackedRows qkv,                           // wq, wk, wv packed as one matrix (they view it); null where they could not be
        PackedRows gateUp) {                      // wGate, wUp likewise; null in a MoE layer or where they could not be

    /** A layer without gpt-oss's output bias, sinks and window, and without stacked matrices. */
    LayerWeights(float[] attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo, float[] bq, float[] bk, float[] bv,
                 float[] qNorm, float[] kNorm, float[] ffnNorm, Tensor wGate, Tensor wUp, Tensor wDown, Moe moe) {
        this(attnNorm, wq, wk, wv, wo, bq, bk, bv, qNorm, kNorm, ffnNorm, wGate, wUp, wDown, moe, null, null, 0, null, null);
    }

    /**
     * The router ({@code ffn_gate_inp}: one row of logits per expert) and each expert's SwiGLU
     * matrices; gpt-oss adds a bias to the router ({@code routerBias}, [count]) and to each
     * expert's products ({@code [expert][rows]}), null elsewhere. {@code gateUp[e]}, where not
     * null, is expert e's gate rows then its up rows packed as one matrix, the memory that
     * {@code gate[e]} and {@code up[e]} view (see {@link dev.bgl.tensor.PackedRows#stack}): one
     * product gives both at decode.
     */
    record Moe(Tensor router, Tensor[] gate, Tensor[] up, Tensor[] down,
               float[] routerBias, float[][] gateBias, float[][] upBias, float[][] downBias, PackedRows[] gateUp) {
        Moe(Tensor router, Tensor[] gate, Tensor[] up, Tensor[] down) {
            this(router, gate, up, down, null, null, null, null, null);
        }
    }
}
