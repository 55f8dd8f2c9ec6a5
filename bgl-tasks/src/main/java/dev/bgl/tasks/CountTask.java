package dev.bgl.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Count the vowels in a word of 2·difficulty letters, stepping through every letter with a
 * counter. Whether a letter is a vowel is a property of the letter alone, which a tiny model keeps
 * in its embeddings; the first version asked for an arbitrary target letter, and comparing two
 * tokens for equality was beyond an 800k-parameter model (it answered "no" at every step and got
 * 22% of held-out problems right). The letters are ones that no merge of {@code ByteLevelVocab}
 * joins to a neighbour, so the word reads as one token per letter; the word is quoted so that its
 * first letter is not merged with a space.
 * Compact: three letters a line, {@code d0,a1,k1} then {@code e2,b2,o3}; detailed: one line per letter,
 * {@code d no 0} or {@code a yes 0+1=1}. The compact count was one line of up to 14 items (42 tokens):
 * a thought of one line can only end at its start or its end, so under a tight budget it was cut
 * mid-item; three items a line give it a place to end every 9 tokens, as the other families' lines do.
 */
public record CountTask() implements TaskFamily {
    static final String VOWELS = "aeiou";
    /** Consonants outside every merge pair of ByteLevelVocab. */
    static final String CONSONANTS = "bdfgkmpvxyz";
    /** Share of vowels in a word: near half, so "yes" and "no" steps are both common. */
    private static final double VOWEL_SHARE = 0.45;
    /** Letters on a line of the compact count. */
    static final int LETTERS_PER_LINE = 3;

    @Override
    public String name() {
        return "count";
    }

    @Override
    public int maxDifficulty() {
        return 7; // 14 letters: a verified trace stays under 200 tokens
    }

    static boolean isVowel(char c) {
        return VOWELS.indexOf(c) >= 0;
    }

    @Override
    public Problem generate(SplittableRandom rnd, int difficulty) {
        Traces.checkDifficulty(this, difficulty);
        int len = 2 * difficulty;
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) {
            String pool = rnd.nextDouble() < VOWEL_SHARE ? VOWELS : CONSONANTS;
            s.append(pool.charAt(rnd.nextInt(pool.length())));
        }
        String word = s.toString();
        List<TraceLine> compact = new ArrayList<>(), detailed = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int count = 0;
        for (int i = 0; i < len; i++) {
            char c = word.charAt(i);
            if (isVowel(c)) {
                detailed.add(TraceLine.of(c + " yes ", count + "+1", count + 1, ""));
                count++;
            } else detailed.add(TraceLine.text(c + " no " + count));
            if (i % LETTERS_PER_LINE > 0) line.append(','); // not a space: " a" is a merged token
            line.append(c).append(count);
            if (i % LETTERS_PER_LINE == LETTERS_PER_LINE - 1 || i == len - 1) {
                compact.add(TraceLine.text(line.toString()));
                line.setLength(0);
            }
        }
        return Traces.problem(this, difficulty, "Count the vowels in \"" + word + "\"", Integer.toString(count),
                compact, detailed, compact, rnd);
    }
}
