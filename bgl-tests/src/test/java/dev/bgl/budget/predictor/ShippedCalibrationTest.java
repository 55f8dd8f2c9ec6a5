package dev.bgl.budget.predictor;

import dev.bgl.util.RepoFiles;
import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.Method;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.TokenListener;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Online calibration wired through guided runs on the shipped model and predictor. */
class ShippedCalibrationTest {
    static final String[] QUESTIONS = {"What is 48 * 37?", "What is 1234 + 5678?", "What is 906 * 71?", "Compute 15 + 27 + 33."};

    static Path shipped(String name) {
        return RepoFiles.shipped("models/" + name);
    }

    static int thinking(BudgetRunner runner, int budget) {
        int total = 0;
        for (String q : QUESTIONS) {
            BudgetOutcome o = runner.run(BudgetRequest.of(q, new Method.Guided(), budget, 400), TokenListener.NONE);
            total += o.thinkingTokens();
        }
        return total;
    }

    @Test
    void finishedTracesTeachTheCalibrationAndItsScaleSteersGuidance() {
        try (LoadedModel m = LoadedModel.open(shipped("bgl-reasoner.gguf"))) {
            BudgetPredictor p = BudgetPredictor.load(shipped("bgl-reasoner.predictor.safetensors"), m, 0);
            GuidanceOptions o = GuidanceOptions.recommended(shipped("bgl-reasoner.predictor.safetensors"));

            // a generous budget: guidance hardly steers, every trace closes by itself and is observed
            var cal = new PredictorCalibration();
            thinking(new BudgetRunner(m, p, o).withCalibration(cal), 1000);
            assertEquals(QUESTIONS.length, cal.traces());
            assertTrue(cal.steps() > QUESTIONS.length, "every guided step on the path is scored: " + cal.steps());
            assertTrue(Double.isFinite(cal.rawMae()) && Double.isFinite(cal.correctedMae()));

            // a calibration that says "everything ends far sooner than predicted" (scale 1/4 on log-length in every
            // bucket): at a budget where guidance steers, every thought now seems to fit, so it steers less
            var shorter = new PredictorCalibration();
            for (double d : new double[]{10, 40, 100, 200})
                shorter.observe(d, new int[]{1}, new double[]{100}, 1, 60);
            for (int b = 0; b < shorter.buckets(); b++) assertEquals(1 / PredictorCalibration.MAX_SCALE, shorter.scale(b));
            int plain = thinking(new BudgetRunner(m, p, o), 24);
            int corrected = thinking(new BudgetRunner(m, p, o).withCalibration(shorter), 24);
            assertTrue(corrected > plain, "thinking with the short-scale correction " + corrected + " > without " + plain);
        }
    }
}
