package dev.bgl.cli;

import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.server.feedback.FeedbackStores;
import dev.bgl.server.feedback.PolicyConfig;
import dev.bgl.server.feedback.SqlFeedbackStore;
import dev.bgl.client.Asker;
import dev.bgl.client.HttpAsker;
import dev.bgl.client.InProcessAsker;
import dev.bgl.client.Preference;
import dev.bgl.client.UserSimulator;
import dev.bgl.util.BglException;
import dev.bgl.util.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Measures whether rating-tuned budgets satisfy users more than one fixed budget: simulated users
 * with hidden preferences ask held-out questions and rate the answers, first with the adaptive
 * policy choosing budgets, then with the fixed default on the same schedule.
 */
@Command(name = "simulate-users", mixinStandardHelpOptions = true,
        description = "Simulated users rate answers: mean satisfaction under the adaptive budget policy vs a fixed default budget.")
final class SimulateUsersCommand implements Callable<Integer> {
    @Option(names = "--url", description = "A running bgl server (http://HOST:PORT); default: in this process with the embedded model and a fresh feedback store")
    String url;
    @Option(names = "--api-key", description = "API key for --url (then the server sees every simulated user as the key's user)")
    String apiKey;
    @Option(names = "--requests", defaultValue = "500", description = "Requests per phase (default ${DEFAULT-VALUE})")
    int requests;
    @Option(names = "--users", defaultValue = "20", description = "Simulated users (default ${DEFAULT-VALUE})")
    int users;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--fixed-budget", defaultValue = "128", description = "The fixed default budget compared against, thinking tokens (default ${DEFAULT-VALUE}: reasoning_effort medium)")
    int fixedBudget;
    @Option(names = "--questions", defaultValue = "15", description = "Held-out questions per task family in the pool (default ${DEFAULT-VALUE})")
    int questions;
    @Option(names = "--levels", split = ",", description = "Budget levels of the policy, in process (default 0,16,32,64,128,256)")
    int[] levels;
    @Option(names = "--cost-weight", defaultValue = "0.02", description = "Reward lost per second of waiting, in process (default ${DEFAULT-VALUE})")
    double costWeight;
    @Option(names = "--noise-sd", defaultValue = "0.25", description = "The policy's assumed reward noise, in process (default ${DEFAULT-VALUE}; less: less exploration)")
    double noiseSd;
    @Option(names = "--start-bonus", defaultValue = "0.1", description = "Prior raise of the fixed budget's level, in process: the policy starts there (default ${DEFAULT-VALUE}; 0: all levels alike)")
    double startBonus;
    @Option(names = "--db", description = "Feedback store of the in-process run (default: a fresh temporary SQLite file)")
    String db;
    @Option(names = "--max-tokens", defaultValue = "400") int maxTokens;
    @Option(names = "--mode", defaultValue = "guided", description = "Budget method in process (default ${DEFAULT-VALUE})")
    String mode;
    @Mixin ModelOptions model;
    @Mixin GuidanceCli guidance;

    @Override
    public Integer call() throws Exception {
        if (questions < 1) throw new BglException("--questions must be >= 1, got " + questions);
        UserSimulator sim = UserSimulator.synthetic(questions, seed, fixedBudget);
        long t0 = System.nanoTime();
        UserSimulator.Result r;
        String where;
        if (url != null) {
            where = url;
            try (Asker asker = new HttpAsker(url, apiKey)) {
                r = play(sim, asker);
            }
        } else {
            Method method = Method.parse(mode);
            Path m = model.resolveModel();
            Path tmp = null;
            String dbUrl = db;
            if (dbUrl == null) {
                tmp = Files.createTempDirectory("bgl-sim");
                dbUrl = tmp.resolve("feedback.db").toString();
            }
            PolicyConfig pc = PolicyConfig.DEFAULT.withSeed(seed).withCostWeight(costWeight).withNoiseSd(noiseSd).withDefault(fixedBudget, startBonus);
            if (levels != null) pc = pc.withLevels(levels);
            try (LoadedModel lm = LoadedModel.open(m); SqlFeedbackStore store = FeedbackStores.open(dbUrl, pc)) {
                PredictorWeights w = method instanceof Method.Guided ? guidance.loadWeights(m) : null;
                if (method instanceof Method.Guided && w == null) throw new BglException("--mode guided needs a predictor beside " + m + " or --predictor");
                BudgetRunner runner = new BudgetRunner(lm, w == null ? null : BudgetPredictor.forModel(w, lm), guidance.options(m));
                InProcessAsker asker = new InProcessAsker(runner, store, method, maxTokens);
                r = play(sim, asker);
                where = "in process, " + m.getFileName() + " (" + method.name() + "), " + asker.generations() + " generations (the rest cached)";
            } finally {
                if (tmp != null) deleteQuietly(tmp);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "simulate-users: %d users, %d requests per phase, seed %d, %s; %.1f s%n", users, requests, seed, where, secs);
        System.out.printf(Locale.ROOT, "%-12s %8s %8s %9s %9s%n", "phase", "stars", "utility", "accuracy", "thinking");
        for (UserSimulator.Phase p : new UserSimulator.Phase[]{r.fixed(), r.adaptive()})
            System.out.printf(Locale.ROOT, "%-12s %8.3f %8.3f %8.1f%% %9.1f%n", p.name(), p.meanStars(), p.meanUtility(), 100 * p.accuracy(), p.meanThinkingTokens());
        System.out.printf(Locale.ROOT, "adaptive vs fixed: %+.1f%% mean stars, %+.1f%% mean utility%n", 100 * r.starGain(), 100 * r.utilityGain());
        System.out.println("by preference (requests: fixed stars -> adaptive stars, fixed thinking -> adaptive thinking):");
        for (Preference pref : Preference.values()) {
            double[] f = r.fixed().perPreference().get(pref), a = r.adaptive().perPreference().get(pref);
            if (f == null || a == null) continue;
            System.out.printf(Locale.ROOT, "  %-8s %4.0f: %.2f -> %.2f stars (%+.1f%%), %.0f -> %.0f thinking tokens, accuracy %.0f%% -> %.0f%%%n",
                    pref.name().toLowerCase(Locale.ROOT), f[0], f[1], a[1], 100 * (a[1] / f[1] - 1), f[4], a[4], 100 * f[3], 100 * a[3]);
        }
        return 0;
    }

    private UserSimulator.Result play(UserSimulator sim, Asker asker) {
        ProgressBar bar = new ProgressBar("simulate-users", 2L * requests, System.err);
        UserSimulator.Result r = sim.run(asker, users, requests, seed, done -> bar.update(done, done <= requests ? "adaptive" : "fixed"));
        bar.finish();
        return r;
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
