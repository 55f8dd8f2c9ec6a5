package dev.bgl.budget;

import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.ThinkingFormat.Phase;
import dev.bgl.decode.TokenListener;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** A request's plan is made once and is what runs: its tokens are what the loop feeds, its cap what it keeps. */
class PlannerShippedModelTest {
    static LoadedModel model;

    @BeforeAll
    static void open() {
        model = LoadedModel.open(RepoFiles.shippedModel());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void theRunFeedsThePlansTokensAndKeepsItsCap() {
        BudgetRunner runner = new BudgetRunner(model);
        Plan plan = runner.plan(BudgetRequest.of("Add: 17+8+12+5", new Method.Hard(), 30, 300));
        assertArrayEquals(model.encodePrompt(plan.promptText()), plan.prompt(), "the plan's tokens are its text's");
        BudgetOutcome o = runner.runMetered(plan, TokenListener.NONE).outcome();
        assertEquals(plan.prompt().length, o.result().promptTokens(), "the loop fed the planned prompt, not a second rendering");

        Plan capped = plan.withMaxTokens(12);
        assertSame(plan.prompt(), capped.prompt(), "lowering the cap renders nothing again");
        assertEquals(12, capped.maxTokens());
        assertEquals(12, capped.request().maxTokens());
        BudgetOutcome c = runner.runMetered(capped, TokenListener.NONE).outcome();
        assertEquals(12, c.result().tokens().length, "the run stops at the plan's cap");
        assertEquals("max_tokens", c.stopReason());
    }

    @Test
    void thePlanSaysWhereItsPromptLeavesTheModel() {
        BudgetRunner runner = new BudgetRunner(model);
        assertEquals(Phase.BEFORE, runner.plan(BudgetRequest.of("Add: 1+2", new Method.Hard(), 30, 300)).promptPhase());
        Plan none = runner.plan(BudgetRequest.of("Add: 1+2", new Method.NoThink(), 0, 300));
        assertEquals(Phase.ANSWER, none.promptPhase());
        assertTrue(none.promptClosesThinking());
        Plan zero = runner.plan(BudgetRequest.of("Add: 1+2", new Method.Guided(), 0, 300));
        assertEquals(Phase.ANSWER, zero.promptPhase(), "a budget of 0 is no thinking, in every method");
        assertEquals(none.promptText(), zero.promptText());
    }
}
