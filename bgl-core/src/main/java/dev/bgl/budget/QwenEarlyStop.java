package dev.bgl.budget;

import dev.bgl.chat.ThinkingMarkers;

/**
 * The {@code qwen-stop} baseline: Qwen3's documented thinking budget. At the budget, the thinking is
 * ended with an early-stop message that tells the model to answer from what it has, followed by
 * {@code </think>}. It is the hard cut with a longer closing text, so it is a {@link HardCutoff}.
 *
 * <p>The text follows the Qwen3 docs and technical report, which write {@code "</think>.\n\n"}: the
 * stray period after {@code </think>} would start the answer with ".", so it is left out here.
 *
 * <p>Accounting: the thinking holds {@code budget} model tokens plus the message up to
 * {@code </think>} ("Considering … directly now.\n"), so the overshoot is that part's length in
 * tokens (about 20 with Qwen3's tokenizer); those tokens are inside the thinking and count.
 */
public final class QwenEarlyStop {
    /** The words written into the thinking before it is closed. */
    public static final String WORDS = "Considering the limited time by the user, I have to give the solution based on the thinking directly now.\n";
    /** The message for the {@code <think>} format; a model's own is {@link #message(ThinkingMarkers)}. */
    public static final String MESSAGE = message(ThinkingMarkers.THINK);

    private QwenEarlyStop() {
    }

    /** The early-stop message in a format's markers: the words, then what closes the thinking and starts the answer. */
    public static String message(ThinkingMarkers format) {
        return WORDS + format.closeText();
    }

    /** The processor: inserts {@link #MESSAGE} once the thinking has spent {@code budget} tokens. */
    public static HardCutoff processor(int budget) {
        return new HardCutoff(budget, MESSAGE);
    }

    /** The processor for a model of {@code format}, with a budget read at every step. */
    public static HardCutoff processor(ThinkingBudget budget, ThinkingMarkers format) {
        return new HardCutoff(budget, message(format));
    }

    /** The same with a budget read at every step. */
    public static HardCutoff processor(ThinkingBudget budget) {
        return new HardCutoff(budget, MESSAGE);
    }
}
