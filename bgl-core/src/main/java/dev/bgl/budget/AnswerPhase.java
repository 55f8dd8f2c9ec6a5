package dev.bgl.budget;

/**
 * What happened after the thinking closed, for strict accounting: reasoning written after
 * {@code </think>} is reasoning, so a run whose answer overran is neither within budget nor
 * (strictly) correct.
 *
 * @param answerMax        the answer cap in force (tokens after {@code </think>})
 * @param capped           the answer reached the cap without ending, and the run was stopped there
 * @param markerAfterClose a thinking marker appeared after the close
 * @param closedAtLineEnd  whether the thinking closed at a line end (null: it did not close while
 *                         decoding: the prompt closed it, or it never closed)
 */
public record AnswerPhase(int answerMax, boolean capped, boolean markerAfterClose, Boolean closedAtLineEnd) {
    /** Nothing known (no guard ran): only what the tokens themselves show counts. */
    public static final AnswerPhase UNCHECKED = new AnswerPhase(Integer.MAX_VALUE, false, false, null);

    /** Answer tokens beyond the cap (0 with the guard on, which stops at it). */
    public int overrunTokens(int answerTokens) {
        return Math.max(0, answerTokens - answerMax);
    }

    /** Whether the answer overran: it hit or passed the cap, or a thinking marker came after the close. */
    public boolean overrun(int answerTokens) {
        return capped || markerAfterClose || answerTokens > answerMax;
    }
}
