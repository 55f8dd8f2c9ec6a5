package dev.bgl.train.predictor;

import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A trace as the predictor trains on it: the prompt and response ids, where {@code <think>} is
 * ({@code open}) and where the first {@code </think>} after it is ({@code close}). Its positions are
 * j = open..close−1: the hidden states at j, the token at j+1 as the head's column, and the
 * remaining length L = close − j (the tokens from that candidate up to and including {@code </think>},
 * so 1 when the candidate is {@code </think>} itself), as the official trainer counts.
 *
 * @param concise whether this is the augmented copy whose thinking is the answer section
 */
record TrainingSequence(String id, int[] tokens, int open, int close, boolean concise) {

    int positions() {
        return close - open;
    }

    /** The sequence of a trace, or null when its thinking never opened or never closed. */
    static TrainingSequence of(Trace t, ThinkingFormat markers) {
        int[] seq = concat(t.promptTokens(), t.tokens());
        return locate(t.id(), seq, t.promptTokens().length, markers, false);
    }

    /**
     * Where the thinking opens (the open marker's last token: its hidden state predicts the first thinking token)
     * and where its closing token is. A marker of several tokens (harmony's) counts from its last token on.
     */
    private static TrainingSequence locate(String id, int[] seq, int promptLength, ThinkingFormat markers, boolean concise) {
        int[] open = markers.open();
        int openAt = promptOpen(seq, promptLength, markers);
        for (int end = promptLength + 1; end <= seq.length && openAt < 0 && open.length > 0; end++)
            if (ThinkingFormat.endsWith(seq, end, open)) openAt = end - 1;
        if (openAt < 0) return null;
        for (int i = Math.max(openAt + 1, promptLength); i < seq.length; i++)
            if (seq[i] == markers.closeId()) return new TrainingSequence(id, Arrays.copyOf(seq, i + 1), openAt, i, concise);
        return null;
    }

    /**
     * The last token of the prompt's open marker when the prompt leaves the thinking open (DeepSeek-R1's template),
     * else −1: as {@link ThinkingFormat#promptPhase}, a closing token after the last whole open marker closes it.
     */
    private static int promptOpen(int[] seq, int promptLength, ThinkingFormat markers) {
        int[] open = markers.open();
        for (int end = promptLength; end > 0; end--) {
            if (seq[end - 1] == markers.closeId()) return -1;
            if (open.length > 0 && ThinkingFormat.endsWith(seq, end, open)) return end - 1;
        }
        return -1;
    }

    /**
     * The paper's "concise" augmentation: a copy whose thinking is replaced by the answer section
     * (what follows the close marker), so that the data holds short routes to the answer too.
     * Null when the trace has no closed thinking or no answer.
     *
     * @param markers the model's markers as the loop follows them
     * @param texts   the same markers as text, and what starts the answer after the close
     */
    static TrainingSequence concise(Trace t, Tokenizer tok, ThinkingFormat markers, ThinkingMarkers texts) {
        TrainingSequence full = of(t, markers);
        if (full == null) return null;
        int p = t.promptTokens().length, answerInResponse = full.close - p + markers.closeLength();
        List<Integer> after = new ArrayList<>();
        for (int i = answerInResponse; i < t.tokens().length; i++) if (!tok.isEndOfGeneration(t.tokens()[i])) after.add(t.tokens()[i]);
        String answer = tok.decode(after.stream().mapToInt(Integer::intValue).toArray()).strip();
        if (answer.isEmpty()) return null;
        boolean promptOpens = full.open < p;
        String response = (promptOpens ? "" : texts.open()) + "\n" + answer + "\n" + texts.closeText() + answer;
        int[] seq = concat(t.promptTokens(), tok.encode(response, true));
        return locate(t.id() + "#concise", seq, p, markers, true);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] s = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, s, a.length, b.length);
        return s;
    }
}
