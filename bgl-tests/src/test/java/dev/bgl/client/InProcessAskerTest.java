package dev.bgl.client;

import dev.bgl.util.RepoFiles;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.eval.EvalTasks;
import dev.bgl.server.feedback.FeedbackStores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The in-process asker on the embedded model (shipped in models/), guided by its predictor. */
class InProcessAskerTest {
    @TempDir
    Path dir;

    static Path repoFile(String rel) {
        return RepoFiles.root().resolve(rel);
    }

    @Test
    void answersRecordsCachesAndLetsThePolicyChoose() {
        Path model = repoFile("models/bgl-reasoner.gguf"), pred = repoFile("models/bgl-reasoner.predictor.safetensors");
        assertTrue(Files.isRegularFile(model) && Files.isRegularFile(pred), "the embedded model ships in models/");
        var problem = EvalTasks.load("synthetic:sum", 1, 3, null).problems().getFirst();
        try (LoadedModel m = LoadedModel.open(model); var store = FeedbackStores.open(dir.resolve("f.db").toString())) {
            var runner = new BudgetRunner(m, BudgetPredictor.load(pred, m, 0), GuidanceOptions.recommended(pred));
            var asker = new InProcessAsker(runner, store, new Method.Guided(), 400);
            var a = asker.ask(problem.prompt(), 256, "u");
            assertEquals(256, a.budgetTokens());
            assertTrue(a.thinkingTokens() > 0 && a.thinkingClosed(), a.toString());
            assertTrue(EvalTasks.TRACE_FORMAT.grade(problem, a.answer(), a.thinkingClosed()).correct(),
                    "a generous budget answers an easy held-out sum: " + a.answer());
            var again = asker.ask(problem.prompt(), 256, "u");
            assertEquals(1, asker.generations(), "the same question and budget is served from the cache");
            assertNotEquals(a.requestId(), again.requestId());
            assertEquals(a.thinkingTokens(), again.thinkingTokens());
            assertTrue(asker.rate(a.requestId(), "u", 5, List.of("good")));
            assertFalse(asker.rate("nope", "u", 5, List.of()));
            var chosen = asker.ask(problem.prompt(), null, "u");
            assertTrue(java.util.Arrays.stream(store.policy().config().levels()).anyMatch(l -> l == chosen.budgetTokens()),
                    "no budget: the policy's level " + chosen.budgetTokens());
            assertEquals(3, store.summary().requests());
        }
    }
}
