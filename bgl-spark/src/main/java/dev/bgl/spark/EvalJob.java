package dev.bgl.spark;

import java.io.Serializable;

/** One sample of an {@link dev.bgl.eval.EvalHarness.Job} as a task carries it: the problem by its index in the task set. */
record EvalJob(int problem, String method, int budget, String limits) implements Serializable {
}
