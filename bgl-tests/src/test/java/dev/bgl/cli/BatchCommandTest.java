package dev.bgl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.eval.BudgetAllocator;
import dev.bgl.eval.EvalRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BatchCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run bgl(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    static void oneLineError(Run r, String expected) {
        assertEquals(1, r.code(), r.err());
        assertEquals("bgl: " + expected, r.err().strip());
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        String o = dir.resolve("o").toString();
        oneLineError(bgl("batch", "synthetic", "--pool", "-5tok", "--out", o), "--pool must be >= 0 thinking tokens, got '-5tok'");
        oneLineError(bgl("batch", "synthetic", "--pool", "lots", "--out", o), "--pool must be a token count like 20000tok, got 'lots'");
        oneLineError(bgl("batch", "synthetic", "--pool", "100", "--policy", "greedy", "--out", o),
                "unknown allocation policy 'greedy' (known: uniform, proportional, marginal)");
        oneLineError(bgl("batch", "synthetic", "--pool", "100", "--policy", "marginal", "--out", o),
                "the marginal policy needs accuracy curves (--curves RECORDS.jsonl)");
        oneLineError(bgl("batch", "synthetic", "--pool", "100", "--method", "none", "--out", o),
                "--method none uses no budget; pick one that does (e.g. guided, hard)");
        oneLineError(bgl("batch", "synthetic", "--pool", "100", "--curves", dir.resolve("nope.jsonl").toString(), "--out", o),
                "--curves " + dir.resolve("nope.jsonl") + ": no such file");
        Path missing = dir.resolve("nope.gguf");
        oneLineError(bgl("batch", "synthetic", "--pool", "100", "--model", missing.toString(), "--out", o),
                missing + ": no such file or folder");
    }

    @Test
    void guidedBatchKeepsThinkingWithinThePool() throws Exception {
        Path out = dir.resolve("b");
        Run r = bgl("batch", "synthetic", "--n", "4", "--seed", "3", "--pool", "60tok", "--policy", "proportional",
                "--max-tokens", "96", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("proportional guided, pool 60: accuracy "), r.out());
        ObjectMapper json = new ObjectMapper();
        List<EvalRecord> rs = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("records.jsonl"))) rs.add(EvalRecord.fromJson(json.readTree(line)));
        assertEquals(4, rs.size());
        long budgets = 0, thinking = 0;
        for (EvalRecord e : rs) {
            assertTrue(Double.isFinite(e.predictedThinking()), "every request has a predicted difficulty");
            assertTrue(e.thinkingTokens() <= e.budget(), "guided keeps its ceiling in a batch: " + e);
            budgets += e.budget();
            thinking += e.thinkingTokens();
        }
        assertTrue(thinking <= 60, "thinking " + thinking + " > pool");
        assertTrue(budgets >= thinking);
    }

    /** A proportional batch of 5 questions at --parallel N: its records in question order. */
    List<EvalRecord> parallelBatch(String name, int parallel) throws Exception {
        Path out = dir.resolve(name);
        Run r = bgl("batch", "synthetic", "--n", "5", "--seed", "3", "--pool", "70tok", "--policy", "proportional",
                "--max-tokens", "96", "--parallel", "" + parallel, "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        ObjectMapper json = new ObjectMapper();
        List<EvalRecord> rs = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("records.jsonl"))) rs.add(EvalRecord.fromJson(json.readTree(line)));
        return rs;
    }

    /** The budgets the pool gives when question i starts once question i - parallel has handed its unused tokens back. */
    static List<Integer> replayedBudgets(List<EvalRecord> rs, int parallel) {
        List<BudgetAllocator.Request> requests = rs.stream().map(e -> new BudgetAllocator.Request(e.id(), e.predictedThinking())).toList();
        BudgetAllocator.Plan plan = new BudgetAllocator(BudgetAllocator.Policy.PROPORTIONAL, null, 1).plan(requests, 70);
        List<Integer> budgets = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            if (i >= parallel) plan.replan(i - parallel, rs.get(i - parallel).thinkingTokens());
            budgets.add(plan.start(i));
        }
        return budgets;
    }

    /**
     * The same records, timings aside, and the predictor's estimate to 1e-5 relative (a JIT-compiled Math intrinsic may
     * differ from the interpreter's in the last bit, as between two sequential runs in fresh JVMs).
     */
    static void assertSameRecords(List<EvalRecord> expected, List<EvalRecord> actual, String why) {
        assertEquals(expected.size(), actual.size(), why);
        for (int i = 0; i < expected.size(); i++) {
            EvalRecord a = expected.get(i), b = actual.get(i);
            assertEquals(a.predictedThinking(), b.predictedThinking(), 1e-5 * Math.abs(a.predictedThinking()), why + ": " + a.id());
            List<String> drop = List.of("wall_ms", "decode_tps", "predicted_thinking");
            assertEquals(a.toJson().without(drop), b.toJson().without(drop), why);
        }
    }

    @Test
    void aParallelBatchIsDeterministicKeepsThePoolAndTheQuestionOrder() throws Exception {
        parallelBatch("warm-up", 3); // the JIT compiles the batched path first (a cold kernel may round in another order)
        List<EvalRecord> one = parallelBatch("p1", 1), three = parallelBatch("p3", 3), again = parallelBatch("p3-again", 3);
        assertEquals(one.stream().map(EvalRecord::id).toList(), three.stream().map(EvalRecord::id).toList(), "records in question order");
        for (int i = 0; i < one.size(); i++)
            assertEquals(one.get(i).predictedThinking(), three.get(i).predictedThinking(), 1e-5 * one.get(i).predictedThinking(),
                    "each question's predicted difficulty is the one it gets alone: " + one.get(i).id());
        assertSameRecords(three, again, "the allocation depends on --parallel, never on which question finished first");
        assertEquals(replayedBudgets(one, 1), one.stream().map(EvalRecord::budget).toList(), "one after another: each starts after the one before");
        assertEquals(replayedBudgets(three, 3), three.stream().map(EvalRecord::budget).toList(), "3 together: each starts after the one 3 before");
        for (List<EvalRecord> rs : List.of(one, three)) {
            assertTrue(rs.stream().mapToLong(EvalRecord::thinkingTokens).sum() <= 70, "the pool holds: " + rs);
            for (EvalRecord e : rs) assertTrue(e.thinkingTokens() <= e.budget(), "guided keeps its ceiling: " + e);
        }
        oneLineError(bgl("batch", "synthetic", "--pool", "100", "--parallel", "0", "--out", dir.resolve("o").toString()),
                "--parallel must be in 1..1024, got 0");
    }
}
