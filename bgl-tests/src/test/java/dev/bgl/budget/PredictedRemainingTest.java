package dev.bgl.budget;

import dev.bgl.util.RepoFiles;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The live estimate a guided run exposes while it runs (the server streams it): present, finite, and 0 once thinking ends. */
class PredictedRemainingTest {
    @Test
    void guidedRunExposesTheThinkingLeft() {
        try (LoadedModel model = LoadedModel.open(TestFiles.shippedModel())) {
            BudgetPredictor p = BudgetPredictor.load(RepoFiles.shippedPredictor(), model, 0);
            BudgetRunner runner = new BudgetRunner(model, p,
                    GuidanceOptions.recommended(RepoFiles.shippedPredictor()));
            List<Double> seen = new ArrayList<>();
            List<Boolean> afterClose = new ArrayList<>();
            boolean[] closed = {false};
            BudgetOutcome o = runner.run(BudgetRequest.of("What is 17 + 25?", new Method.Guided(), 40, 200), (id, text, forced, phase) -> {
                if (id == model.thinkCloseId()) closed[0] = true;
                seen.add(runner.predictedRemaining());
                afterClose.add(closed[0]);
            });
            assertTrue(o.thinkingClosed());
            long finite = seen.stream().filter(Double::isFinite).count();
            assertTrue(finite > 0, "no estimate during the thinking: " + seen);
            for (int i = 0; i < seen.size(); i++) {
                double v = seen.get(i);
                assertTrue(Double.isNaN(v) || v >= 0, "negative estimate " + v);
                if (afterClose.get(i)) assertEquals(0.0, v, "after </think> nothing is left");
            }
            assertTrue(Double.isNaN(new BudgetRunner(model).predictedRemaining()), "no guidance, no estimate");
            BudgetRunner hard = new BudgetRunner(model, p, GuidanceOptions.DEFAULT);
            hard.run(BudgetRequest.of("What is 17 + 25?", new Method.Hard(), 40, 50), (id, text, forced, phase) ->
                    assertTrue(Double.isNaN(hard.predictedRemaining()), "hard has no predictor estimate"));
        }
    }
}
