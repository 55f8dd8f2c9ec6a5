package dev.bgl.train.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Count a letter in a string of 2·difficulty letters, stepping through every letter with a
 * counter. The letters are ones no merge of {@code ByteLevelVocab} touches, so each is one token and
 * the model reads the string one letter per step. Every step writes the letter next to the target
 * letter ({@code kp0}, {@code k p no 0}): comparing two adjacent tokens is a local operation a tiny
 * model learns, while recalling the target from the question at each step was not (a first model
 * trained without it answered "no" for every letter).
 */
public record CountTask() implements TaskFamily {
    /** Letters outside every merge pair of ByteLevelVocab (and not c, s, t, a, w, which merge after a space). */
    static final String LETTERS = "bdfgkmpuvxyz";

    @Override
    public String name() {
        return "count";
    }

    @Override
    public int minDifficulty() {
        return 1;
    }

    @Override
    public int maxDifficulty() {
        return 7; // 14 letters: with the target written at every step, a verified trace stays under 280 tokens
    }

    @Override
    public Problem generate(SplittableRandom rnd, int difficulty) {
        Traces.checkDifficulty(this, difficulty);
        int len = 2 * difficulty, kinds = rnd.nextInt(2, 5);
        char[] alphabet = new char[kinds];
        String pool = LETTERS;
        for (int i = 0; i < kinds; i++) {
            int j = rnd.nextInt(pool.length());
            alphabet[i] = pool.charAt(j);
            pool = pool.substring(0, j) + pool.substring(j + 1);
        }
        char target = alphabet[0];
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) s.append(alphabet[rnd.nextInt(kinds)]);
        String text = s.toString();
        List<Step> compact = new ArrayList<>(), detailed = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int count = 0;
        for (int i = 0; i < len; i++) {
            char c = text.charAt(i);
            if (c == target) {
                detailed.add(Step.of(c + " " + target + " yes ", count + "+1", count + 1, ""));
                count++;
            } else detailed.add(Step.text(c + " " + target + " no " + count));
            if (i > 0) line.append(' ');
            line.append(c).append(target).append(count);
        }
        compact.add(Step.text(line.toString()));
        return Traces.problem(this, difficulty, "Count the letter " + target + " in: " + text, Integer.toString(count),
                compact, detailed, compact, rnd);
    }
}
