package dev.bgl.eval;

import dev.bgl.budget.Budget;
import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.TokenListener;
import dev.bgl.util.BglException;
import dev.bgl.util.ProgressBar;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs every (problem, method, budget) of an evaluation that its {@link RecordLog} lacks and appends each record
 * as it finishes. {@code none} (and {@code nothink}) run first, once, without a budget; with budget fractions the
 * budgets are then derived from {@code none}'s mean thinking length. Problems are spread over worker threads that
 * share one {@link LoadedModel}, each with its own {@link BudgetRunner} from the factory; every sample's sampler
 * seed is a function of the run seed and the sample alone, so records do not depend on the thread count.
 */
public final class EvalHarness {

    /**
     * Makes the runner of one worker thread. The CLI's default is {@code BudgetRunner::new}; a predictor for
     * {@code guided} is loaded once by the caller and captured here, e.g. {@code m -> new BudgetRunner(m, predictor)}.
     */
    @FunctionalInterface
    public interface RunnerFactory {
        BudgetRunner create(LoadedModel model);
    }

    /** What a run did: the budgets used, every record (resumed ones included), and how many samples it generated now. */
    public record Result(List<Integer> budgets, double noneMeanThinking, List<EvalRecord> records, int generated, int resumed) {
    }

    private final LoadedModel model;
    private final RunnerFactory factory;
    private final EvalSettings settings;
    private final EvalTasks tasks;
    private final int threads;
    private final PrintStream progress;

    /** @param progress where the progress bar goes (null: none) */
    public EvalHarness(LoadedModel model, RunnerFactory factory, EvalSettings settings, EvalTasks tasks, int threads, PrintStream progress) {
        if (threads < 1 || threads > 1024) throw new BglException("--threads must be in 1..1024, got " + threads);
        if (!model.isThinkingModel())
            throw new BglException("model " + model.name() + " has no </think> token: the evaluation needs a thinking model");
        this.model = model;
        this.factory = factory;
        this.settings = settings;
        this.tasks = tasks;
        this.threads = threads;
        this.progress = progress;
    }

    /** One sample to produce. */
    private record Job(EvalProblem problem, Method method, int budget, String limits) {
        Job(EvalProblem problem, Method method, int budget) {
            this(problem, method, budget, null);
        }

        EvalRecord.Key key() {
            if (limits != null) return new EvalRecord.Key(problem.id(), method.name(), EvalRecord.NO_BUDGET, limits);
            return new EvalRecord.Key(problem.id(), method.name(), method.usesBudget() ? budget : EvalRecord.NO_BUDGET);
        }
    }

    public Result run(RecordLog log) {
        List<Method> methods = settings.methodList();
        List<Method> unbudgeted = methods.stream().filter(m -> !m.usesBudget()).toList();
        List<Method> budgeted = methods.stream().filter(Method::usesBudget).toList();
        int budgetCount = (settings.usesFractions() ? settings.fractions().size() : settings.budgets().size()) + settings.limits().size();
        long total = (long) tasks.size() * (unbudgeted.size() + (long) budgeted.size() * budgetCount);
        ProgressBar bar = progress == null ? null : new ProgressBar("eval", total, progress);
        Counter counter = new Counter(bar, log.records());
        int generated = 0;

        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "eval-worker");
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<BudgetRunner> runners = ThreadLocal.withInitial(() -> factory.create(model));
        try {
            List<Job> first = new ArrayList<>();
            for (EvalProblem p : tasks.problems()) for (Method m : unbudgeted) first.add(new Job(p, m, EvalRecord.NO_BUDGET));
            generated += runAll(first, log, pool, runners, counter);

            double noneMean = noneMeanThinking(log.records());
            List<Integer> budgets = settings.usesFractions() ? budgetsFromFractions(settings.fractions(), noneMean) : settings.budgets();
            List<Job> second = new ArrayList<>();
            for (EvalProblem p : tasks.problems())
                for (Method m : budgeted) {
                    for (int b : budgets) second.add(new Job(p, m, b));
                    for (String l : settings.limits()) second.add(new Job(p, m, EvalRecord.NO_BUDGET, l));
                }
            generated += runAll(second, log, pool, runners, counter);
            if (bar != null) bar.finish();
            return new Result(budgets, noneMean, log.records(), generated, log.resumed());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs the jobs the log lacks; returns how many it generated. The first failure stops the run. */
    private int runAll(List<Job> jobs, RecordLog log, ExecutorService pool, ThreadLocal<BudgetRunner> runners, Counter counter) {
        List<Future<?>> futures = new ArrayList<>();
        for (Job j : jobs) {
            if (log.has(j.key())) continue;
            futures.add(pool.submit(() -> {
                EvalRecord r = runOne(runners.get(), j);
                log.append(r);
                counter.done(r);
            }));
        }
        try {
            for (Future<?> f : futures) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BglException("evaluation interrupted");
        } catch (ExecutionException e) {
            for (Future<?> f : futures) f.cancel(true);
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new BglException("evaluation failed: " + e.getCause());
        }
        return futures.size();
    }

    private EvalRecord runOne(BudgetRunner runner, Job j) {
        EvalProblem p = j.problem();
        SamplerConfig sampler = settings.temperature() <= 0 ? SamplerConfig.GREEDY
                : SamplerConfig.temperature((float) settings.temperature(), sampleSeed(settings.seed(), j.key()));
        Budget budget = j.limits() != null ? Budget.parse(j.limits()) : j.method().usesBudget() ? Budget.tokens(j.budget()) : Budget.NONE;
        BudgetRequest req = BudgetRequest.of(p.prompt(), j.method(), budget, settings.maxTokens()).withSampler(sampler);
        // the wall clock a user waits: prompt rendering and the session included, so a seconds budget is judged on it
        long t0 = System.nanoTime();
        BudgetRunner.Metered metered = runner.runMetered(runner.plan(req), TokenListener.NONE);
        double wallMs = (System.nanoTime() - t0) / 1e6;
        BudgetOutcome o = metered.outcome();
        // measured: the tokens actually in the session's cache at the end (the last generated token is never fed)
        long kv = metered.controller() != null ? metered.sessionKvBytes() : -1;
        EvalTasks.Graded g = tasks.grader().grade(p, o.answer(), o.thinkingClosed());
        EvalRecord r = new EvalRecord(p.id(), j.method().name(), j.key().budget(), o.thinkingTokens(), o.answerTokens(), g.correct(),
                g.extracted(), p.answer(), wallMs, o.result().decodeTokensPerSecond(), o.intervened(), o.predictedThinking(),
                j.limits() == null && o.withinBudget(), j.limits() == null ? o.overshoot() : 0, o.thinkingClosed(),
                o.stopReason(), j.limits(), kv, o.answerOverrun(), o.answerPhase().closedAtLineEnd());
        // under units, "within budget" is: the whole answer, every limit kept (seconds on the wall clock above)
        return j.limits() == null ? r : r.withWithinBudget(r.keptLimits(0));
    }

    /** A sample's sampler seed: the run seed mixed with the key's text (FNV-1a, then a splitmix finaliser). */
    static long sampleSeed(long seed, EvalRecord.Key key) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (byte b : (key.id() + "\u0000" + key.method() + "\u0000" + (key.limits() == null ? "" + key.budget() : key.limits())).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        return h ^ (h >>> 33);
    }

    /** Mean thinking tokens of the {@code none} records. */
    static double noneMeanThinking(List<EvalRecord> records) {
        return records.stream().filter(r -> r.method().equals("none")).mapToInt(EvalRecord::thinkingTokens).average()
                .orElseThrow(() -> new BglException("no 'none' records to derive budgets from"));
    }

    /** round(fraction × mean), at least 1, ascending, duplicates dropped. */
    public static List<Integer> budgetsFromFractions(List<Double> fractions, double noneMean) {
        return fractions.stream().map(f -> (int) Math.max(1, Math.round(f * noneMean))).distinct().sorted().toList();
    }

    /** Progress with running accuracy per method. */
    private static final class Counter {
        private final ProgressBar bar;
        private final Map<String, int[]> byMethod = new TreeMap<>();
        private long done;

        Counter(ProgressBar bar, List<EvalRecord> resumed) {
            this.bar = bar;
            for (EvalRecord r : resumed) count(r);
        }

        private void count(EvalRecord r) {
            int[] a = byMethod.computeIfAbsent(r.method(), k -> new int[2]);
            a[0]++;
            if (r.correct()) a[1]++;
            done++;
        }

        synchronized void done(EvalRecord r) {
            count(r);
            if (bar == null) return;
            StringBuilder s = new StringBuilder("acc");
            byMethod.forEach((m, a) -> s.append(String.format(java.util.Locale.ROOT, " %s %.0f%%", m, 100.0 * a[1] / a[0])));
            bar.update(done, s.toString());
        }
    }
}
