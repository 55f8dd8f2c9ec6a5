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
        BudgetScheduler.Submitted[] inFlight = new BudgetScheduler.Submitted[count];
        BudgetRunner.Metered[] results = new BudgetRunner.Metered[count];
        Throwable[] errors = new Throwable[count];
        long[] nanos = new long[count];
        boolean[] ended = new boolean[count];
        LinkedBlockingQueue<Integer> finished = new LinkedBlockingQueue<>();
        int next = 0, delivered = 0, running = 0;
        boolean ok = false;
        try {
            while (delivered < count) {
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
                int j = take(finished);
                running--;
                inFlight[j] = null;
                ended[j] = true;
                if (errors[j] != null) throw unwrap(errors[j]);
                while (delivered < count && ended[delivered]) {
                    BudgetRunner.Metered m = results[delivered];
                    results[delivered] = null;
                    done.accept(delivered, m, nanos[delivered]);
                    delivered++;
                }
            }
            ok = true;
        } finally {
            if (!ok) for (BudgetScheduler.Submitted s : inFlight) if (s != null) s.run().request().cancellation().cancel();
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
