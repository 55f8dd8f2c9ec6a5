package dev.bgl.budget;

import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.TokenListener;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every method through {@link BudgetRunner} on the shipped model (greedy). "Add: 17+8+12+5" thinks
 * for 73 tokens unconstrained, so a budget of 20 makes the enforcing methods act; "Add: 12+7"
 * thinks for 9, so a budget of 20 must leave it alone. Counts are checked against the tokens
 * themselves, recounted here.
 */
class BudgetRunnerShippedModelTest {
    static final String LONG = "Add: 17+8+12+5", SHORT = "Add: 12+7";
    static LoadedModel model;
    static BudgetRunner runner;

    @BeforeAll
    static void open() {
        model = LoadedModel.open(TestFiles.shippedModel());
        runner = new BudgetRunner(model);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static BudgetOutcome run(String q, Method m, int budget) {
        StringBuilder streamed = new StringBuilder();
        int[] forced = {0};
        BudgetOutcome o = runner.run(BudgetRequest.of(q, m, budget, 300), (id, text, f, phase) -> {
            streamed.append(text);
            if (f) forced[0]++;
        });
        assertEquals(o.result().text(), streamed.toString(), "the listener saw the whole output");
        assertEquals(o.result().forcedTokens(), forced[0]);
        // recount: tokens strictly between <think> and </think> in the output
        int[] t = o.result().tokens();
        int from = IntStream.range(0, t.length).filter(i -> t[i] == model.thinkOpenId()).findFirst().orElse(-1);
        int to = IntStream.range(0, t.length).filter(i -> t[i] == model.thinkCloseId()).findFirst().orElse(-1);
        boolean promptCloses = m instanceof Method.NoThink || m.usesBudget() && budget == 0;
        if (!promptCloses) {
            assertTrue(from >= 0 && to > from, m.name() + ": thinking opened and closed in the output: " + o.result().text());
            assertEquals(to - from - 1, o.thinkingTokens(), m.name() + ": thinking tokens");
        } else {
            assertTrue(from < 0 && to < 0, m.name() + ": the prompt closed the thinking, none in the output: " + o.result().text());
        }
        assertTrue(o.thinkingClosed(), m.name());
        // the answer is "Answer: N" and nothing else: once the thinking is closed (by the model, a cut or the prompt)
        // the guard keeps it closed, and the model answers from what it has instead of re-deriving
        assertTrue(o.answer().matches("Answer: \\d+"), m.name() + ": an answer, not more reasoning: " + o.answer());
        assertFalse(o.answerOverrun(), m.name());
        return o;
    }

    static int ids(String s) {
        return model.tokenizer().encode(s, true).length;
    }

    @Test
    void hardClosesExactlyAtTheBudgetItsNewlineIncluded() {
        BudgetOutcome o = run(LONG, new Method.Hard(), 20);
        assertEquals(20, o.thinkingTokens());
        assertTrue(o.thinking().endsWith("\n"), "the cut's newline is the last thinking token: " + o.thinking());
        assertTrue(o.intervened());
        assertEquals(0, o.overshoot());
        assertTrue(o.withinBudget());
    }

    @Test
    void qwenStopEndsTheThinkingWithItsMessage() {
        BudgetOutcome o = run(LONG, new Method.QwenStop(), 20);
        String msg = "Considering the limited time by the user, I have to give the solution based on the thinking directly now.\n";
        assertTrue(o.thinking().endsWith(msg), o.thinking());
        assertEquals(20 + ids(msg), o.thinkingTokens(), "overshoot = the message");
        assertTrue(o.intervened());
    }

    @Test
    void s1WritesFinalAnswerAtTheBudgetAndCloses() {
        BudgetOutcome o = run(LONG, new Method.S1(), 20);
        int[] t = o.result().tokens();
        int open = IntStream.range(0, t.length).filter(i -> t[i] == model.thinkOpenId()).findFirst().orElseThrow();
        String after20 = model.tokenizer().decode(java.util.Arrays.copyOfRange(t, open + 1 + 20, t.length));
        assertTrue(after20.startsWith("**Final Answer**"), after20);
        assertTrue(o.thinkingTokens() <= 20 + ids("**Final Answer**") + S1BudgetForcing.DEFAULT_LINE_CAP + ids("\n"), "" + o.thinkingTokens());
        assertTrue(o.intervened());
    }

    @Test
    void promptAsksButEnforcesNothing() {
        BudgetRequest req = BudgetRequest.of(LONG, new Method.Prompt(), 20, 300);
        assertTrue(runner.plan(req).promptText().contains(LONG + "\n\nThink for up to 20 tokens.<|im_end|>"), runner.plan(req).promptText());
        BudgetOutcome o = run(LONG, new Method.Prompt(), 20);
        assertFalse(o.intervened());
        assertEquals(0, o.result().forcedTokens());
    }

    @Test
    void nothinkPrefillsAnEmptyThinking() {
        BudgetRequest req = BudgetRequest.of(LONG, new Method.NoThink(), 0, 300);
        assertTrue(runner.plan(req).promptText().endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), runner.plan(req).promptText());
        assertEquals(dev.bgl.decode.ThinkingFormat.Phase.ANSWER, runner.plan(req).promptPhase());
        BudgetOutcome o = run(LONG, new Method.NoThink(), 0);
        assertEquals(0, o.thinkingTokens());
        assertEquals("", o.thinking());
        assertFalse(o.intervened());
        assertEquals(o.result().tokens().length, o.answerTokens());
    }

    @Test
    void aThinkingWithinBudgetGetsNoInsertion() {
        BudgetOutcome free = run(SHORT, new Method.None(), 0);
        assertTrue(free.thinkingTokens() < 20, "premise: it thinks for " + free.thinkingTokens());
        for (Method m : List.of(new Method.Hard(), new Method.QwenStop(), new Method.S1())) {
            BudgetOutcome o = run(SHORT, m, 20);
            assertFalse(o.intervened(), m.name());
            assertEquals(0, o.result().forcedTokens(), m.name());
            assertArrayEquals(free.result().tokens(), o.result().tokens(), m.name());
        }
    }

    @Test
    void budgetZeroMeansNoThinkingInEveryMethod() {
        for (Method m : List.of(new Method.Hard(), new Method.QwenStop(), new Method.S1(), new Method.Prompt())) {
            BudgetRequest req = BudgetRequest.of(LONG, m, 0, 300);
            assertEquals(dev.bgl.decode.ThinkingFormat.Phase.ANSWER, runner.plan(req).promptPhase(), m.name());
            assertTrue(runner.plan(req).promptText().endsWith("<think>\n\n</think>\n\n"), m.name() + ": " + runner.plan(req).promptText());
            BudgetOutcome o = run(LONG, m, 0);
            assertEquals(0, o.thinkingTokens(), m.name());
            assertEquals("", o.thinking(), m.name());
            assertTrue(o.withinBudget(), m.name());
        }
        // none ignores a budget; nothink has none
        run(LONG, new Method.None(), 0);
        assertEquals(0, run(LONG, new Method.NoThink(), 0).thinkingTokens());
    }

    @Test
    void aCutThoughtIsAnsweredDirectlyWithTheFamilysAnswerPrefix() {
        assertEquals("Answer:", model.card().answerPrefix(), "the default model's card names its answer prefix");
        BudgetOutcome o = run(LONG, new Method.Hard(), 7); // "\n17+8=" and the cut's "\n"
        assertTrue(o.intervened());
        String prefix = model.tokenizer().decode(java.util.Arrays.copyOfRange(o.result().tokens(),
                o.result().tokens().length - o.answerTokens(), o.result().tokens().length));
        assertTrue(prefix.startsWith("\n\nAnswer:"), "the prefix follows the cut's closing text: " + prefix);
        assertEquals(Boolean.FALSE, o.answerPhase().closedAtLineEnd(), "a cut at 7 tokens lands mid-line");
    }

    @Test
    void guidedWithoutAPredictorSaysHowToGiveOne() {
        var e = assertThrows(BglException.class, () -> runner.run(BudgetRequest.of(LONG, new Method.Guided(), 20, 300), TokenListener.NONE));
        assertTrue(e.getMessage().contains("guided needs a predictor: pass --predictor FILE"), e.getMessage());
    }
}
