package dev.bgl.tensor;

/** How activations are encoded before a dot product with a stored row (ggml's vec_dot_type). */
public enum ActivationType {
    F32, F16, BF16, Q8_0,
    /** ggml's Q8_K: blocks of 256 int8 quants, one float scale, sums of each 16 quants (the K-quants' partner). */
    Q8_K
}
