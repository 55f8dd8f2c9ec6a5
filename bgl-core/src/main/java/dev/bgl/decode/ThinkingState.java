package dev.bgl.decode;

import dev.bgl.decode.ThinkingFormat.Phase;

/**
 * The thinking state of one generation, kept by the decode loop from the tokens that enter it
 * (sampled and inserted alike): the phase, and the thinking tokens spent, those strictly between
 * the open marker and the closing token. It also notes where in the output the thinking began and
 * ended and where the answer starts (after the whole close marker), so that what is thinking and
 * what is answer is decided here once.
 *
 * <p>Markers of several tokens ({@link ThinkingFormat}): the thinking opens when the open marker's
 * last token enters (the tokens before it are not thinking), and closes on the close marker's first
 * token; the rest of the close marker, as it follows, is neither thinking nor answer.
 *
 * <p>Without a format (a model with no thinking) every token is answer.
 */
public final class ThinkingState {
    private final int[] open, close;
    /** The last {@code open.length} tokens seen while before the thinking, oldest first. */
    private final int[] recent;
    private Phase phase;
    private int spent, seen, from, closedAt = -1, tailMatched;
    private boolean inTail;

    /** @param format null: no thinking, all answer */
    public ThinkingState(ThinkingFormat format) {
        this.open = format == null ? new int[0] : format.open();
        this.close = format == null ? new int[0] : format.close();
        this.recent = new int[open.length];
        this.phase = format == null ? Phase.ANSWER : format.start();
        this.from = phase == Phase.THINKING ? 0 : -1;
    }

    /** Sees one token that entered the sequence. */
    public void accept(int token) {
        switch (phase) {
            case BEFORE -> {
                if (opens(token)) {
                    phase = Phase.THINKING;
                    from = seen + 1;
                }
            }
            case THINKING -> {
                if (token == close[0]) {
                    phase = Phase.ANSWER;
                    closedAt = seen;
                    inTail = close.length > 1;
                } else {
                    spent++;
                }
            }
            case ANSWER -> {
                if (inTail && token == close[1 + tailMatched]) {
                    if (++tailMatched == close.length - 1) inTail = false;
                } else {
                    inTail = false;
                }
            }
        }
        seen++;
    }

    /** Whether {@code token} completes the open marker (the tokens before it having been the rest of it). */
    private boolean opens(int token) {
        int k = open.length;
        if (k == 0) return false;
        System.arraycopy(recent, 1, recent, 0, k - 1);
        recent[k - 1] = token;
        if (seen + 1 < k) return false;
        for (int j = 0; j < k; j++) if (recent[j] != open[j]) return false;
        return true;
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

    /** Index in the output of the token that closed the thinking; −1 while it is open or never opened. */
    public int close() {
        return closedAt;
    }

    /**
     * Index in the output of the answer's first token: after the close marker's tokens that followed the closing
     * one; −1 while the thinking has not closed.
     */
    public int answerFrom() {
        return closedAt < 0 ? -1 : closedAt + 1 + tailMatched;
    }

    /** Whether the close marker's tail is still to come: the closing token entered and the rest of the marker has not. */
    public boolean closingTailPending() {
        return phase == Phase.ANSWER && inTail;
    }
}
