package dev.bgl.budget;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.util.BglException;

/**
 * What every runner of one model is made with, as one value: the settings a command or a server
 * chooses once and hands to each {@link BudgetRunner} it makes (a server makes one per slot).
 *
 * @param predictor     the guided method's predictor (null: none, no {@code guided})
 * @param guidance      how guidance runs (the predictor file's recommendations, the ceiling)
 * @param answerMax     the answer cap in tokens (0: the model card's, {@link dev.bgl.model.ModelCard#answerMaxTokens})
 * @param answerReserve tokens kept back for closing the thinking and the answer under limits in other units
 * @param s1LineCap     most tokens {@code s1} lets the model write after "**Final Answer**" before closing
 */
public record RunnerSettings(BudgetPredictor predictor, GuidanceOptions guidance, int answerMax, int answerReserve, int s1LineCap) {
    public static final RunnerSettings DEFAULT = new RunnerSettings(null, GuidanceOptions.DEFAULT, 0,
            BudgetController.DEFAULT_ANSWER_RESERVE, S1BudgetForcing.DEFAULT_LINE_CAP);

    public RunnerSettings {
        if (guidance == null) guidance = GuidanceOptions.DEFAULT;
        if (answerMax < 0) throw new BglException("--answer-max must be >= 1 token, got " + answerMax);
        if (answerReserve < 0) throw new BglException("answer reserve must be >= 0 tokens, got " + answerReserve);
        if (s1LineCap < 0) throw new BglException("s1 line cap must be >= 0 tokens, got " + s1LineCap);
    }

    /** Guided runs with this predictor (null: none) and guidance settings. */
    public static RunnerSettings guided(BudgetPredictor predictor, GuidanceOptions guidance) {
        return DEFAULT.withPredictor(predictor, guidance);
    }

    public RunnerSettings withPredictor(BudgetPredictor p, GuidanceOptions g) {
        return new RunnerSettings(p, g, answerMax, answerReserve, s1LineCap);
    }

    /** The answer cap (null: the model card's). */
    public RunnerSettings withAnswerMax(Integer tokens) {
        return new RunnerSettings(predictor, guidance, tokens == null ? 0 : tokens, answerReserve, s1LineCap);
    }

    public RunnerSettings withAnswerReserve(int tokens) {
        return new RunnerSettings(predictor, guidance, answerMax, tokens, s1LineCap);
    }
}
