package dev.bgl.budget;

import dev.bgl.decode.LoadedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Limits in other units on the shipped model (greedy): "Multiply: 4821*7" thinks for 183 tokens
 * unconstrained, so tight limits make the cut act. The KV size is measured on the session itself.
 */
class BudgetUnitsShippedModelTest {
    static final String LONG = "Multiply: 4821*7";
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

    static void assertAnswered(BudgetOutcome o) {
        assertTrue(o.thinkingClosed(), o.result().text());
        assertTrue(o.answer().matches("Answer: \\d+"), "an answer: " + o.answer());
    }

    @Test
    void tightKvBudgetIsNeverExceededAndStillAnswers() {
        int prompt = runner.plan(BudgetRequest.of(LONG, new Method.Hard(), 0, 300)).prompt().length;
        long perToken = model.kvBytesPerToken();
        long limit = perToken * (prompt + 40); // room for 40 tokens after the prompt: thinking 24 + reserve 16
        var req = BudgetRequest.of(LONG, new Method.Hard(), 0, 300).withBudget(Budget.of(new BudgetUnit.KvBytes(limit)));
        var m = runner.runMetered(runner.plan(req), (id, t, f, phase) -> { });
        assertAnswered(m.outcome());
        assertTrue(m.outcome().intervened(), "183 thinking tokens do not fit: the cut acted");
        assertTrue(m.sessionKvBytes() <= limit, "session KV " + m.sessionKvBytes() + " <= " + limit);
        assertTrue(m.controller().kvBytes() <= limit, "counted KV " + m.controller().kvBytes() + " <= " + limit);
        assertEquals(m.sessionKvBytes() + perToken, m.controller().kvBytes(), "the last token is counted, never fed");
        // an unconstrained run needs more than the limit
        var free = runner.runMetered(runner.plan(BudgetRequest.of(LONG, new Method.None(), 0, 300)), (id, t, f, phase) -> { });
        assertTrue(free.sessionKvBytes() > limit, "without the limit the cache grows past it: " + free.sessionKvBytes());
    }

    @Test
    void tokenLimitIsTheClassicBudget() {
        for (Method method : List.of(new Method.Hard(), new Method.QwenStop(), new Method.S1())) {
            BudgetOutcome classic = runner.run(BudgetRequest.of(LONG, method, 20, 300), (id, t, f, phase) -> { });
            // a FLOP limit that never binds sends the token limit through the controller
            var viaUnits = runner.runMetered(runner.plan(BudgetRequest.of(LONG, method, 0, 300).withBudget(Budget.parse("20tok,1e30FLOP"))),
                    (id, t, f, phase) -> { });
            assertArrayEquals(classic.result().tokens(), viaUnits.outcome().result().tokens(), method.name());
        }
    }

    @Test
    void slowerMachineThinksLessUnderTheSameSeconds() {
        int fast = thinkingUnderSeconds(10), slow = thinkingUnderSeconds(20);
        assertTrue(slow < fast, "slow " + slow + " < fast " + fast);
    }

    /** Thinking tokens of a hard cut at 1 s when every token takes {@code msPerToken} on a fake clock. */
    int thinkingUnderSeconds(long msPerToken) {
        long[] now = {0};
        var req = BudgetRequest.of(LONG, new Method.Hard(), 0, 300).withBudget(Budget.of(new BudgetUnit.Seconds(0.6)));
        var m = runner.runMetered(runner.plan(req), (id, t, f, phase) -> now[0] += msPerToken * 1_000_000, () -> now[0]);
        assertAnswered(m.outcome());
        // prefill takes no fake time; every token costs msPerToken: 600 ms hold 600/ms tokens, less 16 for the answer
        assertTrue(m.outcome().thinkingTokens() <= 600 / msPerToken - 16, m.outcome().thinkingTokens() + " thinking at " + msPerToken + " ms");
        return m.outcome().thinkingTokens();
    }
}
