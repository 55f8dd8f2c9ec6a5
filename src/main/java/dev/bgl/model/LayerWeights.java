package dev.bgl.model;

import dev.bgl.tensor.Tensor;

/**
 * One transformer block's weights. Norm weights and biases are small and read often, so they are
 * held as floats; matrices stay in their stored type.
 */
record LayerWeights(
        float[] attnNorm,
        Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        float[] bq, float[] bk, float[] bv,      // null unless the architecture has QKV bias
        float[] qNorm, float[] kNorm,            // null unless the architecture has QK norm
        float[] ffnNorm,
        Tensor wGate, Tensor wUp, Tensor wDown) {
}
