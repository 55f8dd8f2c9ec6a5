package dev.bgl.budget;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Scheduler;
import dev.bgl.decode.TokenListener;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Budgeted runs in a batch, on the shipped model and predictor: every method's outcome is the
 * one it gets alone (tokens, thinking, answer, verdict, the predictor's estimate), guided runs
 * share their predictor's passes, and a sampled run keeps its seed's tokens.
 */
class BudgetSchedulerTest {
    static LoadedModel model;
    static BudgetRunner alone, batched;
    static final List<String> QUESTIONS = List.of("Add: 17+8+12+5", "Add: 12+7", "What is 9 * 8?", "Solve: 3*x = 21",
            "Add: 101+202+303", "What is 17 + 25?");

    @BeforeAll
    static void open() {
        model = LoadedModel.open(RepoFiles.shippedModel());
        Path p = RepoFiles.shippedPredictor();
        GuidanceOptions o = GuidanceOptions.recommended(PredictorWeights.recommendation(p));
        alone = new BudgetRunner(model, BudgetPredictor.load(p, model, 0), o);
        batched = new BudgetRunner(model, BudgetPredictor.load(p, model, 0), o);
        // warm: a cold JVM's vector reductions may round differently from a compiled one
        for (int round = 0; round < 2; round++)
            for (String q : QUESTIONS) alone.run(BudgetRequest.of(q, new Method.Guided(), 20, 200), TokenListener.NONE);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static List<BudgetRequest> requests() {
        List<BudgetRequest> r = new ArrayList<>();
        Method[] methods = {new Method.Guided(), new Method.Hard(), new Method.S1(), new Method.None(), new Method.Guided()};
        int[] budgets = {20, 12, 16, 0, 40};
        for (int i = 0; i < QUESTIONS.size(); i++)
            r.add(BudgetRequest.of(QUESTIONS.get(i), methods[i % methods.length], budgets[i % budgets.length], 200));
        r.add(BudgetRequest.of(QUESTIONS.get(0), new Method.Guided(), 30, 200).withSampler(new SamplerConfig(0.8f, 40, 0.95f, 0f, 17)));
        return r;
    }

    @Test
    void batchedRunsHaveTheirLoneOutcomes() throws Exception {
        List<BudgetRequest> reqs = requests();
        try (BudgetScheduler s = new BudgetScheduler(batched, Scheduler.Config.slots(4))) {
            List<BudgetScheduler.Submitted> subs = new ArrayList<>();
            for (BudgetRequest r : reqs) subs.add(s.submit(batched.plan(r), TokenListener.NONE));
            for (int i = 0; i < reqs.size(); i++) {
                BudgetOutcome b = subs.get(i).metered().get(60, TimeUnit.SECONDS).outcome();
                BudgetOutcome a = alone.run(reqs.get(i), TokenListener.NONE);
                String at = reqs.get(i).method().name() + " #" + i;
                assertArrayEquals(a.result().tokens(), b.result().tokens(), at + ": tokens");
                assertEquals(a.thinking(), b.thinking(), at);
                assertEquals(a.answer(), b.answer(), at);
                assertEquals(a.thinkingTokens(), b.thinkingTokens(), at);
                assertEquals(a.withinBudget(), b.withinBudget(), at);
                assertEquals(a.intervened(), b.intervened(), at);
                // the model's last 9 vocabulary rows take the row kernel, whose lane sums C2 may compile differently at
                // the lone and the batched call site (last bit): the estimate is compared to 1e-6, the tokens exactly
                if (Double.isNaN(a.predictedThinking())) assertTrue(Double.isNaN(b.predictedThinking()), at);
                else assertEquals(a.predictedThinking(), b.predictedThinking(), 1e-6 * Math.abs(a.predictedThinking()), at + ": predicted thinking");
            }
            Scheduler.Stats st = s.scheduler().stats();
            assertTrue(st.batchedWorks() > 0, "guided runs ran their predictor passes through the batch");
            assertTrue(st.meanWorkGroup() > 1, "passes of different sequences ran together: " + st.meanWorkGroup());
        }
    }
}
