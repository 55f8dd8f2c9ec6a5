package dev.bgl.eval;

import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.decode.TokenListener;
import dev.bgl.util.BglException;

/**
 * One question of {@code batch} (a pool of thinking tokens shared by many questions): its difficulty read by a short
 * guided run, its answer under the budget the pool gave it, and its record. The local command and a Spark task both
 * make each question's estimate and record here, so a Spark run writes the local run's records.
 */
public final class BatchQuestions {
    /** Tokens generated to read a question's predicted difficulty: enough for {@code <think>} plus one thinking token. */
    public static final int PREDICT_TOKENS = 4;

    private BatchQuestions() {
    }

    /**
     * A guided run of a few tokens: the predictor's estimate is made on the first thinking token (the model may open
     * the thinking itself first), before any thinking is spent; the estimates of the questions are independent.
     */
    public static BudgetRequest predictRequest(EvalProblem p) {
        return BudgetRequest.of(p.prompt(), new Method.Guided(), 1 << 20, PREDICT_TOKENS);
    }

    /** The predicted thinking length of a question from its short run; one line naming it when there is none. */
    public static double predicted(String id, double estimate) {
        if (!Double.isFinite(estimate))
            throw new BglException(id + ": the predictor made no estimate within " + PREDICT_TOKENS + " tokens (the model did not start thinking)");
        return estimate;
    }

    /** The estimate of one question, alone on {@code runner}: what a Spark task runs. */
    public static double predict(BudgetRunner runner, EvalProblem p) {
        BudgetOutcome o = runner.runMetered(runner.plan(predictRequest(p)), TokenListener.NONE).outcome();
        return predicted(p.id(), o.predictedThinking());
    }

    /** No tokens: answer without thinking (guided at budget 0 still spends one); the curves' budget-0 point is nothink's accuracy too. */
    public static Method method(Method method, int budget) {
        return budget == 0 ? new Method.NoThink() : method;
    }

    /** The answer run of a question given {@code budget} thinking tokens by the pool. */
    public static BudgetRequest request(EvalProblem p, Method method, int budget, int maxTokens) {
        return BudgetRequest.of(p.prompt(), method(method, budget), budget, maxTokens);
    }

    /** A question's record: its budget is its allocation; {@code nanos} from just before its plan until it ended. */
    public static EvalRecord record(EvalTasks set, EvalProblem p, Method method, int budget, BudgetOutcome o, long nanos, double predicted) {
        EvalTasks.Graded g = set.grader().grade(p, o.answer(), o.thinkingClosed());
        return new EvalRecord(p.id(), method(method, budget).name(), budget, o.thinkingTokens(), o.answerTokens(), g.correct(), g.extracted(),
                p.answer(), nanos / 1e6, o.result().decodeTokensPerSecond(), o.intervened(), predicted,
                o.withinBudget(), o.overshoot(), o.thinkingClosed(), o.stopReason(), null, -1,
                o.answerOverrun(), o.answerPhase().closedAtLineEnd());
    }

    /** A question answered alone on {@code runner} and its record: what a Spark task runs. */
    public static EvalRecord answer(BudgetRunner runner, EvalTasks set, EvalProblem p, Method method, int budget, int maxTokens, double predicted) {
        long t0 = System.nanoTime();
        BudgetOutcome o = runner.runMetered(runner.plan(request(p, method, budget, maxTokens)), TokenListener.NONE).outcome();
        return record(set, p, method, budget, o, System.nanoTime() - t0, predicted);
    }
}
