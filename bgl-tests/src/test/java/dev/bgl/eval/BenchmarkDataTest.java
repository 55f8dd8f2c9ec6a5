package dev.bgl.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The loaders and the number checker on the real GSM8K, AIME 2024 and AMC 2023 files (skipped when the data is absent). */
class BenchmarkDataTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> rawRecords(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) if (!line.isBlank()) out.add(JSON.readTree(line));
        return out;
    }

    @Test
    void gsm8kGoldIsTheNumberOnTheHashLine() throws IOException {
        Path file = Datasets.require("gsm8k-test.jsonl");
        TaskSet set = TaskLoader.load(file);
        List<JsonNode> raw = rawRecords(file);
        assertEquals(TaskFormat.GSM8K, set.format());
        assertEquals(1319, set.size());
        assertEquals(raw.size(), set.size());
        AnswerChecker number = AnswerChecker.of("number");
        for (int i = 0; i < raw.size(); i++) {
            String solution = raw.get(i).get("answer").asText();
            // Independent reading of the gold: the text of the line that starts with "#### ", commas dropped.
            String hashLine = solution.lines().filter(l -> l.startsWith("#### ")).reduce((a, b) -> b).orElseThrow();
            BigDecimal expected = new BigDecimal(hashLine.substring(5).trim().replace(",", ""));
            EvalProblem p = set.problems().get(i);
            String extracted = AnswerExtractor.gsm8kGold(solution).orElseThrow();
            assertEquals(0, expected.compareTo(new BigDecimal(extracted)), "row " + i + ": " + hashLine);
            assertEquals(extracted, p.answer(), "row " + i);
            assertEquals(raw.get(i).get("question").asText(), p.prompt());
            // The generic extraction path (an answer phrase "#### ...") must agree with the gold too.
            assertTrue(number.check(solution, p.answer()), "row " + i + ": checker rejects its own reference solution");
        }
    }

    @Test
    void aime24AnswersAreIntegers() throws IOException {
        Path file = Datasets.require("aime24-test.jsonl");
        TaskSet set = TaskLoader.load(file);
        List<JsonNode> raw = rawRecords(file);
        assertEquals(TaskFormat.COMPETITION, set.format());
        assertEquals(30, set.size());
        for (int i = 0; i < raw.size(); i++) {
            EvalProblem p = set.problems().get(i);
            int value = Integer.parseInt(p.answer());
            assertTrue(value >= 0 && value <= 999, "AIME answers are 0..999: " + p.answer());
            assertEquals(Integer.parseInt(raw.get(i).get("answer").asText().trim()), value, "row " + i);
            assertEquals(String.valueOf(value), p.answer(), "canonical form (no leading zeros)");
            assertEquals(raw.get(i).get("id").asText(), p.id());
            assertTrue(p.answerChecker().check("so the answer is $\\boxed{" + raw.get(i).get("answer").asText() + "}$", p.answer()));
            // The human-written AoPS solutions (\\boxed, \\framebox, "answer is", several solutions each) grade as right.
            assertTrue(p.answerChecker().check(raw.get(i).get("solution").asText(), p.answer()), "row " + i + ": solution not graded right");
        }
    }

    @Test
    void amc23AnswersAreNumbers() throws IOException {
        Path file = Datasets.require("amc23-test.jsonl");
        TaskSet set = TaskLoader.load(file);
        List<JsonNode> raw = rawRecords(file);
        assertEquals(TaskFormat.COMPETITION, set.format());
        assertEquals(40, set.size());
        for (int i = 0; i < raw.size(); i++) {
            EvalProblem p = set.problems().get(i);
            assertEquals(0, raw.get(i).get("answer").decimalValue().compareTo(new BigDecimal(p.answer())), "row " + i);
            assertFalse(p.answer().endsWith(".0"), "canonical form: " + p.answer());
            assertEquals(raw.get(i).get("problem").asText(), p.prompt());
            assertTrue(p.answerChecker().check("\\boxed{" + p.answer() + "}", p.answer()));
            assertFalse(p.answerChecker().check("\\boxed{" + new BigDecimal(p.answer()).add(BigDecimal.ONE) + "}", p.answer()));
        }
    }
}
