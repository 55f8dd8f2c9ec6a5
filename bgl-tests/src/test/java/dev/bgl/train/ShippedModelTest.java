package dev.bgl.train;

import dev.bgl.util.RepoFiles;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.cli.LlamaCppReference;
import dev.bgl.decode.LoadedModel;
import dev.bgl.model.Architecture;
import dev.bgl.tensor.Parallel;
import dev.bgl.tasks.Curriculum;
import dev.bgl.tasks.Problem;
import dev.bgl.tasks.Split;
import dev.bgl.tasks.TraceFormat;
import dev.bgl.tasks.Style;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The default model that ships in {@code models/}: it loads through the same path as any GGUF,
 * it reasons (greedy accuracy on held-out problems), and llama.cpp computes the same
 * probabilities from the file.
 */
class ShippedModelTest {
    @Test
    void loadsAsAThinkingQwen3Model() {
        try (LoadedModel m = LoadedModel.open(RepoFiles.shippedModel())) {
            assertEquals(Architecture.QWEN3, m.transformer().config().architecture());
            assertTrue(m.isThinkingModel());
            assertTrue(m.transformer().config().tiedEmbeddings());
        }
    }

    @Test
    void answersHeldOutProblems() throws Exception {
        try (LoadedModel m = LoadedModel.open(RepoFiles.shippedModel())) {
            List<Problem> problems = Curriculum.defaults().sample(777, 24, Split.TEST);
            var report = ReasonerQuality.evaluate(m, problems, 384, Parallel.threads(), null);
            assertTrue(report.accuracy() >= 0.85, "held-out accuracy (97.7% over 300 when shipped) " + report.accuracy() + " over 24 problems");
            assertTrue(report.accuracy() - report.cutAccuracy() >= 0.3, "cutting the thinking at half should hurt: "
                    + report.accuracy() + " vs " + report.cutAccuracy());
        }
    }

    @Test
    void llamaCppComputesTheSameProbabilities() {
        Path file = RepoFiles.shippedModel();
        try (LoadedModel m = LoadedModel.open(file)) {
            Problem p = Curriculum.defaults().sample(5, 1, Split.TEST).getFirst();
            int[] tokens = m.encodePrompt(TraceFormat.text(p, p.solution(Style.DETAILED)));
            int n = Math.min(64, tokens.length);
            int[] seq = java.util.Arrays.copyOf(tokens, n);
            JsonNode ref = LlamaCppReference.locate().call(Map.of("op", "probs", "model", file.toString(), "tokens", seq, "topK", 32), 120);
            int vocab = m.transformer().config().vocabSize();
            var state = m.transformer().newState(n, true);
            float[] logits = new float[n * vocab];
            m.transformer().forward(state, seq, 0, n, logits, true, null);
            double maxDiff = 0;
            for (int pos = 0; pos < n; pos++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int v = 0; v < vocab; v++) max = Math.max(max, logits[pos * vocab + v]);
                for (int v = 0; v < vocab; v++) sum += Math.exp(logits[pos * vocab + v] - max);
                for (JsonNode e : ref.get("probs").get(pos)) {
                    double ours = Math.exp(logits[pos * vocab + e.get(0).asInt()] - max) / sum;
                    maxDiff = Math.max(maxDiff, Math.abs(ours - e.get(1).asDouble()));
                }
            }
            assertTrue(maxDiff <= 2e-3, "max |p - p_llama.cpp| = " + maxDiff);
        }
    }
}
