/**
 * Evaluation groundwork: benchmark task files ({@link dev.bgl.eval.TaskLoader} → {@link dev.bgl.eval.EvalProblem}),
 * final-answer extraction ({@link dev.bgl.eval.AnswerExtractor}), answer checking per checker type
 * ({@link dev.bgl.eval.AnswerChecker}: math, number, choice, exact) built on LaTeX normalisation
 * ({@link dev.bgl.eval.MathNormalizer}) and equivalence ({@link dev.bgl.eval.MathEquivalence}), and summary
 * statistics ({@link dev.bgl.eval.Metrics}). Depends only on dev.bgl.util and Jackson.
 */
package dev.bgl.eval;
