package dev.bgl.client;

import java.util.ArrayList;
import java.util.List;

/**
 * A simulated user's hidden taste: how much an answer is worth to them (0..1) from whether it was
 * right and how long they waited. Waiting is measured in tokens at a nominal {@link #TOKENS_PER_SECOND}
 * (a served model's speed), not in this machine's seconds: the embedded model is so small and fast
 * that its real seconds would make every wait negligible, and tokens make the simulation repeatable.
 */
public enum Preference {
    /** Wants a right answer now: half the value is correctness, half is not waiting past ~2 s. */
    SPEED {
        public double utility(boolean correct, int thinking, int answer) {
            return 0.5 * (correct ? 1 : 0) + 0.5 * Math.max(0, 1 - waitSeconds(thinking, answer) / 2.0);
        }
    },
    /** Wants it right and hardly minds waiting. */
    CORRECT {
        public double utility(boolean correct, int thinking, int answer) {
            return 0.9 * (correct ? 1 : 0) + 0.1 * Math.max(0, 1 - waitSeconds(thinking, answer) / 10.0);
        }
    },
    /** Likes to see long, careful thinking (up to ~160 tokens) as much as a right answer. */
    DEPTH {
        public double utility(boolean correct, int thinking, int answer) {
            return 0.5 * (correct ? 1 : 0) + 0.5 * Math.min(1, thinking / 160.0);
        }
    };

    public static final double TOKENS_PER_SECOND = 40;

    public abstract double utility(boolean correct, int thinkingTokens, int answerTokens);

    static double waitSeconds(int thinking, int answer) {
        return (thinking + answer) / TOKENS_PER_SECOND;
    }

    /** The tags this kind of user ticks: what bothered them, or "good". */
    public List<String> tags(boolean correct, int thinking, int answer, int stars) {
        List<String> t = new ArrayList<>();
        if (!correct) t.add("wrong");
        if (this == SPEED && waitSeconds(thinking, answer) > 2.0) t.add("too_slow");
        if (this == DEPTH && thinking < 64) t.add("too_short");
        if (this == CORRECT && waitSeconds(thinking, answer) > 10.0) t.add("too_long");
        if (t.isEmpty() && stars >= 5) t.add("good");
        return t;
    }
}
