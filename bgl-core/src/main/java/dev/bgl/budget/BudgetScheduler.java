package dev.bgl.budget;

import dev.bgl.decode.Scheduler;
import dev.bgl.decode.TokenListener;

import java.util.concurrent.CompletableFuture;

/**
 * Budgeted runs decoded together: each plan is prepared by the {@link BudgetRunner} (its own
 * processors, controller and guard) and its loop joins a {@link Scheduler}'s batch; its account
 * is made when it ends. A run's outcome is the one it gets alone (the batch gives each sequence
 * its lone numbers), except what is measured in time.
 */
public final class BudgetScheduler implements AutoCloseable {
    private final BudgetRunner runner;
    private final Scheduler scheduler;

    public BudgetScheduler(BudgetRunner runner, Scheduler.Config config) {
        this.runner = runner;
        this.scheduler = new Scheduler(runner.model(), config);
    }

    /** A submitted run: its prepared form (for progress), its place in the batch, and its account when it ends. */
    public record Submitted(BudgetRunner.Prepared run, Scheduler.Ticket ticket, CompletableFuture<BudgetRunner.Metered> metered) {
    }

    /**
     * Queues a planned run; its tokens go to {@code listener} on the scheduler's thread (it must
     * return quickly). Refused at once, as {@link Scheduler#submit}, when it could never fit.
     */
    public Submitted submit(Plan plan, TokenListener listener) {
        BudgetRunner.Prepared run;
        synchronized (runner) { // the runner's lazily made tables and its predictor's set-up
            run = runner.prepare(plan);
        }
        Scheduler.Ticket ticket = scheduler.submit(run.request(), run.contextSize(), listener);
        return new Submitted(run, ticket, ticket.result().thenApply(r -> run.finish(r, ticket.kvBytesAtEnd())));
    }

    public BudgetRunner runner() {
        return runner;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
