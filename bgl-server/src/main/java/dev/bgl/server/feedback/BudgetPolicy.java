package dev.bgl.server.feedback;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Chooses a thinking budget per (user, task type) from ratings: a Gaussian Thompson-sampling bandit
 * over {@link PolicyConfig#levels()}.
 * <p>
 * Each arm (user, task type, level) has a posterior on its mean reward, reward = stars mapped to
 * 0..1 minus {@code costWeight} x seconds. Its prior is the shared arm (all users, same task type,
 * same level), counted as {@code priorStrength} ratings: a new user starts from what everyone
 * asking that kind of question liked (a backoff of hierarchical means), and their own ratings take
 * over as they come. The shared arm's own prior (one rating's worth) is 0.5, plus
 * {@code defaultBonus} at the default level: with no ratings the policy mostly serves the default. Posterior mean = (n0 m0 + sum r) / (n0 + n),
 * sd = noiseSd / sqrt(n0 + n); a suggestion draws one sample per level and takes the best.
 * <p>
 * Tags are extra evidence about direction, not reward: too_long / too_slow on a level add a
 * pseudo-rating of (reward + tagBonus) with weight {@code tagWeight} to the next shorter level,
 * too_short / wrong to the next longer one; and, since a smaller budget only shortens the thinking,
 * the same tags add a pseudo-rating equal to this one (weight {@code tagWeight}) to every level
 * beyond it in the same direction (too_short / wrong: all shorter; too_long / too_slow: all longer).
 * The rated level's own reward is the stars alone.
 * <p>
 * Exploration has a floor ({@link PolicyConfig#floor()}): no level below it is drawn, so trying
 * budgets never costs a user a right answer the model could give. Ratings can raise it: when the
 * floor level has {@link #FLOOR_EVIDENCE} ratings and its share of answers not tagged wrong is more
 * than {@link #FLOOR_TOLERANCE} below the best measured level's, the next level up becomes the floor.
 * <p>
 * One draw per (user, task type) is kept for {@link PolicyConfig#stickySeconds()}, or until that
 * user rates that kind of question: the budget a page shows before Ask is the budget the question
 * then runs under, and asking again does not re-roll it.
 * <p>
 * Thread-safe (synchronized); deterministic given the seed and the order of calls.
 */
public final class BudgetPolicy {
    /** Sufficient statistics of one arm; {@code w} counts pseudo-ratings by their weight, {@code ratings} only real ones. */
    static final class Arm {
        double w, sum;
        int ratings, wrong, slow;
        double stars;

        void add(double weight, double reward) {
            w += weight;
            sum += weight * reward;
        }

        double mean(double prior, double strength) {
            return (strength * prior + sum) / (strength + w);
        }
    }

    private record Key(String user, String task) {
    }

    private final PolicyConfig config;
    private final int[] levels;
    /** Ratings a level needs before its accuracy can raise the floor, and how far below the best it may be. */
    static final int FLOOR_EVIDENCE = 10;
    static final double FLOOR_TOLERANCE = 0.03;

    private record Sticky(Choice choice, long untilNanos) {
    }

    private final Map<Key, Sticky> sticky = new HashMap<>();
    private final Map<Key, Arm[]> perUser = new HashMap<>();
    private final Map<String, Arm[]> perTask = new HashMap<>();
    private final Random random;
    /** The shared arms' prior means: 0.5, raised at the default level. */
    private final double[] priorMeans;

    public BudgetPolicy(PolicyConfig config) {
        this.config = config;
        this.levels = config.levels();
        this.random = new Random(config.seed());
        this.priorMeans = new double[levels.length];
        java.util.Arrays.fill(priorMeans, 0.5);
        if (config.defaultLevel() >= 0) priorMeans[config.nearest(config.defaultLevel())] += config.defaultBonus();
    }

    public PolicyConfig config() {
        return config;
    }

    /** The reward of one rating: stars 1..5 as 0..1, less the cost of the wait. */
    public double reward(int stars, double seconds) {
        return (stars - 1) / 4.0 - config.costWeight() * Math.max(0, seconds);
    }

    /**
     * Learns from one rating of a request served with {@code budgetTokens} (snapped to the nearest
     * level). {@code correct}: null when unknown; a "wrong" tag counts as wrong too.
     */
    public synchronized void observe(String user, String task, int budgetTokens, int stars, double seconds,
                                     List<String> tags, Boolean correct) {
        int i = config.nearest(budgetTokens);
        double r = reward(stars, seconds);
        boolean wrong = Boolean.FALSE.equals(correct) || tags.contains("wrong");
        boolean slow = tags.contains("too_slow") || tags.contains("too_long");
        sticky.remove(new Key(user, task)); // new evidence: the next suggestion is a fresh draw
        for (Arm[] arms : List.of(userArms(user, task), taskArms(task))) {
            Arm a = arms[i];
            a.add(1, r);
            a.ratings++;
            a.stars += stars;
            if (wrong) a.wrong++;
            if (slow) a.slow++;
            if (config.tagWeight() > 0) {
                double pseudo = Math.min(1, r + config.tagBonus());
                boolean shortTag = wrong || tags.contains("too_short");
                if (slow && i > 0) arms[i - 1].add(config.tagWeight(), pseudo);
                if (shortTag && i + 1 < arms.length) arms[i + 1].add(config.tagWeight(), pseudo);
                // thinking only shortens with a smaller budget: what was too short (or wrong for want of
                // thinking) here would be so below too, what was too slow here would be so above
                if (shortTag) for (int j = 0; j < i; j++) arms[j].add(config.tagWeight(), r);
                if (slow) for (int j = i + 1; j < arms.length; j++) arms[j].add(config.tagWeight(), r);
            }
        }
    }

    /**
     * What the policy suggests now: the kept draw for this user and task type while it lasts, else
     * a Thompson draw over the levels at or above the floor; and a sentence on why.
     */
    public synchronized Choice choose(String user, String task) {
        Key key = new Key(user, task);
        long now = System.nanoTime();
        Sticky kept = sticky.get(key);
        if (kept != null && now - kept.untilNanos() < 0) return kept.choice();
        Choice c = draw(user, task);
        if (config.stickySeconds() > 0) sticky.put(key, new Sticky(c, now + (long) (config.stickySeconds() * 1e9)));
        return c;
    }

    /** The floor now, as an index into the levels: the configured one, raised by ratings that show it loses accuracy. */
    synchronized int floorIndex(String task) {
        Arm[] shared = taskArms(task);
        int floor = config.floorIndex();
        double best = -1;
        for (int i = floor; i < levels.length; i++)
            if (shared[i].ratings >= FLOOR_EVIDENCE) best = Math.max(best, rightShare(shared[i]));
        while (floor < levels.length - 1 && shared[floor].ratings >= FLOOR_EVIDENCE && rightShare(shared[floor]) < best - FLOOR_TOLERANCE)
            floor++;
        return floor;
    }

    private static double rightShare(Arm a) {
        return 1 - (double) a.wrong / a.ratings;
    }

    private Choice draw(String user, String task) {
        Arm[] mine = userArms(user, task), shared = taskArms(task);
        int floor = floorIndex(task);
        int best = floor;
        double bestDraw = Double.NEGATIVE_INFINITY;
        for (int i = floor; i < levels.length; i++) {
            double prior = shared[i].mean(priorMeans[i], 1);
            double n = config.priorStrength() + mine[i].w;
            double draw = mine[i].mean(prior, config.priorStrength()) + config.noiseSd() / Math.sqrt(n) * random.nextGaussian();
            if (draw > bestDraw) {
                bestDraw = draw;
                best = i;
            }
        }
        return new Choice(levels[best], reason(task, best, mine, shared));
    }

    /** The level with the highest posterior mean for this user (no sampling): what the policy has learned. */
    public synchronized int bestLevel(String user, String task) {
        Arm[] mine = userArms(user, task), shared = taskArms(task);
        int floor = floorIndex(task);
        int best = floor;
        for (int i = floor + 1; i < levels.length; i++)
            if (mine[i].mean(shared[i].mean(priorMeans[i], 1), config.priorStrength()) > mine[best].mean(shared[best].mean(priorMeans[best], 1), config.priorStrength()))
                best = i;
        return levels[best];
    }

    /** The posterior mean reward of one level for this user (tests, diagnostics). */
    synchronized double posteriorMean(String user, String task, int budgetTokens) {
        int i = config.nearest(budgetTokens);
        return userArms(user, task)[i].mean(taskArms(task)[i].mean(priorMeans[i], 1), config.priorStrength());
    }

    public record Choice(int budgetTokens, String reason) {
    }

    private String reason(String task, int i, Arm[] mine, Arm[] shared) {
        int level = levels[i];
        String why;
        Arm[] basis;
        if (mine[i].ratings > 0) {
            why = String.format(Locale.ROOT, "You rated %d-token answers %.1f★ on average over %d rating%s", level,
                    mine[i].stars / mine[i].ratings, mine[i].ratings, mine[i].ratings == 1 ? "" : "s");
            basis = mine;
        } else if (shared[i].ratings > 0) {
            why = String.format(Locale.ROOT, "Users asking %s questions rated %d-token answers %.1f★ on average over %d rating%s",
                    task, level, shared[i].stars / shared[i].ratings, shared[i].ratings, shared[i].ratings == 1 ? "" : "s");
            basis = shared;
        } else {
            int total = 0;
            for (Arm a : mine) total += a.ratings;
            return total == 0 && sumRatings(shared) == 0
                    ? "No ratings of " + task + " questions yet: trying " + level + " thinking tokens to learn what you prefer"
                    : "Trying " + level + " thinking tokens: no answer at this budget has been rated yet";
        }
        int shorterN = 0, shorterWrong = 0, longerN = 0, longerSlow = 0;
        double longerStars = 0;
        for (int j = 0; j < i; j++) {
            shorterN += basis[j].ratings;
            shorterWrong += basis[j].wrong;
        }
        for (int j = i + 1; j < levels.length; j++) {
            longerN += basis[j].ratings;
            longerSlow += basis[j].slow;
            longerStars += basis[j].stars;
        }
        double here = basis[i].stars / basis[i].ratings;
        if (shorterN > 0 && shorterWrong * 2 >= shorterN) why += "; shorter ones were often wrong";
        else if (longerN > 0 && longerSlow * 2 >= longerN) why += "; longer ones were often too slow";
        else if (longerN > 0 && longerStars / longerN < here) why += String.format(Locale.ROOT, "; longer ones got %.1f★", longerStars / longerN);
        else if (shorterN > 0) why += "; shorter ones rated lower";
        return why;
    }

    private static int sumRatings(Arm[] arms) {
        int n = 0;
        for (Arm a : arms) n += a.ratings;
        return n;
    }

    private Arm[] userArms(String user, String task) {
        return perUser.computeIfAbsent(new Key(user, task), k -> newArms());
    }

    private Arm[] taskArms(String task) {
        return perTask.computeIfAbsent(task, k -> newArms());
    }

    private Arm[] newArms() {
        Arm[] a = new Arm[levels.length];
        for (int i = 0; i < a.length; i++) a[i] = new Arm();
        return a;
    }
}
