package dev.bgl.budget;

import dev.bgl.util.RepoFiles;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.TokenListener;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Under a KV limit the cache never grows past it, even when the answer outgrows the reserve. */
class KvCapShippedModelTest {
    @Test
    void theCacheNeverExceedsTheLimitWhateverTheReserve() {
        try (LoadedModel m = LoadedModel.open(RepoFiles.shippedModel())) {
            long perToken = m.kvBytesPerToken();
            var runner = new BudgetRunner(m).withAnswerReserve(0); // no reserve: only the cap can keep the limit
            String q = "What is 4821 * 37?";
            int prompt = runner.plan(BudgetRequest.of(q, new Method.Hard(), 5, 300)).prompt().length;
            for (int extra : new int[]{2, 6, 20}) {
                long limit = (prompt + extra) * perToken + perToken / 2; // not a whole number of tokens
                var req = BudgetRequest.of(q, new Method.Hard(), 0, 300).withBudget(Budget.of(new BudgetUnit.KvBytes(limit)));
                BudgetRunner.Metered r = runner.runMetered(runner.plan(req), TokenListener.NONE);
                assertTrue(r.sessionKvBytes() <= limit, "KV " + r.sessionKvBytes() + " <= " + limit + " (" + extra + " tokens over the prompt)");
                // the cap stops where the cache is full, not before; unless the model ended its answer first
                boolean ended = r.outcome().result().stopReason() == dev.bgl.decode.StopReason.END_OF_GENERATION;
                assertTrue(ended || r.sessionKvBytes() / perToken >= prompt + extra - 1, "the cap stops where the cache is full, not before: "
                        + r.sessionKvBytes() / perToken + " tokens, stop " + r.outcome().stopReason());
            }
            var tooSmall = BudgetRequest.of(q, new Method.Hard(), 0, 300).withBudget(Budget.of(new BudgetUnit.KvBytes(prompt * perToken)));
            var e = assertThrows(BglException.class, () -> runner.runMetered(runner.plan(tooSmall), TokenListener.NONE));
            assertTrue(e.getMessage().contains("the prompt (" + prompt + " tokens)"), e.getMessage());
        }
    }

    @Test
    void aKvBudgetWithNoRoomForAnAnswerIsRefusedBeforeAnyWork() {
        try (LoadedModel m = LoadedModel.open(RepoFiles.shippedModel())) {
            long perToken = m.kvBytesPerToken();
            var runner = new BudgetRunner(m); // the default answer reserve
            String q = "What is 4821 * 37?";
            int prompt = runner.plan(BudgetRequest.of(q, new Method.Hard(), 5, 300)).prompt().length;
            int close = m.tokenizer().encode(HardCutoff.DEFAULT_CLOSE, true).length;
            long need = prompt + close + BudgetController.DEFAULT_ANSWER_RESERVE;
            var tight = BudgetRequest.of(q, new Method.Hard(), 0, 300).withBudget(Budget.of(new BudgetUnit.KvBytes((need - 1) * perToken)));
            var e = assertThrows(BglException.class, () -> runner.plan(tight));
            assertTrue(e.getMessage().contains("need " + need) && e.getMessage().contains(BudgetUnit.bytes((double) need * perToken)), e.getMessage());
            var enough = tight.withBudget(Budget.of(new BudgetUnit.KvBytes(need * perToken)));
            runner.plan(enough); // exactly enough: accepted
            assertFalse(runner.runMetered(runner.plan(enough), TokenListener.NONE).outcome().answer().isEmpty(), "room for an answer");
        }
    }
}
