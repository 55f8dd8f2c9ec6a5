package dev.bgl.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.cli.LlamaCppReference;
import dev.bgl.decode.Sampler;
import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.GgufModelSource;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.model.Transformer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our next-token probabilities against llama.cpp's (node-llama-cpp 3.21.1) on random models made
 * by {@link RandomModelMaker}, for every architecture and weight type: GQA (3 query heads per KV
 * head), an odd head count, a rope base other than 10000, and (qwen3) a head size apart from
 * dim/heads.
 */
class LogitsConformanceTest {
    static final int SEQ = 64, GREEDY = 32, TOP = 64;

    static Stream<Arguments> models() {
        List<Arguments> out = new ArrayList<>();
        for (String arch : List.of("llama", "qwen2", "qwen3"))
            for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0))
                out.add(Arguments.of(arch, type));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("models")
    void probabilitiesMatchLlamaCpp(String archName, GgmlType type, @TempDir Path dir) throws Exception {
        Architecture arch = Architecture.byName(archName);
        // llama.cpp's qwen2 wants heads x head size = dim; llama and qwen3 read the head size from the file
        int dim = arch == Architecture.QWEN3 ? 256 : 288, heads = arch == Architecture.QWEN2 ? 9 : 3, kvHeads = heads / 3;
        var spec = new RandomModelMaker.Spec(arch, type, 2, dim, heads, kvHeads, 32, 512, TestVocab.SIZE, 512,
                arch == Architecture.LLAMA ? 500000f : 1000000f, 1e-6f, arch == Architecture.QWEN2, 7, "conformance");
        Path file = dir.resolve(archName + "-" + type + ".gguf");
        RandomModelMaker.write(spec, TestVocab::write, file);

        int[] tokens = new SplittableRandom(11).ints(SEQ, 0, TestVocab.SIZE).toArray();
        JsonNode ref = LlamaCppReference.locate().call(Map.of("op", "probs", "model", file.toString(),
                "tokens", tokens, "topK", TOP, "greedy", type == GgmlType.F32 ? GREEDY : 0), 300);

        int vocab = TestVocab.SIZE;
        try (var src = GgufModelSource.open(file)) {
            Transformer model = new Transformer(src);
            var state = model.newState(SEQ + GREEDY + 1, true);
            float[] logits = new float[SEQ * vocab];
            model.forward(state, tokens, 0, SEQ, logits, true, null);

            TopKComparison cmp = TopKComparison.of(logits, ref, SEQ, vocab);
            double maxDiff = cmp.maxDiff();
            double tolerance = type == GgmlType.F32 || type == GgmlType.F16 ? 2e-3 : 1e-2;
            System.err.printf("%s %s maxDiff=%.2e meanTop=%.3f%n", archName, type, maxDiff, cmp.meanTop());
            assertTrue(cmp.meanTop() > 0.1 && cmp.meanTop() < 0.8,
                    "the test model's distributions are too flat or too certain to test anything: mean top p " + cmp.meanTop());
            assertTrue(maxDiff <= tolerance, archName + " " + type + ": max |p - p_llama.cpp| = " + maxDiff + " > " + tolerance);

            if (type == GgmlType.F32) {
                int[] ours = new int[GREEDY];
                float[] last = new float[vocab];
                System.arraycopy(logits, (SEQ - 1) * vocab, last, 0, vocab);
                for (int i = 0; i < GREEDY; i++) {
                    ours[i] = Sampler.argmax(last, vocab);
                    model.forward(state, ours, i, 1, last, false, null);
                }
                int[] theirs = new int[GREEDY];
                for (int i = 0; i < GREEDY; i++) theirs[i] = ref.get("greedy").get(i).asInt();
                assertEquals(java.util.Arrays.toString(theirs), java.util.Arrays.toString(ours), "greedy continuation");
            }
        }
    }

    static double[] softmax(float[] logits, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = Math.exp(logits[off + i] - max);
        for (int i = 0; i < n; i++) p[i] /= sum;
        return p;
    }
}
