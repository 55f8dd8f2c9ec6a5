package dev.bgl.decode;

import dev.bgl.decode.ThinkingFormat.Phase;

/**
 * The thinking state of one generation, kept by the decode loop from the tokens that enter it
 * (sampled and inserted alike): the phase, and the thinking tokens spent, those strictly between
 * {@code <think>} and {@code </think>}. It also notes where in the output the thinking began and
 * ended, so that what is thinking and what is answer is decided here once.
 *
 * <p>Without a format (a model with no thinking) every token is answer.
 */
public final class ThinkingState {
    private final int openId, closeId;
    private Phase phase;
    private int spent, seen, from, close = -1;

    /** @param format null: no thinking, all answer */
    public ThinkingState(ThinkingFormat format) {
        this.openId = format == null ? -1 : format.openId();
        this.closeId = format == null ? -1 : format.closeId();
        this.phase = format == null ? Phase.ANSWER : format.start();
        this.from = phase == Phase.THINKING ? 0 : -1;
    }

    /** Sees one token that entered the sequence. */
    public void accept(int token) {
        switch (phase) {
            case BEFORE -> {
                if (token == openId) {
                    phase = Phase.THINKING;
                    from = seen + 1;
                }
            }
            case THINKING -> {
                if (token == closeId) {
                    phase = Phase.ANSWER;
                    close = seen;
                } else {
                    spent++;
                }
            }
            case ANSWER -> {
            }
        }
        seen++;
    }

    public Phase phase() {
        return phase;
    }

    public boolean thinking() {
        return phase == Phase.THINKING;
    }

    /** Thinking tokens so far. */
    public int spent() {
        return spent;
    }

    /** Index in the output of the first thinking token (0 when the prompt opened the thinking); −1 while it has not opened. */
    public int from() {
        return from;
    }

    /** Index in the output of the {@code </think>} that closed the thinking; −1 while it is open or never opened. */
    public int close() {
        return close;
    }
}
