package dev.bgl.eval;

import java.nio.file.Path;
import java.util.List;

/** The problems read from one task file, the format they were read as, and how many bad lines were skipped. */
public record TaskSet(Path source, TaskFormat format, List<EvalProblem> problems, int skippedLines) {
    public TaskSet {
        problems = List.copyOf(problems);
    }

    public int size() {
        return problems.size();
    }
}
