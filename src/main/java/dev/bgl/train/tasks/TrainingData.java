package dev.bgl.train.tasks;

import dev.bgl.tokenizer.Tokenizer;
import dev.bgl.train.Example;

/** Turns a styled trace into a training {@link Example}: loss on the assistant's completion only. */
public final class TrainingData {
    private TrainingData() {
    }

    /**
     * Tokens of prompt + completion (special tokens parsed); the mask is true exactly on the
     * completion's tokens, from {@code <think>} through {@code <|im_end|>}. Prompt and completion
     * are encoded apart: the prompt ends in a newline and the completion starts with a special
     * token, so no BPE merge crosses the boundary and the result equals encoding the whole text.
     */
    public static Example encode(Tokenizer tok, Problem p, Solution s) {
        int[] prompt = tok.encode(TraceFormat.prompt(p), true);
        int[] completion = tok.encode(TraceFormat.completion(p, s), true);
        int[] tokens = new int[prompt.length + completion.length];
        boolean[] mask = new boolean[tokens.length];
        System.arraycopy(prompt, 0, tokens, 0, prompt.length);
        System.arraycopy(completion, 0, tokens, prompt.length, completion.length);
        for (int i = prompt.length; i < tokens.length; i++) mask[i] = true;
        return new Example(tokens, mask);
    }

    /** Tokens of the thinking text alone (between {@code <think>\n} and {@code \n</think>}). */
    public static int thinkingTokens(Tokenizer tok, Solution s) {
        return tok.encode(s.thinking(), true).length;
    }
}
