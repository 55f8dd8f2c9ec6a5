package dev.bgl.decode;

/** Why a generation ended. */
public enum StopReason {
    /** The model emitted an end-of-generation token (EOS, {@code <|im_end|>}, ...). */
    END_OF_GENERATION,
    /** A stop string appeared in the output. */
    STOP_STRING,
    /** The token limit was reached. */
    MAX_TOKENS,
    /** The context window is full. */
    CONTEXT_FULL,
    /** A logits processor asked to stop. */
    PROCESSOR,
    /** Cancelled from outside. */
    CANCELLED
}
