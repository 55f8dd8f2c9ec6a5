package dev.bgl.spark;

import dev.bgl.eval.EvalProblem;
import dev.bgl.eval.EvalTasks;
import dev.bgl.eval.TaskLoader;
import dev.bgl.train.predictor.TraceCollector;
import dev.bgl.util.BglException;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The problems of {@code collect-traces} as plain values: the curriculum's TRAIN problems of a seed ({@code tasks}
 * null), or the first {@code n} of a data set judged by eval's checkers. The command and each Spark executor load the
 * same items from the same spec (a data set file at the same path on every node), so tasks send item indices.
 * Here rather than in eval or train because it joins the two (eval's task files and checkers, train's trace items).
 *
 * @param tasks null: the curriculum; else gsm8k:PATH | math500:PATH | aime:PATH | amc:PATH | jsonl:PATH | PATH
 */
public record TraceItems(String tasks, int n, long seed, TaskLoader.OnBadLine onBadLine) implements Serializable {

    /** The items, and the malformed lines skipped (with {@link TaskLoader.OnBadLine#SKIP}). */
    public record Loaded(List<TraceCollector.Item> items, int skippedLines) {
    }

    public TraceItems {
        if (tasks != null) {
            String s = tasks.strip();
            if (s.equals("synthetic") || s.startsWith("synthetic:"))
                throw new BglException("--tasks " + tasks + ": without --tasks collect-traces answers the curriculum's TRAIN problems;"
                        + " synthetic here would be eval's held-out TEST problems");
        }
    }

    /** {@code stop} or {@code skip}, as {@code --on-bad-line} gives it. */
    public static TaskLoader.OnBadLine onBadLine(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "stop" -> TaskLoader.OnBadLine.STOP;
            case "skip" -> TaskLoader.OnBadLine.SKIP;
            default -> throw new BglException("--on-bad-line must be skip or stop, got '" + s + "'");
        };
    }

    public Loaded load() {
        if (tasks == null) return new Loaded(TraceCollector.curriculum(new TraceCollector.Options(seed, n, 1, 0f, 1)), 0);
        String s = tasks.strip();
        EvalTasks set = EvalTasks.load(s, n, 0, onBadLine);
        return new Loaded(dataSet(s, set), set.skippedLines());
    }

    /**
     * A data set's problems as trace items, judged as eval judges them (each problem's answer checker on the text
     * after the thinking). The family a trace records is the format (gsm8k, math500, ...), the difficulty the
     * problem's level where the file gives one (MATH-500), else 0.
     */
    private static List<TraceCollector.Item> dataSet(String s, EvalTasks set) {
        int colon = s.indexOf(':');
        String family = colon > 1 && !s.substring(0, colon).contains("/") ? s.substring(0, colon).toLowerCase(Locale.ROOT) : "jsonl";
        List<TraceCollector.Item> items = new ArrayList<>();
        for (EvalProblem p : set.problems()) {
            int level = 0;
            try {
                level = Integer.parseInt(p.meta().getOrDefault("level", "0").replaceAll("\\D", ""));
            } catch (NumberFormatException ignored) {
                // a level that is not a number: no difficulty
            }
            items.add(new TraceCollector.Item(p.id(), family, level, p.prompt(), p.answer(),
                    out -> set.grader().grade(p, out.answer(), out.thinkingClosed()).correct()));
        }
        return items;
    }
}
