package dev.bgl.decode;

/**
 * The outcome of a generation: the generated ids (inserted ones included), their text (without
 * a final stop string or end-of-generation token), why it stopped, and timings.
 */
public record GenerateResult(int[] tokens, String text, StopReason stopReason, String stopDetail,
                             int promptTokens, int forcedTokens, long prefillNanos, long decodeNanos) {

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : tokens.length / (decodeNanos / 1e9);
    }

    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens / (prefillNanos / 1e9);
    }
}
