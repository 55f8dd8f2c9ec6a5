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

    /** Typesetting that must not change the verdict: \\dfrac, $...$, spaces, \\left/\\right, a "x =" in front. */
    static String retypeset(String gold) {
        String s = gold.replace("\\frac", "\\dfrac").replace(",", ", ").replace("(", "\\left(").replace(")", "\\right)");
        return "$" + (gold.contains("=") ? s : "x = " + s) + "$";
    }

    /** The gold with one digit changed (9 -> 0, else +1): a different answer, which must not be judged equal. */
    static String perturb(String gold, boolean last) {
        for (int k = 0; k < gold.length(); k++) {
            int i = last ? gold.length() - 1 - k : k;
            char c = gold.charAt(i);
            if (Character.isDigit(c)) return gold.substring(0, i) + (c == '9' ? '0' : (char) (c + 1)) + gold.substring(i + 1);
        }
        return null;
    }

    @Test
    void retypesetGoldsStayEquivalentAndPerturbedGoldsDoNot() {
        TaskSet set = TaskLoader.load(Datasets.require("math500-test.jsonl"));
        List<String> retypesetMisses = new ArrayList<>(), falsePositives = new ArrayList<>();
        int perturbed = 0;
        for (EvalProblem p : set.problems()) {
            AnswerChecker c = p.answerChecker();
            String r = retypeset(p.answer());
            if (!c.equivalent(r, p.answer())) retypesetMisses.add(p.id() + "\t" + r + "\t" + p.answer());
            for (boolean last : new boolean[]{false, true}) {
                String q = perturb(p.answer(), last);
                // The last digit of "864 \mbox{ inches}^2" is the unit's power, and units are ignored by design.
                if (q == null || (last && p.answer().matches(".*\\\\(mbox|text)\\{[^}]*}\\^\\d$"))) continue;
                perturbed++;
                if (c.equivalent(q, p.answer())) falsePositives.add(p.id() + "\t" + q + "\t" + p.answer());
            }
        }
        System.out.println("MATH-500: " + perturbed + " perturbed golds; retypeset misses " + retypesetMisses.size()
                + ", perturbation false positives " + falsePositives.size());
        falsePositives.forEach(System.out::println);
        assertEquals(List.of(), retypesetMisses, "retypeset gold no longer equivalent");
        assertEquals(List.of(), falsePositives, "a changed digit still judged equivalent");
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
