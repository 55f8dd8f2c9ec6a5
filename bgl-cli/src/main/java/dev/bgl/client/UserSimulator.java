package dev.bgl.client;

import dev.bgl.eval.EvalProblem;
import dev.bgl.eval.EvalTasks;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Simulated users asking held-out curriculum questions and rating the answers from their hidden
 * {@link Preference}, correctness (judged by the eval grader) and noise. One run plays the same
 * schedule twice: first with no budget sent, so the adaptive policy chooses and learns from the
 * ratings; then every request with the fixed default budget. Each request of the schedule has the
 * same user, question and rating noise in both phases, so the two means differ by the budgets alone.
 *
 * @param problems     questions per task family (held-out split), the pool users ask from
 * @param grader       judges an answer against the gold one
 * @param fixedBudget  the fixed default budget of the baseline (thinking tokens)
 * @param ownFamily    how often a user asks about their own family rather than any other
 * @param starNoise    standard deviation of the noise added to 1 + 4 x utility before rounding to stars
 */
public record UserSimulator(Map<String, List<EvalProblem>> problems, EvalTasks.Grader grader, int fixedBudget,
                            double ownFamily, double starNoise) {

    public UserSimulator {
        problems = Map.copyOf(problems);
        if (problems.isEmpty() || problems.values().stream().anyMatch(List::isEmpty))
            throw new BglException("user simulator: no questions");
        if (fixedBudget < 0) throw new BglException("--fixed-budget must be >= 0, got " + fixedBudget);
    }

    /** {@code n} held-out questions of each family of the default model's curriculum, drawn from the seed. */
    public static UserSimulator synthetic(int perFamily, long seed, int fixedBudget) {
        Map<String, List<EvalProblem>> ps = new LinkedHashMap<>();
        for (String f : List.of("sum", "mul", "linear", "count"))
            ps.put(f, EvalTasks.load("synthetic:" + f, perFamily, seed, null).problems());
        return new UserSimulator(ps, EvalTasks.TRACE_FORMAT, fixedBudget, 0.8, 0.5);
    }

    /** The users: preferences and families in turn, so every combination appears when there are enough. */
    public List<SimUser> users(int n, long seed) {
        List<String> fams = problems.keySet().stream().sorted().toList();
        Preference[] prefs = Preference.values();
        List<SimUser> us = new ArrayList<>();
        for (int i = 0; i < n; i++)
            us.add(new SimUser(String.format("sim-%d-%s-%d", seed, prefs[i % prefs.length].name().toLowerCase(), i),
                    prefs[i % prefs.length], fams.get((i / prefs.length) % fams.size())));
        return us;
    }

    /** One request of the schedule: who asks what, and the noise of their rating. */
    record Planned(SimUser user, EvalProblem problem, double noise) {
    }

    List<Planned> schedule(List<SimUser> users, int requests, long seed) {
        Random rnd = new Random(seed);
        List<String> fams = problems.keySet().stream().sorted().toList();
        List<Planned> plan = new ArrayList<>(requests);
        for (int r = 0; r < requests; r++) {
            SimUser u = users.get(rnd.nextInt(users.size()));
            String fam = rnd.nextDouble() < ownFamily ? u.family() : fams.get(rnd.nextInt(fams.size()));
            List<EvalProblem> pool = problems.get(fam);
            plan.add(new Planned(u, pool.get(rnd.nextInt(pool.size())), rnd.nextGaussian() * starNoise));
        }
        return plan;
    }

    /** Figures of one phase, in total and per preference. */
    public record Phase(String name, int requests, double meanStars, double meanUtility, double accuracy,
                        double meanThinkingTokens, Map<Preference, double[]> perPreference) {
        /** per preference: {requests, mean stars, mean utility, accuracy, mean thinking tokens} */
    }

    public record Result(Phase adaptive, Phase fixed) {
        /** Relative gain in mean stars of the adaptive policy over the fixed budget. */
        public double starGain() {
            return adaptive.meanStars() / fixed.meanStars() - 1;
        }

        public double utilityGain() {
            return adaptive.meanUtility() / fixed.meanUtility() - 1;
        }
    }

    /**
     * Plays {@code requests} requests of {@code users} users under the adaptive policy (no budget
     * sent), then the same schedule with the fixed budget. {@code progress} gets the requests done
     * of both phases (0..2 x requests).
     */
    public Result run(Asker asker, int users, int requests, long seed, IntConsumer progress) {
        if (users < 1) throw new BglException("--users must be >= 1, got " + users);
        if (requests < 1) throw new BglException("--requests must be >= 1, got " + requests);
        List<Planned> plan = schedule(users(users, seed), requests, seed);
        Phase adaptive = phase("adaptive", asker, plan, null, progress, 0);
        Phase fixed = phase("fixed " + fixedBudget, asker, plan, fixedBudget, progress, requests);
        return new Result(adaptive, fixed);
    }

    public Result run(Asker asker, int users, int requests, long seed) {
        return run(asker, users, requests, seed, i -> {
        });
    }

    private Phase phase(String name, Asker asker, List<Planned> plan, Integer budget, IntConsumer progress, int done) {
        double stars = 0, util = 0, right = 0, thinking = 0;
        Map<Preference, double[]> per = new EnumMap<>(Preference.class);
        for (Planned p : plan) {
            Asker.Answer a = asker.ask(p.problem().prompt(), budget, p.user().id());
            boolean correct = grader.grade(p.problem(), a.answer(), a.thinkingClosed()).correct();
            double u = p.user().preference().utility(correct, a.thinkingTokens(), a.answerTokens());
            int s = (int) Math.max(1, Math.min(5, Math.round(1 + 4 * u + p.noise())));
            asker.rate(a.requestId(), p.user().id(), s, p.user().preference().tags(correct, a.thinkingTokens(), a.answerTokens(), s));
            stars += s;
            util += u;
            right += correct ? 1 : 0;
            thinking += a.thinkingTokens();
            double[] acc = per.computeIfAbsent(p.user().preference(), k -> new double[5]);
            acc[0]++;
            acc[1] += s;
            acc[2] += u;
            acc[3] += correct ? 1 : 0;
            acc[4] += a.thinkingTokens();
            progress.accept(++done);
        }
        for (double[] acc : per.values()) for (int i = 1; i < acc.length; i++) acc[i] /= acc[0];
        int n = plan.size();
        return new Phase(name, n, stars / n, util / n, right / n, thinking / n, per);
    }
}
