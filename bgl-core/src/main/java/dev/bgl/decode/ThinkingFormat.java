package dev.bgl.decode;

import java.util.Arrays;

/**
 * How a reasoning model marks its thinking, and where the prompt leaves it: given with a
 * {@link GenerateRequest}, so the decode loop alone follows the phases of the generation
 * ({@link ThinkingState}) and hands them to the processors in each {@link Step} and to the
 * {@link TokenListener} with each token. A request without one (a model with no {@code </think>})
 * is all answer.
 *
 * <p>A marker may be several tokens. Qwen3's {@code <think>} and {@code </think>} are one each;
 * gpt-oss's harmony spells its open marker {@code <|channel|>analysis<|message|>} in 3 and its close
 * {@code <|end|><|start|>assistant<|channel|>final<|message|>} in 6. The thinking opens when the
 * last token of the open marker enters. It closes on the close marker's <em>first</em> token, its
 * {@link #closeId}: that is the token a model chooses (harmony's {@code <|end|>} ends the analysis
 * message), the one budget methods push toward or hold back, and the rest of the marker
 * ({@link #closeTail}) is only the header of the answer, which the loop writes after it
 * ({@link DecodeLoop}) unless a processor's insertion already does. So a close marker of several
 * tokens must begin with a token that means nothing else (a control token; checked where the
 * format is made, {@code LoadedModel}).
 *
 * @param open  the open marker's tokens (empty: the model has none; then only a prompt can open the thinking)
 * @param close the close marker's tokens, at least one
 * @param start the phase the prompt leaves the model in: before thinking (the model opens it), inside it
 *              (the template opened it, as DeepSeek-R1's does), or in the answer (the prompt closed it: {@code nothink})
 */
public record ThinkingFormat(int[] open, int[] close, Phase start) {

    /** The phases of a generation: before {@code <think>}, between the markers, after {@code </think>}. */
    public enum Phase {BEFORE, THINKING, ANSWER}

    public ThinkingFormat {
        if (close == null || close.length == 0 || close[0] < 0)
            throw new IllegalArgumentException("the model has no token that closes its thinking");
        if (start == null) throw new IllegalArgumentException("no start phase");
        open = open == null ? new int[0] : open.clone();
        close = close.clone();
    }

    /** Markers of one token each: {@code openId} −1 when the model has none. */
    public ThinkingFormat(int openId, int closeId, Phase start) {
        this(openId < 0 ? new int[0] : new int[]{openId}, new int[]{closeId}, start);
    }

    @Override
    public int[] open() {
        return open.clone();
    }

    @Override
    public int[] close() {
        return close.clone();
    }

    /** The token that closes the thinking: the close marker's first. */
    public int closeId() {
        return close[0];
    }

    /** The close marker after its first token (empty for a one-token marker): the answer's header, written by the loop. */
    public int[] closeTail() {
        return Arrays.copyOfRange(close, 1, close.length);
    }

    /** Tokens of the close marker. */
    public int closeLength() {
        return close.length;
    }

    /** This format with the prompt leaving the model in {@code phase}. */
    public ThinkingFormat startingIn(Phase phase) {
        return new ThinkingFormat(open, close, phase);
    }

    /**
     * The phase a prompt leaves the model in, from its markers: inside the thinking when its last complete open
     * marker comes after its last closing token (DeepSeek-R1's template ends with {@code <think>\n}; a harmony
     * prompt may end in the analysis channel's header), else before it. Only the closing token is looked for, not
     * the whole close marker: harmony ends every message with {@code <|end|>}, and an earlier turn's analysis is
     * closed by it.
     */
    public Phase promptPhase(int[] prompt) {
        for (int end = prompt.length; end > 0; end--) {
            if (prompt[end - 1] == close[0]) return Phase.BEFORE;
            if (open.length > 0 && endsWith(prompt, end, open)) return Phase.THINKING;
        }
        return Phase.BEFORE;
    }

    /**
     * Whether {@code token}, entering after {@code tokens[0, end)}, puts a thinking marker into the answer: the
     * closing token itself, or the last token of a whole open marker. The answer guard forbids both; the accounting
     * counts either as an overrun.
     */
    public boolean entersAsMarker(int[] tokens, int end, int token) {
        return token == close[0] || token == openCompletion(tokens, end);
    }

    /**
     * The token that would complete an open marker after {@code tokens[0, end)} (the marker's last token, when the
     * tokens before it are there; a one-token marker's always), or −1.
     */
    public int openCompletion(int[] tokens, int end) {
        if (open.length == 0) return -1;
        int k = open.length - 1;
        if (end < k) return -1;
        for (int j = 0; j < k; j++) if (tokens[end - k + j] != open[j]) return -1;
        return open[k];
    }

    /** Whether {@code tokens[0, end)} ends with {@code marker}. */
    public static boolean endsWith(int[] tokens, int end, int[] marker) {
        if (end < marker.length) return false;
        for (int j = 0, from = end - marker.length; j < marker.length; j++) if (tokens[from + j] != marker[j]) return false;
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ThinkingFormat f && Arrays.equals(open, f.open) && Arrays.equals(close, f.close) && start == f.start;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(open) + Arrays.hashCode(close)) + start.hashCode();
    }

    @Override
    public String toString() {
        return "ThinkingFormat[open=" + Arrays.toString(open) + ", close=" + Arrays.toString(close) + ", start=" + start + "]";
    }
}
