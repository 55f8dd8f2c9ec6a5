/**
 * Evaluation groundwork: benchmark task files ({@link dev.bgl.eval.TaskLoader} → {@link dev.bgl.eval.EvalProblem}),
 * final-answer extraction ({@link dev.bgl.eval.AnswerExtractor}), answer checking per checker type
 * ({@link dev.bgl.eval.AnswerChecker}: math, number, choice, exact) built on LaTeX normalisation
 * ({@link dev.bgl.eval.MathNormalizer}) and equivalence ({@link dev.bgl.eval.MathEquivalence}), and summary
 * statistics ({@link dev.bgl.eval.EvalStats}); and the budget evaluation: task specs ({@link dev.bgl.eval.EvalTasks}),
 * the resumable harness ({@link dev.bgl.eval.EvalHarness} writing {@link dev.bgl.eval.EvalRecord}s through
 * {@link dev.bgl.eval.RecordLog}), its metrics ({@link dev.bgl.eval.EvalSummary}), plots ({@link dev.bgl.eval.EvalPlots},
 * XChart) and reports ({@link dev.bgl.eval.EvalReport}). Depends on dev.bgl.decode, dev.bgl.budget, dev.bgl.train
 * (the synthetic curriculum, Spearman), dev.bgl.util, Jackson and XChart.
 */
package dev.bgl.eval;

import dev.bgl.util.Spearman;
