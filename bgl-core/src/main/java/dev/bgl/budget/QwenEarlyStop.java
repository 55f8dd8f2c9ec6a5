package dev.bgl.budget;

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
    public static final String MESSAGE =
            "Considering the limited time by the user, I have to give the solution based on the thinking directly now.\n</think>\n\n";

    private QwenEarlyStop() {
    }

    /** The processor: inserts {@link #MESSAGE} once the thinking has spent {@code budget} tokens. */
    public static HardCutoff processor(int budget) {
        return new HardCutoff(budget, MESSAGE);
    }

    /** The same with a budget read at every step. */
    public static HardCutoff processor(ThinkingBudget budget) {
        return new HardCutoff(budget, MESSAGE);
    }
}
