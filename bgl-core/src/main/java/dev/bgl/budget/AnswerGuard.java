package dev.bgl.budget;

import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.Step;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.decode.ThinkingFormat.Phase;
import dev.bgl.tokenizer.Tokenizer;

/**
 * The answer phase's guard, last in every method's chain: once the thinking is closed, it stays
 * closed, and the answer is an answer, not more reasoning.
 * <ul>
 * <li>After {@code </think>} neither thinking marker can be generated again (their logits are −∞:
 * the closing token, and the token that would complete an open marker), so a model cannot reopen or
 * re-close its thinking and reason on in the answer.</li>
 * <li>The answer has a cap ({@code answerMax} tokens after {@code </think>}, end of turn included): a
 * run that reaches it without ending is stopped with the reason {@link #ANSWER_CAP}, and its
 * accounting says so: reasoning written after the close is not free.</li>
 * <li>Where the model's family has an answer prefix (the default model's {@code "Answer:"}) and a
 * method closed the thinking by insertion (a cut, an early-stop message, a ceiling) or the prompt
 * closed it (a budget of 0, {@code nothink}), the prefix is inserted after the close, as s1 writes
 * "**Final Answer**": the model answers from what it has instead of re-deriving. A close the model
 * chose itself gets nothing.</li>
 * </ul>
 * It also notes whether the thinking closed at a line end (the last token the model itself wrote
 * ended a line, or it wrote none): a thought cut mid-line or mid-number is what users of hard cuts
 * complain about.
 *
 * <p>Accounting: the guard inserts only answer tokens (the prefix); they count toward the cap. The
 * rest of a close marker of several tokens (harmony's final-channel header) is the marker, not answer:
 * it does not count, and its tokens are not markers "after the close".
 */
public final class AnswerGuard implements LogitsProcessor {
    /** The stop detail of a run whose answer reached the cap. */
    public static final String ANSWER_CAP = "answer_cap";

    private final ThinkingFormat markers;
    private final int answerMax;
    private final int[] prefix;
    private final boolean[] endsLine;
    private final Tokenizer tokenizer;
    private int answerTokens, tailLeft;
    private boolean capped, markerAfterClose, lastModelTokenEndedLine = true, prefixInserted;
    private Boolean closedAtLineEnd;
    /** The phase of the last step seen (the loop keeps it; the guard remembers it to see the close happen). */
    private Phase phase;

    /**
     * @param markers      the model's thinking markers (the start phase is not read: the loop's steps carry the phase)
     * @param answerMax    tokens the answer may take after the close marker
     * @param answerPrefix inserted after a forced close (null: never)
     * @param tokenizer    encodes the prefix and tells which tokens end a line
     */
    public AnswerGuard(ThinkingFormat markers, int answerMax, String answerPrefix, Tokenizer tokenizer) {
        this(markers, answerMax, answerPrefix, tokenizer, null);
    }

    /** @param lineEnds {@link #lineEndTokens} of the tokenizer, computed once by the caller (null: computed here) */
    public AnswerGuard(ThinkingFormat markers, int answerMax, String answerPrefix, Tokenizer tokenizer, boolean[] lineEnds) {
        if (answerMax < 1) throw new IllegalArgumentException("answer cap must be >= 1 token, got " + answerMax);
        this.markers = markers;
        this.answerMax = answerMax;
        this.prefix = answerPrefix == null || answerPrefix.isEmpty() ? new int[0] : tokenizer.encode(answerPrefix, true);
        this.endsLine = lineEnds != null ? lineEnds : lineEndTokens(tokenizer);
        this.tokenizer = tokenizer;
    }

    /** Per token id: whether its text ends with a newline. */
    public static boolean[] lineEndTokens(Tokenizer tokenizer) {
        boolean[] nl = new boolean[tokenizer.vocabSize()];
        for (int id = 0; id < nl.length; id++) {
            byte[] b = tokenizer.tokenBytes(id);
            nl[id] = b.length > 0 && b[b.length - 1] == '\n';
        }
        return nl;
    }

    @Override
    public void begin(Step start, DecodeControl control) {
        phase = start.phase();
        // the prompt closed the thinking (nothink, a budget of 0): the answer starts now
        if (phase == Phase.ANSWER) insertPrefix(control);
    }

    @Override
    public void apply(Step step, float[] logits) {
        if (step.phase() != Phase.ANSWER) return;
        int close = markers.closeId(), open = markers.openCompletion(step.tokens(), step.generated());
        if (close < logits.length) logits[close] = Float.NEGATIVE_INFINITY;
        if (open >= 0 && open < logits.length) logits[open] = Float.NEGATIVE_INFINITY;
    }

    @Override
    public boolean argmaxInvariant() {
        return false;
    }

    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        Phase before = phase;
        phase = step.phase();
        switch (before) {
            case BEFORE -> {
            }
            case THINKING -> {
                if (phase == Phase.ANSWER) {
                    closedAtLineEnd = lastModelTokenEndedLine;
                    tailLeft = markers.closeLength() - 1; // the loop writes the rest of the marker first
                    if (forced) insertPrefix(control); // queued after the rest of the closing text
                } else if (!forced) {
                    lastModelTokenEndedLine = token >= 0 && token < endsLine.length && endsLine[token];
                }
            }
            case ANSWER -> {
                if (tailLeft > 0 && forced) {
                    tailLeft--; // the close marker's rest: not answer
                    return;
                }
                tailLeft = 0;
                answerTokens++;
                if (markers.entersAsMarker(step.tokens(), step.generated(), token)) markerAfterClose = true; // only an insertion can do this
                if (answerTokens >= answerMax && !capped && !tokenizer.isEndOfGeneration(token)) {
                    capped = true;
                    control.stop(ANSWER_CAP); // an end of generation on this very token ends the run first
                }
            }
        }
    }

    private void insertPrefix(DecodeControl control) {
        if (prefix.length == 0 || prefixInserted) return;
        prefixInserted = true;
        control.insert(prefix);
    }

    public int answerMax() {
        return answerMax;
    }

    /** Whether the answer reached the cap without ending (the run was stopped there). */
    public boolean capped() {
        return capped;
    }

    /** Whether a thinking marker entered the answer (only possible by insertion while the guard is on). */
    public boolean markerAfterClose() {
        return markerAfterClose;
    }

    /**
     * Whether the thinking closed at a line end: the last token the model wrote in it ended a line
     * (or it wrote none). Null when no close happened while decoding (the prompt closed it, or it never closed).
     */
    public Boolean closedAtLineEnd() {
        return closedAtLineEnd;
    }

    /** Whether the answer prefix was inserted. */
    public boolean prefixInserted() {
        return prefixInserted;
    }
}
