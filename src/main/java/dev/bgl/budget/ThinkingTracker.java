package dev.bgl.budget;

/**
 * Follows a generation through its phases (before thinking, thinking, answer) from the tokens that
 * enter it, and counts the thinking tokens spent: those strictly between {@code <think>} and
 * {@code </think>}. A prompt may already have opened the thinking (DeepSeek-R1's template does).
 */
public final class ThinkingTracker {
    public enum Phase {BEFORE, THINKING, ANSWER}

    private final int openId;
    private final int closeId;
    private Phase phase;
    private int spent;

    public ThinkingTracker(int openId, int closeId, boolean promptOpensThinking) {
        this(openId, closeId, promptOpensThinking ? Phase.THINKING : Phase.BEFORE);
    }

    /** A tracker that starts in {@code start}: the phase the prompt leaves the model in. */
    public ThinkingTracker(int openId, int closeId, Phase start) {
        if (closeId < 0) throw new IllegalArgumentException("the model has no </think> token");
        this.openId = openId;
        this.closeId = closeId;
        this.phase = start;
    }

    /** Sees one token that entered the sequence. */
    public void accept(int token) {
        switch (phase) {
            case BEFORE -> {
                if (token == openId) phase = Phase.THINKING;
            }
            case THINKING -> {
                if (token == closeId) phase = Phase.ANSWER;
                else spent++;
            }
            case ANSWER -> {
            }
        }
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

    public int closeId() {
        return closeId;
    }
}
