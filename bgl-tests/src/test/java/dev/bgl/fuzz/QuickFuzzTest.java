package dev.bgl.fuzz;

import dev.bgl.chat.jinja.TemplateFuzzTargets;
import dev.bgl.format.FormatFuzzTargets;
import dev.bgl.server.RequestFuzzTargets;
import dev.bgl.tokenizer.TokenizerFuzzTargets;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short fuzz run of every target in every {@code mvn test}: Jazzer fuzzes one target per JVM, so
 * the CI run uses {@link MutationFuzzer} (coverage-less mutations of the seed corpora) on the same
 * targets, a few seconds each (system property {@code bgl.fuzz.seconds}, default 4; 9 targets).
 * Long coverage-guided runs: {@code ./fuzz --minutes N}.
 */
class QuickFuzzTest {
    record Target(String name, String seeds, Predicate<byte[]> run) {
    }

    static final List<Target> TARGETS = List.of(
        new Target("gguf", "gguf", FormatFuzzTargets::gguf),
        new Target("safetensors", "safetensors", FormatFuzzTargets::safetensors),
        new Target("safetensorsIndex", "safetensors-index", FormatFuzzTargets::safetensorsIndex),
        new Target("tokenizerJson", "tokenizer-json", TokenizerFuzzTargets::tokenizerJson),
        new Target("ggufTokenizer", "gguf", TokenizerFuzzTargets::ggufTokenizer),
        new Target("encodeDecode", "encode-decode", TokenizerFuzzTargets::encodeDecode),
        new Target("templateSource", "template", TemplateFuzzTargets::templateSource),
        new Target("renderContext", "render", TemplateFuzzTargets::renderContext),
        new Target("apiRequest", "api-request", RequestFuzzTargets::apiRequest));

    static List<byte[]> seeds(String dir) throws IOException {
        Path d = Path.of("bgl-tests/src/test/resources/fuzz", dir);
        assertTrue(Files.isDirectory(d), "seed corpus missing: " + d.toAbsolutePath());
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.sorted().toList()) out.add(Files.readAllBytes(p));
        }
        assertFalse(out.isEmpty(), "empty seed corpus: " + d);
        return out;
    }

    @TestFactory
    Stream<DynamicTest> eachTargetSurvivesMutatedSeeds() {
        double seconds = Double.parseDouble(System.getProperty("bgl.fuzz.seconds", "4"));
        long seed = Long.getLong("bgl.fuzz.seed", System.nanoTime());
        return TARGETS.stream().map(t -> DynamicTest.dynamicTest(t.name(), () -> {
            List<byte[]> corpus = seeds(t.seeds());
            for (byte[] s : corpus) t.run().test(s); // the seeds themselves, unmutated
            MutationFuzzer.Result r = new MutationFuzzer(t.name(), t.run(), corpus, seed, (long) (seconds * 1e9),
                5_000_000_000L, Path.of("target/fuzz-findings", t.name())).run();
            System.out.println(r);
            assertTrue(r.findings().isEmpty(), () -> r.toString() + "\n" + String.join("\n", r.findings()));
        }));
    }
}
