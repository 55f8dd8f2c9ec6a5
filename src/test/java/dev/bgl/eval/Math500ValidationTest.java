package dev.bgl.eval;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.*;

import static org.junit.jupiter.api.Assertions.*;

/**
 * On MATH-500, the last \boxed{} of each reference solution must be judged equivalent to the dataset's answer field.
 * The known misses are listed, with a reason each, in math500-misses.txt; the test fails on any change to that set
 * (a regression or an improvement), so the list stays true.
 */
class Math500ValidationTest {
    @Test
    void boxedAnswerOfEachSolutionMatchesTheAnswerField() throws IOException {
        TaskSet set = TaskLoader.load(Datasets.require("math500-test.jsonl"));
        assertEquals(TaskFormat.MATH, set.format());
        assertEquals(500, set.size());
        Map<String, String> misses = new TreeMap<>();
        for (EvalProblem p : set.problems()) {
            assertEquals("math", p.checker());
            String solution = p.meta().get("solution");
            assertNotNull(solution, p.id());
            Optional<String> boxed = AnswerExtractor.lastBoxed(solution);
            assertTrue(boxed.isPresent(), p.id() + ": no \\boxed{} in the solution");
            if (!p.answerChecker().equivalent(boxed.get(), p.answer())) misses.put(p.id(), boxed.get() + "\t" + p.answer());
        }
        Map<String, String> expected = listedMisses();
        StringBuilder report = new StringBuilder();
        misses.forEach((id, pair) -> report.append(id).append('\t').append(pair).append('\n'));
        assertEquals(expected.keySet(), misses.keySet(), "MATH-500 misses changed; now:\n" + report);
        misses.forEach((id, pair) -> assertEquals(expected.get(id), pair, id + ": listed extracted/gold differ"));
        double agreement = 1 - misses.size() / 500.0;
        assertTrue(agreement >= 0.98, "agreement " + agreement + " below 98%");
    }

    /** id TAB extracted TAB gold TAB reason, '#' comments. */
    private static Map<String, String> listedMisses() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (InputStream in = Math500ValidationTest.class.getResourceAsStream("math500-misses.txt")) {
            assertNotNull(in, "math500-misses.txt resource missing");
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t");
                assertEquals(4, f.length, "math500-misses.txt line needs id, extracted, gold, reason: " + line);
                assertFalse(f[3].isBlank(), "no reason given for " + f[0]);
                out.put(f[0], f[1] + "\t" + f[2]);
            }
        }
        return out;
    }
}
