package dev.bgl.decode;

/**
 * The outcome of a generation: the generated ids (inserted ones included), their text (without
 * a final stop string or end-of-generation token), why it stopped, timings, and where the loop's
 * {@link ThinkingState} saw the thinking: {@code tokens[thinkingFrom, thinkingClose)} is the thinking.
 *
 * @param thinkingFrom  index of the first thinking token (0 when the prompt opened it); −1: it never opened
 * @param thinkingClose index of the token that closed it ({@code </think>}, harmony's {@code <|end|>}); −1: it did not close
 * @param answerFrom    index of the answer's first token, after the whole close marker; −1: the thinking did not close
 */
public record GenerateResult(int[] tokens, String text, StopReason stopReason, String stopDetail,
                             int promptTokens, int forcedTokens, long prefillNanos, long decodeNanos,
                             int thinkingFrom, int thinkingClose, int answerFrom) {

    /** A result whose close marker was one token: the answer starts after it. */
    public GenerateResult(int[] tokens, String text, StopReason stopReason, String stopDetail,
                          int promptTokens, int forcedTokens, long prefillNanos, long decodeNanos,
                          int thinkingFrom, int thinkingClose) {
        this(tokens, text, stopReason, stopDetail, promptTokens, forcedTokens, prefillNanos, decodeNanos, thinkingFrom, thinkingClose,
                thinkingClose < 0 ? -1 : thinkingClose + 1);
    }

    /** A result with no thinking seen. */
    public GenerateResult(int[] tokens, String text, StopReason stopReason, String stopDetail,
                          int promptTokens, int forcedTokens, long prefillNanos, long decodeNanos) {
        this(tokens, text, stopReason, stopDetail, promptTokens, forcedTokens, prefillNanos, decodeNanos, -1, -1, -1);
    }

    /** Whether the thinking was closed while decoding. */
    public boolean thinkingClosed() {
        return thinkingClose >= 0;
    }

    /** Thinking tokens spent: those strictly between the markers (up to the end when it did not close). */
    public int thinkingTokens() {
        return thinkingFrom < 0 ? 0 : (thinkingClose >= 0 ? thinkingClose : tokens.length) - thinkingFrom;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : tokens.length / (decodeNanos / 1e9);
    }

    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens / (prefillNanos / 1e9);
    }
}
