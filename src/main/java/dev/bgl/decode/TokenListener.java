package dev.bgl.decode;

/** Receives each token as it enters the output: its id, the text it completes (may be empty), and whether it was inserted. */
@FunctionalInterface
public interface TokenListener {
    void onToken(int id, String text, boolean forced);

    TokenListener NONE = (id, text, forced) -> {
    };
}
