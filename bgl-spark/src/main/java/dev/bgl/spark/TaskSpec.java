package dev.bgl.spark;

import dev.bgl.eval.EvalTasks;
import dev.bgl.eval.TaskLoader;

import java.io.Serializable;

/**
 * The problems of an evaluation as each executor loads them: the same spec, count and seed give the same problems in
 * the same order on every node (synthetic ones are drawn from the seed; a task file must be at the same path on
 * every node), so tasks send problem indices, not problems.
 */
public record TaskSpec(String spec, int n, long seed, TaskLoader.OnBadLine onBadLine) implements Serializable {
    EvalTasks load() {
        return EvalTasks.load(spec, n, seed, onBadLine);
    }
}
