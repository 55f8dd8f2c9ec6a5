package dev.bgl.budget.predictor;

import java.nio.file.Path;

/**
 * The guidance settings a predictor file recommends, as read from it: bgl's {@code train-predictor
 * --recommend-*} writes them as metadata; the paper's files have none. Read here, beside the
 * weights, so that the predictor package needs nothing of the methods that use it;
 * the guided method's settings in {@code budget} are made from them.
 *
 * @param file        the predictor they were read from (errors name it)
 * @param everyToken  guide every thinking token
 * @param minP        the plausibility floor (0: off)
 * @param scale       the guidance strength γ (1: the paper's)
 * @param lookahead   candidates looked at one token ahead at a line start (0: none, the paper's)
 * @param maskText    the validity mask as written, "LAMBDA,ALPHA,MODE" (null: the paper's)
 * @param mask        the same as three numbers (null: the paper's)
 * @param modelFolder the predictor lives in a model folder (the paper's released checkpoints), which
 *                    the official code runs with heads over the whole vocabulary
 */
public record RecommendedGuidance(Path file, boolean everyToken, double minP, double scale, int lookahead, String maskText, double[] mask, boolean modelFolder) {
}
