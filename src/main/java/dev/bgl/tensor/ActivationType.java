package dev.bgl.tensor;

/** How activations are encoded before a dot product with a stored row (ggml's vec_dot_type). */
public enum ActivationType {
    F32, F16, BF16, Q8_0
}
