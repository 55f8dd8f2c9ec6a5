package dev.bgl.cli;

import dev.bgl.tasks.Curriculum;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "tasks", mixinStandardHelpOptions = true,
        description = "Export problems of the synthetic curriculum with all their solution styles as JSONL (deterministic by seed).")
final class TasksCommand implements Callable<Integer> {
    @Option(names = "--out", required = true) Path out;
    @Option(names = "--n", defaultValue = "1000") int n;
    @Option(names = "--seed", defaultValue = "1") long seed;

    @Override
    public Integer call() {
        if (n < 1) throw new dev.bgl.util.BglException("--n must be >= 1, got " + n);
        Curriculum.exportJsonl(out, seed, n);
        System.out.println("wrote " + n + " problems to " + out);
        return 0;
    }
}
