package dev.bgl.budget;

import dev.bgl.decode.TokenListener;
import dev.bgl.util.BglException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntFunction;

/**
 * Many planned runs through one {@link BudgetScheduler}, a few at a time, each handed back in the
 * order they were given: a command that ran them one after another (eval, batch, collect-traces)
 * writes the same output in the same order at any parallelism, since the batch gives every run
 * its lone tokens. The caller's thread plans each run as it may start and receives each result;
 * the scheduler's thread only decodes.
 */
public final class InOrderRuns {
    private InOrderRuns() {
    }

    /** When run i may start. */
    public enum Window {
        /** As soon as fewer than {@code parallel} runs are decoding: the batch stays full (runs independent of each other). */
        RUNNING,
        /**
         * Only once run {@code i - parallel} has been handed back: what plans run i may then depend on the results
         * before it in a way that does not depend on timing (a shared pool re-planned as runs finish). With
         * {@code parallel} 1 this is the sequential order exactly.
         */
        BY_INDEX
    }

    /** Receives run i's account and the nanoseconds from just before its plan was made until it ended. */
    @FunctionalInterface
    public interface Done {
        void accept(int i, BudgetRunner.Metered metered, long nanos);
    }

    /**
     * Runs {@code count} plans, at most {@code parallel} decoding at once; {@code plans} is called on this thread
     * for run i when it may start, {@code done} on this thread for each run in index order. The first failure
     * (a run's, or one thrown by {@code plans} or {@code done}) cancels the runs in flight and is thrown.
     */
    public static void run(BudgetScheduler scheduler, int count, int parallel, Window window, IntFunction<Plan> plans, Done done) {
        if (parallel < 1) throw new BglException("--parallel must be >= 1, got " + parallel);
        new InOrderRuns.Batch(scheduler, count, parallel, window, plans).run(done);
    }

    /** The state of one {@link #run}: what is in flight, what ended, what was handed back. */
    private static final class Batch {
        final BudgetScheduler scheduler;
        final int count, parallel;
        final Window window;
        final IntFunction<Plan> plans;
        final BudgetScheduler.Submitted[] inFlight;
        final BudgetRunner.Metered[] results;
        final Throwable[] errors;
        final long[] nanos;
        final boolean[] ended;
        final LinkedBlockingQueue<Integer> finished = new LinkedBlockingQueue<>();
        int next, delivered, running;

        Batch(BudgetScheduler scheduler, int count, int parallel, Window window, IntFunction<Plan> plans) {
            this.scheduler = scheduler;
            this.count = count;
            this.parallel = parallel;
            this.window = window;
            this.plans = plans;
            inFlight = new BudgetScheduler.Submitted[count];
            results = new BudgetRunner.Metered[count];
            errors = new Throwable[count];
            nanos = new long[count];
            ended = new boolean[count];
        }

        void run(Done done) {
            boolean ok = false;
            try {
                while (delivered < count) {
                    startAllowed();
                    int j = take(finished);
                    running--;
                    ended[j] = true;
                    if (errors[j] != null) throw unwrap(errors[j]);
                    while (delivered < count && ended[delivered]) {
                        BudgetRunner.Metered m = results[delivered];
                        results[delivered] = null;
                        inFlight[delivered] = null;
                        done.accept(delivered, m, nanos[delivered]);
                        delivered++;
                        // by index, run i is planned right after run i - N is handed back, before the next one is
                        if (window == Window.BY_INDEX) startAllowed();
                    }
                }
                ok = true;
            } finally {
                // the runs started and not handed back: those still decoding end at their next step
                if (!ok) for (int i = delivered; i < next; i++) if (inFlight[i] != null) inFlight[i].run().request().cancellation().cancel();
            }
        }

        /** Starts the runs the window allows now. */
        void startAllowed() {
            while (next < count && running < parallel && (window == Window.RUNNING || next < delivered + parallel)) {
                int i = next++;
                long t0 = System.nanoTime();
                BudgetScheduler.Submitted s = scheduler.submit(plans.apply(i), TokenListener.NONE);
                inFlight[i] = s;
                running++;
                // on the scheduler's thread: only the time and a note; the queue hands the result over to this thread
                s.metered().whenComplete((m, e) -> {
                    nanos[i] = System.nanoTime() - t0;
                    results[i] = m;
                    errors[i] = e;
                    finished.add(i);
                });
            }
        }
    }

    /**
     * The same one at a time on this thread, each run alone in its own session ({@link BudgetRunner#runMetered}): the
     * sequential path that {@link #run} reproduces.
     */
    public static void oneByOne(BudgetRunner runner, int count, IntFunction<Plan> plans, Done done) {
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            BudgetRunner.Metered m = runner.runMetered(plans.apply(i), TokenListener.NONE);
            done.accept(i, m, System.nanoTime() - t0);
        }
    }

    private static int take(LinkedBlockingQueue<Integer> q) {
        try {
            return q.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BglException("interrupted");
        }
    }

    private static RuntimeException unwrap(Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return c instanceof RuntimeException r ? r : new BglException("a run failed: " + c, c);
    }
}
