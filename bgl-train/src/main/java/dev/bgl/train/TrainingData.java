package dev.bgl.train;

import dev.bgl.tasks.Curriculum;
import dev.bgl.tasks.Problem;
import dev.bgl.tasks.Solution;
import dev.bgl.tasks.Split;
import dev.bgl.tasks.TraceFormat;
import dev.bgl.tokenizer.Tokenizer;
import dev.bgl.util.BglException;

import java.util.Iterator;
import java.util.SplittableRandom;

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

    /**
     * A trace whose thinking was cut at a random token, as a hard cut, an early-stop or a ceiling
     * cuts a real model's thought (mid-line, mid-number, or before the first token), followed by
     * the closing text those methods insert and a direct answer line. The loss is taken on the
     * answer line and the end-of-turn only: the cut and the close are forced at inference, so the
     * model must not learn to close its thinking mid-line by itself, only to answer directly once
     * it has been closed, instead of re-deriving in the answer. The answer is the problem's: the
     * model learns to guess as well as it can from the part it thought.
     *
     * @param rnd draws the cut: k thinking tokens kept, uniform over 0..(thinking tokens − 1)
     */
    public static Example encodeCut(Tokenizer tok, Problem p, Solution s, java.util.SplittableRandom rnd) {
        int[] prompt = tok.encode(TraceFormat.prompt(p), true);
        int[] open = tok.encode(TraceFormat.THINK_OPEN, true);
        int[] thinking = tok.encode("\n" + s.thinking(), true);
        int keep = rnd.nextInt(Math.max(1, thinking.length));
        // a cut before any thinking is also how the nothink prompt looks: "<think>\n\n</think>\n\n"
        String closeText = keep == 0 && rnd.nextBoolean() ? "\n\n" + TraceFormat.THINK_CLOSE + "\n\n" : "\n" + TraceFormat.THINK_CLOSE + "\n\n";
        int[] close = tok.encode(closeText, true);
        int[] answer = tok.encode(TraceFormat.answerLine(p.answer()) + TraceFormat.END_OF_TURN, true);
        int n = prompt.length + open.length + keep + close.length + answer.length;
        int[] tokens = new int[n];
        boolean[] mask = new boolean[n];
        int at = 0;
        for (int[] part : new int[][]{prompt, open, java.util.Arrays.copyOf(thinking, keep), close}) {
            System.arraycopy(part, 0, tokens, at, part.length);
            at += part.length;
        }
        System.arraycopy(answer, 0, tokens, at, answer.length);
        for (int i = at; i < n; i++) mask[i] = true;
        return new Example(tokens, mask);
    }

    /** Tokens of the thinking text alone (between {@code <think>\n} and {@code \n</think>}). */
    public static int thinkingTokens(Tokenizer tok, Solution s) {
        return tok.encode(s.thinking(), true).length;
    }

    /** Endless training examples of a curriculum: TRAIN problems, each with one trace drawn from the style mix. */
    public static Iterator<Example> examples(Curriculum c, Tokenizer tok, long seed) {
        return examples(c, tok, seed, 0);
    }

    /**
     * The same, with a share {@code cutShare} of the traces cut at a random token and answered
     * directly ({@link #encodeCut}); the cut draws come from a stream of their own, so
     * with a share of 0 the examples are exactly those of {@link #examples(Curriculum, Tokenizer, long)}.
     */
    public static Iterator<Example> examples(Curriculum c, Tokenizer tok, long seed, double cutShare) {
        if (!(cutShare >= 0 && cutShare <= 1)) throw new BglException("curriculum: cut share must be in [0, 1], got " + cutShare);
        Iterator<Problem> problems = c.stream(seed, Split.TRAIN);
        SplittableRandom styleRnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        SplittableRandom cutRnd = new SplittableRandom(seed ^ 0xC0FFEE5L);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Example next() {
                Problem p = problems.next();
                Solution s = p.solution(c.styles().pick(styleRnd));
                if (cutShare > 0 && cutRnd.nextDouble() < cutShare) return encodeCut(tok, p, s, cutRnd);
                return encode(tok, p, s);
            }
        };
    }
}
