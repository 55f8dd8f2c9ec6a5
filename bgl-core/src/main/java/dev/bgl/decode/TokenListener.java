package dev.bgl.decode;

import dev.bgl.decode.ThinkingFormat.Phase;

/**
 * Receives each token as it enters the output: its id, the text it completes (may be empty),
 * whether it was inserted, and the phase the generation is in after it (so {@code <think>} comes
 * with THINKING and {@code </think>} with ANSWER: a listener that keeps the previous phase sees the
 * markers as the changes). The text flushed at the end comes with id −1.
 */
@FunctionalInterface
public interface TokenListener {
    void onToken(int id, String text, boolean forced, Phase phase);

    TokenListener NONE = (id, text, forced, phase) -> {
    };
}
