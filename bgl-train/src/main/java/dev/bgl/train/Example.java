package dev.bgl.train;

/**
 * One training sequence: token ids and, per position, whether the next-token loss is taken there.
 * {@code lossMask[i]} says that predicting {@code tokens[i]} from {@code tokens[0..i)} counts
 * (true on the assistant's part: thinking, {@code </think>}, answer, end-of-turn).
 */
public record Example(int[] tokens, boolean[] lossMask) {
    public Example {
        if (tokens.length != lossMask.length)
            throw new IllegalArgumentException("tokens and mask lengths differ: " + tokens.length + " vs " + lossMask.length);
        if (tokens.length < 2) throw new IllegalArgumentException("an example needs at least 2 tokens");
    }

    public int length() {
        return tokens.length;
    }
}
