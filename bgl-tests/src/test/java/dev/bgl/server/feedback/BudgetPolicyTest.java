package dev.bgl.server.feedback;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class BudgetPolicyTest {
    static final int[] LEVELS = PolicyConfig.DEFAULT_LEVELS;
    /** The learning itself, over every level and with a new draw each call (the served policy adds a floor and keeps draws). */
    static final PolicyConfig OPEN = PolicyConfig.DEFAULT.withFloor(0, 0);

    /** A synthetic environment: user u's expected stars peak at level best[u] and fall off by 0.6 a level either side. */
    static double expectedStars(int best, int i) {
        return Math.max(1, 4.6 - 0.6 * Math.abs(i - best));
    }

    static int stars(Random rnd, double mean) {
        return (int) Math.max(1, Math.min(5, Math.round(mean + 0.7 * rnd.nextGaussian())));
    }

    record Run(double regret, int[][] picksLate) {
    }

    /** Users with known best levels; costWeight 0 so the reward is the stars alone; rounds per user. */
    static Run play(boolean random, int[] best, int rounds, long seed) {
        BudgetPolicy p = new BudgetPolicy(OPEN.withCostWeight(0).withSeed(seed));
        Random env = new Random(seed + 1), pick = new Random(seed + 2);
        double regret = 0;
        int[][] late = new int[best.length][LEVELS.length];
        for (int r = 0; r < rounds; r++) {
            for (int u = 0; u < best.length; u++) {
                int level = random ? LEVELS[pick.nextInt(LEVELS.length)] : p.choose("u" + u, "sum").budgetTokens();
                int i = indexOf(level);
                regret += expectedStars(best[u], best[u]) - expectedStars(best[u], i);
                if (r >= rounds - 50) late[u][i]++;
                p.observe("u" + u, "sum", level, stars(env, expectedStars(best[u], i)), 0, List.of(), null);
            }
        }
        return new Run(regret, late);
    }

    static int indexOf(int level) {
        for (int i = 0; i < LEVELS.length; i++) if (LEVELS[i] == level) return i;
        throw new AssertionError("not a level: " + level);
    }

    @Test
    void convergesToEachUsersBestLevelWithLessRegretThanRandom() {
        int[] best = {0, 2, 3, 5, 3, 1};
        Run bandit = play(false, best, 200, 7), uniform = play(true, best, 200, 7);
        assertTrue(bandit.regret() < 0.25 * uniform.regret(),
                "bandit regret " + bandit.regret() + " vs uniform random " + uniform.regret());
        for (int u = 0; u < best.length; u++) {
            int[] late = bandit.picksLate()[u];
            int mode = 0;
            for (int i = 1; i < late.length; i++) if (late[i] > late[mode]) mode = i;
            assertEquals(best[u], mode, "user " + u + " late picks " + java.util.Arrays.toString(late));
            assertTrue(late[best[u]] >= 30, "user " + u + " picks the best level in most of the last 50 rounds: " + java.util.Arrays.toString(late));
        }
    }

    @Test
    void sameSeedSameChoices() {
        List<Integer> a = new ArrayList<>(), b = new ArrayList<>();
        for (List<Integer> out : List.of(a, b)) {
            BudgetPolicy p = new BudgetPolicy(OPEN.withSeed(42));
            for (int i = 0; i < 50; i++) {
                int level = p.choose("u", "mul").budgetTokens();
                out.add(level);
                p.observe("u", "mul", level, 1 + level % 5, 0.1, List.of(), true);
            }
        }
        assertEquals(a, b);
    }

    @Test
    void newUserStartsFromWhatOthersAskingTheSameTaskLiked() {
        BudgetPolicy p = new BudgetPolicy(OPEN.withCostWeight(0));
        for (int u = 0; u < 10; u++)
            for (int k = 0; k < 5; k++) {
                p.observe("u" + u, "count", 64, 5, 0, List.of(), true);
                p.observe("u" + u, "count", 16, 1, 0, List.of("wrong"), false);
            }
        assertEquals(64, p.bestLevel("newcomer", "count"));
        assertTrue(p.posteriorMean("newcomer", "count", 64) > p.posteriorMean("newcomer", "count", 16));
        var c = p.choose("newcomer", "count");
        if (c.budgetTokens() == 64) assertTrue(c.reason().startsWith("Users asking count questions rated 64-token answers 5.0★"), c.reason());
        // another task type shares nothing
        assertEquals(0.5, p.posteriorMean("newcomer", "sum", 64), 1e-12);
    }

    @Test
    void tagsShiftEvidenceToTheNeighbouringLevel() {
        BudgetPolicy plain = new BudgetPolicy(OPEN), tagged = new BudgetPolicy(OPEN);
        plain.observe("u", "sum", 64, 3, 0, List.of(), null);
        tagged.observe("u", "sum", 64, 3, 0, List.of("too_long"), null);
        assertTrue(tagged.posteriorMean("u", "sum", 32) > plain.posteriorMean("u", "sum", 32), "too_long favours the shorter level");
        assertEquals(plain.posteriorMean("u", "sum", 64), tagged.posteriorMean("u", "sum", 64), 1e-12, "the rated level's own reward is the stars");
        assertTrue(tagged.posteriorMean("u", "sum", 128) < plain.posteriorMean("u", "sum", 128), "too long here: longer levels too");
        BudgetPolicy slow2 = new BudgetPolicy(OPEN), plain3 = new BudgetPolicy(OPEN);
        slow2.observe("u", "sum", 64, 2, 0, List.of("too_slow"), null);
        plain3.observe("u", "sum", 64, 2, 0, List.of(), null);
        assertTrue(slow2.posteriorMean("u", "sum", 256) < plain3.posteriorMean("u", "sum", 256), "a poor slow answer here: worse above");
        assertEquals(plain.posteriorMean("u", "sum", 16), tagged.posteriorMean("u", "sum", 16), 1e-12, "two levels shorter: no evidence");

        BudgetPolicy wrong = new BudgetPolicy(OPEN);
        wrong.observe("u", "sum", 64, 3, 0, List.of("wrong"), false);
        BudgetPolicy plain2 = new BudgetPolicy(OPEN);
        plain2.observe("u", "sum", 64, 3, 0, List.of(), null);
        assertTrue(wrong.posteriorMean("u", "sum", 128) > plain2.posteriorMean("u", "sum", 128), "wrong favours the longer level");
        BudgetPolicy wrong2 = new BudgetPolicy(OPEN), plain4 = new BudgetPolicy(OPEN);
        wrong2.observe("u", "sum", 64, 2, 0, List.of("wrong"), false);
        plain4.observe("u", "sum", 64, 2, 0, List.of(), null);
        assertTrue(wrong2.posteriorMean("u", "sum", 16) < plain4.posteriorMean("u", "sum", 16), "wrong for want of thinking: shorter levels too");
    }

    @Test
    void reasonTellsTheUsersOwnRatingsAndWhyNotShorter() {
        BudgetPolicy p = new BudgetPolicy(OPEN.withCostWeight(0));
        for (int k = 0; k < 12; k++) p.observe("u", "sum", 64, k < 7 ? 5 : 4, 0, List.of("good"), true);
        for (int k = 0; k < 6; k++) p.observe("u", "sum", 16, 1, 0, List.of("wrong"), false);
        String reason = null;
        for (int k = 0; k < 20 && reason == null; k++) {
            var c = p.choose("u", "sum");
            if (c.budgetTokens() == 64) reason = c.reason();
        }
        assertEquals("You rated 64-token answers 4.6★ on average over 12 ratings; shorter ones were often wrong", reason);
    }

    @Test
    void costOfWaitingLowersTheReward() {
        BudgetPolicy p = new BudgetPolicy(OPEN.withCostWeight(0.1));
        assertEquals(1.0, p.reward(5, 0), 1e-12);
        assertEquals(0.5, p.reward(5, 5), 1e-12);
        assertEquals(0.0, p.reward(1, 0), 1e-12);
    }

    @Test
    void neverExploresBelowTheFloor() {
        BudgetPolicy p = new BudgetPolicy(PolicyConfig.DEFAULT.withFloor(64, 0).withNoiseSd(2.0));
        for (int i = 0; i < 500; i++) assertTrue(p.choose("u" + i, "sum").budgetTokens() >= 64);
        // even when ratings love the short levels, which were served before the floor was set
        for (int i = 0; i < 30; i++) p.observe("fan", "sum", 0, 5, 0.1, java.util.List.of("good"), true);
        for (int i = 0; i < 50; i++) assertTrue(p.choose("fan", "sum").budgetTokens() >= 64);
        assertTrue(p.bestLevel("fan", "sum") >= 64);
    }

    @Test
    void ratingsRaiseTheFloorWhenItLosesAccuracy() {
        BudgetPolicy p = new BudgetPolicy(PolicyConfig.DEFAULT.withFloor(32, 0));
        assertEquals(32, LEVELS[p.floorIndex("sum")]);
        // 32 tokens: 7 of 12 wrong; 64: all right -> 32 is too far below the best
        for (int i = 0; i < 12; i++) p.observe("u" + i, "sum", 32, i < 7 ? 1 : 4, 1, i < 7 ? java.util.List.of("wrong") : java.util.List.of(), null);
        assertEquals(32, LEVELS[p.floorIndex("sum")], "no evidence at 64 yet: the floor stays");
        for (int i = 0; i < 12; i++) p.observe("v" + i, "sum", 64, 5, 1, java.util.List.of(), true);
        assertEquals(64, LEVELS[p.floorIndex("sum")]);
        assertEquals(32, LEVELS[p.floorIndex("mul")], "other task types keep theirs");
    }

    @Test
    void oneDrawPerUserAndTaskIsKeptUntilARating() {
        BudgetPolicy p = new BudgetPolicy(PolicyConfig.DEFAULT.withFloor(0, 600).withNoiseSd(2.0).withDefault(-1, 0));
        int first = p.choose("alice", "sum").budgetTokens();
        for (int i = 0; i < 50; i++) assertEquals(first, p.choose("alice", "sum").budgetTokens(), "the same question gets the same budget");
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 30; i++) {
            p.observe("alice", "sum", p.choose("alice", "sum").budgetTokens(), 3, 1, java.util.List.of(), null);
            seen.add(p.choose("alice", "sum").budgetTokens());
        }
        assertTrue(seen.size() > 1, "a rating ends the kept draw: " + seen);
        BudgetPolicy everyCall = new BudgetPolicy(PolicyConfig.DEFAULT.withFloor(0, 0).withNoiseSd(2.0).withDefault(-1, 0));
        java.util.Set<Integer> redraws = new java.util.HashSet<>();
        for (int i = 0; i < 30; i++) redraws.add(everyCall.choose("alice", "sum").budgetTokens());
        assertTrue(redraws.size() > 1, "without keeping, draws differ (the check above can fail): " + redraws);
    }
}
