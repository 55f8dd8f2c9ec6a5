package dev.bgl.train.predictor;

import dev.bgl.decode.LoadedModel;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code collect-traces --parallel N} on the shipped model: responses decoded together in one continuous batch are
 * written as a sequential run writes them, line for line in problem order, except the seconds each took.
 */
class TraceCollectorParallelTest {
    static LoadedModel model;

    @BeforeAll
    static void load() {
        model = LoadedModel.open(RepoFiles.shippedModel());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Sampled (each problem its own seed), long enough for whole thinking blocks. */
    static List<String> collect(Path dir, int n, int parallel) throws Exception {
        TraceCollector.Summary s = TraceCollector.collect(model, dir, new TraceCollector.Options(5, n, 1, 0.7f, 160, parallel), null);
        assertEquals(n, s.skipped() + s.collected());
        return Files.readAllLines(dir.resolve(TraceFile.NAME));
    }

    static List<String> untimed(List<String> lines) {
        return lines.stream().map(l -> {
            assertTrue(l.contains("\"seconds\":"), l);
            return l.replaceAll("\"seconds\":[0-9.eE+-]+", "");
        }).toList();
    }

    @Test
    void parallelTracesAreTheSequentialOnesInTheSameOrder(@TempDir Path dir) throws Exception {
        collect(dir.resolve("warm-up"), 6, 4); // the JIT compiles both paths first (a cold kernel may round in another order)
        List<String> one = collect(dir.resolve("p1"), 6, 1), four = collect(dir.resolve("p4"), 6, 4);
        assertEquals(6, one.size());
        assertEquals(untimed(one), untimed(four));
        var traces = TraceFile.read(dir.resolve("p4").resolve(TraceFile.NAME), model.transformer().config().vocabSize()).traces();
        assertEquals(List.of("s5-0", "s5-1", "s5-2", "s5-3", "s5-4", "s5-5"), traces.stream().map(Trace::id).toList(), "problem order");
        assertTrue(traces.stream().anyMatch(t -> t.closed() && t.thinkingTokens() > 0), "real traces: some close a thinking block");

        // a run cut after two responses resumes in the batch with only the missing ones
        Path cut = dir.resolve("cut");
        Files.createDirectories(cut);
        Files.write(cut.resolve(TraceFile.NAME), one.subList(0, 2));
        List<String> resumed = collect(cut, 6, 3);
        assertEquals(one.subList(0, 2), resumed.subList(0, 2));
        assertEquals(untimed(one), untimed(resumed));
    }
}
