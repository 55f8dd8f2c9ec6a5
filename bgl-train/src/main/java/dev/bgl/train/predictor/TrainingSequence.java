package dev.bgl.train.predictor;

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
    static TrainingSequence of(Trace t, int thinkOpen, int thinkClose) {
        int[] seq = concat(t.promptTokens(), t.tokens());
        return locate(t.id(), seq, t.promptTokens().length, thinkOpen, thinkClose, false);
    }

    private static TrainingSequence locate(String id, int[] seq, int promptLength, int thinkOpen, int thinkClose, boolean concise) {
        int open = promptOpen(seq, promptLength, thinkOpen, thinkClose);
        if (open < 0)
            for (int i = promptLength; i < seq.length && open < 0; i++) if (seq[i] == thinkOpen) open = i;
        if (open < 0) return null;
        for (int i = Math.max(open + 1, promptLength); i < seq.length; i++)
            if (seq[i] == thinkClose) return new TrainingSequence(id, Arrays.copyOf(seq, i + 1), open, i, concise);
        return null;
    }

    /** The prompt's own {@code <think>} when the template opens the thinking (DeepSeek-R1's does), else −1. */
    private static int promptOpen(int[] seq, int promptLength, int thinkOpen, int thinkClose) {
        for (int i = promptLength - 1; i >= 0; i--) {
            if (seq[i] == thinkClose) return -1;
            if (seq[i] == thinkOpen) return i;
        }
        return -1;
    }

    /**
     * The paper's "concise" augmentation: a copy whose thinking is replaced by the answer section
     * (what follows {@code </think>\n\n}), so that the data holds short routes to the answer too.
     * Null when the trace has no closed thinking or no answer.
     */
    static TrainingSequence concise(Trace t, Tokenizer tok, int thinkOpen, int thinkClose) {
        TrainingSequence full = of(t, thinkOpen, thinkClose);
        if (full == null) return null;
        int p = t.promptTokens().length, closeInResponse = full.close - p;
        List<Integer> after = new ArrayList<>();
        for (int i = closeInResponse + 1; i < t.tokens().length; i++) if (!tok.isEndOfGeneration(t.tokens()[i])) after.add(t.tokens()[i]);
        String answer = tok.decode(after.stream().mapToInt(Integer::intValue).toArray()).strip();
        if (answer.isEmpty()) return null;
        boolean promptOpens = full.open < p;
        String response = (promptOpens ? "" : tok.tokenText(thinkOpen)) + "\n" + answer + "\n" + tok.tokenText(thinkClose) + "\n\n" + answer;
        int[] seq = concat(t.promptTokens(), tok.encode(response, true));
        return locate(t.id() + "#concise", seq, p, thinkOpen, thinkClose, true);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] s = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, s, a.length, b.length);
        return s;
    }
}
