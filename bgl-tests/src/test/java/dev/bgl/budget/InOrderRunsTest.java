package dev.bgl.budget;

import dev.bgl.decode.Cancellation;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.Scheduler;
import dev.bgl.util.BglException;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Runs through a batch handed back in order; a failure stops the rest and cancels what is in flight. */
class InOrderRunsTest {
    static LoadedModel model;

    @BeforeAll
    static void load() {
        model = LoadedModel.open(RepoFiles.shippedModel());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static final String[] QUESTIONS = {"Add: 17+8+12+5", "What is 6*7?", "Count the vowels in 'budget'.", "Subtract: 90-37", "Add: 1+2"};

    @Test
    void resultsComeBackInOrderAndMatchLoneRuns() {
        BudgetRunner runner = new BudgetRunner(model);
        List<String> alone = new ArrayList<>();
        InOrderRuns.oneByOne(runner, QUESTIONS.length, i -> runner.plan(BudgetRequest.of(QUESTIONS[i], new Method.Hard(), 20, 80)),
                (i, m, nanos) -> alone.add(i + ":" + m.outcome().result().text()));
        for (InOrderRuns.Window w : InOrderRuns.Window.values())
            try (BudgetScheduler s = new BudgetScheduler(runner, Scheduler.Config.slots(3))) {
                List<String> batched = new ArrayList<>();
                InOrderRuns.run(s, QUESTIONS.length, 3, w, i -> runner.plan(BudgetRequest.of(QUESTIONS[i], new Method.Hard(), 20, 80)),
                        (i, m, nanos) -> {
                            assertTrue(nanos > 0);
                            batched.add(i + ":" + m.outcome().result().text());
                        });
                assertEquals(alone, batched, w.name());
            }
    }

    @Test
    void aFailureIsThrownAndTheRunsInFlightAreCancelled() {
        BudgetRunner runner = new BudgetRunner(model);
        List<Cancellation> started = new ArrayList<>();
        List<Integer> delivered = new ArrayList<>();
        try (BudgetScheduler s = new BudgetScheduler(runner, Scheduler.Config.slots(2))) {
            BglException e = assertThrows(BglException.class, () -> InOrderRuns.run(s, QUESTIONS.length, 2, InOrderRuns.Window.BY_INDEX, i -> {
                Cancellation c = new Cancellation();
                started.add(c);
                return runner.plan(BudgetRequest.of(QUESTIONS[i], new Method.None(), Budget.NONE, 400).withCancellation(c));
            }, (i, m, nanos) -> {
                delivered.add(i);
                if (i == 1) throw new BglException("cannot write record 1");
            }));
            assertEquals("cannot write record 1", e.getMessage());
            assertEquals(List.of(0, 1), delivered, "nothing after the failure is handed on");
            assertEquals(3, started.size(), "by index with 2 slots: run 2 started once run 0 was handed back, run 3 never");
            assertTrue(started.get(2).isCancelled(), "the run in flight is cancelled, not decoded to its end");
        }
    }
}
