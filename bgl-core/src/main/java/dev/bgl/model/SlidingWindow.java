package dev.bgl.model;

/**
 * Sliding-window attention on some layers, as llama.cpp's LLAMA_SWA_TYPE_STANDARD with a layer
 * pattern: a query at position p sees keys at p − size + 1 .. p on a windowed layer, every earlier
 * key on the others. Layer l is windowed when {@code l % period < period − 1} (llama.cpp's
 * {@code set_swa_pattern} without dense-first), so gpt-oss's period of 2 windows the even layers.
 *
 * @param size   keys a query sees, itself included ({@code {arch}.attention.sliding_window})
 * @param period the layer pattern's period ({@code {arch}.attention.sliding_window_pattern}, 2 by
 *               default for gpt-oss; 0: every layer windowed)
 */
public record SlidingWindow(int size, int period) {
    public SlidingWindow {
        if (size < 1) throw new IllegalArgumentException("sliding window " + size + " must be positive");
        if (period < 0) throw new IllegalArgumentException("sliding window pattern " + period + " must not be negative");
    }

    /** Whether {@code layer} attends within the window. */
    public boolean windowed(int layer) {
        return period == 0 || layer % period < period - 1;
    }

    /** The window of {@code layer}: {@link #size} when it is windowed, 0 (everything) otherwise. */
    public int of(int layer) {
        return windowed(layer) ? size : 0;
    }

    /** For {@code inspect}: "128 tokens on layers 0, 2, 4, ... (every 2nd from 0)". */
    public String describe(int layers) {
        StringBuilder b = new StringBuilder(size + " tokens on ");
        int shown = 0, count = 0;
        for (int l = 0; l < layers; l++)
            if (windowed(l)) {
                count++;
                if (shown < 4) b.append(shown++ == 0 ? "layer " : ", ").append(l);
            }
        if (count > shown) b.append(", ...");
        return b.append(" (").append(count).append(" of ").append(layers).append(" layers)").toString();
    }
}
