package dev.bgl.server.feedback;

import dev.bgl.util.BglException;

import java.util.Arrays;

/**
 * Settings of the budget policy.
 *
 * @param levels        the thinking budgets it chooses between, ascending (tokens)
 * @param costWeight    reward lost per second of waiting (reward = stars in 0..1 - costWeight x seconds)
 * @param tagWeight     weight of the pseudo-observation a directional tag adds to the neighbouring level
 *                      (too_long/too_slow: the shorter one; too_short/wrong: the longer one); 0: tags ignored
 * @param tagBonus      how much better than the rated answer that pseudo-observation says the neighbour is
 * @param priorStrength how many ratings the shared (all users, same task type) mean counts as for one user
 * @param noiseSd       assumed spread of one reward around its arm's mean (the Gaussian posterior's noise)
 * @param defaultLevel  the budget served before any rating (the server's usual default); its shared prior
 *                      mean is raised by {@code defaultBonus}, so the policy starts there and moves away
 *                      as ratings say, instead of first trying every level on each new user; -1: none
 * @param defaultBonus  that raise of the default level's prior mean (0..1 reward)
 * @param mode          the budget mode suggestions carry
 * @param seed          seeds the Thompson draws: the same seed and the same calls give the same choices
 * @param floor         the smallest budget the policy may choose, so that exploring never costs a user a right
 *                      answer (tokens; 0: any level). Ratings can raise it (see {@link BudgetPolicy}), never lower it
 * @param stickySeconds how long one draw per (user, task type) is kept, so that the budget a user was shown is the
 *                      one their question runs under; a rating of that kind of question ends it sooner (0: a new draw
 *                      every call)
 */
public record PolicyConfig(int[] levels, double costWeight, double tagWeight, double tagBonus, double priorStrength,
                           double noiseSd, int defaultLevel, double defaultBonus, String mode, long seed, int floor,
                           double stickySeconds) {
    public static final int[] DEFAULT_LEVELS = {0, 16, 32, 64, 128, 256};
    /**
     * The floor of the embedded model: guided answers were right 87, 90, 90, 92, 99 and 99% of the time at 0, 16, 32,
     * 64, 128 and 256 tokens (docs/results/simulate-users, the fixed phases), so 128 is the smallest level within 3
     * points of the best. A server with another model sets its own (serve --policy-floor).
     */
    public static final int DEFAULT_FLOOR = 128;
    public static final PolicyConfig DEFAULT = new PolicyConfig(DEFAULT_LEVELS, 0.02, 0.5, 0.25, 2.0, 0.25, 128, 0.1, "guided", 1,
            DEFAULT_FLOOR, 600);

    /** No floor and a new draw each call (the policy as first built; tests of its learning use this). */
    public PolicyConfig(int[] levels, double costWeight, double tagWeight, double tagBonus, double priorStrength,
                        double noiseSd, int defaultLevel, double defaultBonus, String mode, long seed) {
        this(levels, costWeight, tagWeight, tagBonus, priorStrength, noiseSd, defaultLevel, defaultBonus, mode, seed, 0, 0);
    }

    public PolicyConfig {
        levels = levels.clone();
        if (levels.length == 0) throw new BglException("budget policy: no budget levels");
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] < 0) throw new BglException("budget policy: level " + levels[i] + " is negative");
            if (i > 0 && levels[i] <= levels[i - 1])
                throw new BglException("budget policy: levels must be ascending, got " + Arrays.toString(levels));
        }
        if (!(costWeight >= 0) || !(tagWeight >= 0) || !(tagBonus >= 0) || !(priorStrength > 0) || !(noiseSd > 0))
            throw new BglException("budget policy: costWeight, tagWeight, tagBonus must be >= 0 and priorStrength, noiseSd > 0");
        if (!(defaultBonus >= 0 && defaultBonus <= 1)) throw new BglException("budget policy: defaultBonus must be in 0..1, got " + defaultBonus);
        if (floor < 0 || floor > levels[levels.length - 1])
            throw new BglException("--policy-floor must be in 0.." + levels[levels.length - 1] + " tokens (the largest level), got " + floor);
        if (!(stickySeconds >= 0 && stickySeconds <= 86_400)) throw new BglException("budget policy: stickySeconds must be in 0..86400, got " + stickySeconds);
    }

    /** Index of the first level at or above the floor. */
    int floorIndex() {
        for (int i = 0; i < levels.length; i++) if (levels[i] >= floor) return i;
        return levels.length - 1;
    }

    public PolicyConfig withMode(String m) {
        return new PolicyConfig(levels, costWeight, tagWeight, tagBonus, priorStrength, noiseSd, defaultLevel, defaultBonus, m, seed, floor, stickySeconds);
    }

    /** The same with a floor (tokens) and a sticky time (seconds). */
    public PolicyConfig withFloor(int f, double sticky) {
        return new PolicyConfig(levels, costWeight, tagWeight, tagBonus, priorStrength, noiseSd, defaultLevel, defaultBonus, mode, seed, f, sticky);
    }

    @Override
    public int[] levels() {
        return levels.clone();
    }

    public PolicyConfig withSeed(long s) {
        return new PolicyConfig(levels, costWeight, tagWeight, tagBonus, priorStrength, noiseSd, defaultLevel, defaultBonus, mode, s, floor, stickySeconds);
    }

    public PolicyConfig withLevels(int[] l) {
        return new PolicyConfig(l, costWeight, tagWeight, tagBonus, priorStrength, noiseSd, defaultLevel, defaultBonus, mode, seed, Math.min(floor, l[l.length - 1]), stickySeconds);
    }

    public PolicyConfig withNoiseSd(double sd) {
        return new PolicyConfig(levels, costWeight, tagWeight, tagBonus, priorStrength, sd, defaultLevel, defaultBonus, mode, seed, floor, stickySeconds);
    }

    /** Starts at this level (-1: none) with this prior bonus. */
    public PolicyConfig withDefault(int level, double bonus) {
        return new PolicyConfig(levels, costWeight, tagWeight, tagBonus, priorStrength, noiseSd, level, bonus, mode, seed, floor, stickySeconds);
    }

    public PolicyConfig withCostWeight(double w) {
        return new PolicyConfig(levels, w, tagWeight, tagBonus, priorStrength, noiseSd, defaultLevel, defaultBonus, mode, seed, floor, stickySeconds);
    }

    /** Index of the level nearest to a budget (a request served with a budget that is not a level). */
    int nearest(int budgetTokens) {
        int best = 0;
        for (int i = 1; i < levels.length; i++)
            if (Math.abs(levels[i] - budgetTokens) < Math.abs(levels[best] - budgetTokens)) best = i;
        return best;
    }
}
