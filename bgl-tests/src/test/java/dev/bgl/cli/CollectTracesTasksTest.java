package dev.bgl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code collect-traces --tasks FILE}: traces of a data set's problems, judged by eval's checkers. */
class CollectTracesTasksTest {
    @TempDir
    Path dir;

    int run(StringWriter err, String... args) {
        return Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
    }

    @Test
    void tracesOfAFileAreJudgedAsEvalJudgesThem() throws Exception {
        // the same two questions, each once with its right answer and once with a wrong one: what the model says
        // is the same, so the checker alone decides; the default model adds four numbers right
        Path f = dir.resolve("t.jsonl");
        Files.writeString(f, """
                {"id": "right-1", "prompt": "Add: 17+8+12+5", "answer": "42"}
                {"id": "wrong-1", "prompt": "Add: 17+8+12+5", "answer": "41"}
                {"id": "right-2", "prompt": "Add: 3+4+5+6", "answer": "18"}
                {"id": "wrong-2", "prompt": "Add: 3+4+5+6", "answer": "19"}
                """);
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "collect-traces", "--tasks", "jsonl:" + f, "--out", dir.resolve("traces").toString(), "--threads", "1"), err.toString());
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> byId = new HashMap<>();
        for (String line : Files.readAllLines(dir.resolve("traces/traces.jsonl"))) {
            JsonNode t = json.readTree(line);
            byId.put(t.get("id").asText(), t);
        }
        assertEquals(List.of("right-1", "right-2", "wrong-1", "wrong-2"), byId.keySet().stream().sorted().toList());
        for (String q : List.of("1", "2")) {
            JsonNode right = byId.get("right-" + q), wrong = byId.get("wrong-" + q);
            assertTrue(right.get("closed").asBoolean(), right.toString());
            assertEquals(right.get("tokens"), wrong.get("tokens"), "greedy: the same response to the same question");
            assertTrue(right.get("correct").asBoolean(), "the checker accepts the right answer: " + right);
            assertFalse(wrong.get("correct").asBoolean(), "and refuses the wrong one: " + wrong);
            assertEquals("jsonl", right.get("family").asText());
        }
        // a rerun resumes: nothing new
        assertEquals(0, run(err, "collect-traces", "--tasks", "jsonl:" + f, "--out", dir.resolve("traces").toString()), err.toString());
        assertEquals(4, Files.readAllLines(dir.resolve("traces/traces.jsonl")).size());
    }

    @Test
    void syntheticIsRefusedInOneLine() {
        StringWriter err = new StringWriter();
        assertEquals(1, run(err, "collect-traces", "--tasks", "synthetic", "--out", dir.resolve("x").toString()));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("TRAIN"), err.toString());
    }
}
