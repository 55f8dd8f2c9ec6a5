package dev.bgl.cli;

import dev.bgl.budget.BudgetRunner;
import dev.bgl.util.BglException;
import picocli.CommandLine.Option;

/** {@code --answer-max}: the answer-phase cap, shared by the commands that answer under a budget. */
final class AnswerCapOption {
    @Option(names = "--answer-max", paramLabel = "N",
            description = "Tokens the answer may take after </think> before the run stops with stop_reason answer_cap "
                    + "(default: the model card's; 24 for the default model, 1024 for models whose card says nothing)")
    Integer answerMax;

    /** Checks the value early (before a model loads): it must be a positive number of tokens. */
    void validate() {
        if (answerMax != null && answerMax <= 0) throw new BglException("--answer-max must be >= 1 token, got " + answerMax);
    }

    /** The runner with the cap applied (the model's context bounds it from above). */
    BudgetRunner apply(BudgetRunner runner) {
        validate();
        return answerMax == null ? runner : runner.withAnswerMax(answerMax);
    }
}
