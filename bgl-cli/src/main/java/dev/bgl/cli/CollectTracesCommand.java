package dev.bgl.cli;

import dev.bgl.decode.LoadedModel;
import dev.bgl.eval.EvalProblem;
import dev.bgl.eval.EvalTasks;
import dev.bgl.eval.TaskLoader;
import dev.bgl.util.BglException;
import dev.bgl.tensor.Parallel;
import dev.bgl.train.predictor.TraceCollector;
import dev.bgl.util.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "collect-traces", mixinStandardHelpOptions = true,
        description = {"Generate the model's own responses with full thinking, the training data of a budget predictor: to TRAIN problems of the curriculum,"
                + " or to the problems of a data set (--tasks), each judged by the eval harness's answer checker.",
                "Writes OUT/traces.jsonl, one response per line as each finishes; a rerun resumes (ids already there are skipped)."})
final class CollectTracesCommand implements Callable<Integer> {
    @Mixin ModelOptions modelOptions;
    @Option(names = "--out", required = true, description = "Folder for traces.jsonl") Path out;
    @Option(names = "--tasks", paramLabel = "SPEC", description = "A data set instead of the curriculum: gsm8k:PATH | math500:PATH | aime:PATH | amc:PATH | jsonl:PATH | PATH"
            + " (the first --n problems; ids are the file's). The model's answers are judged by eval's checkers")
    String tasks;
    @Option(names = "--on-bad-line", defaultValue = "stop", description = "With --tasks, a malformed line: stop (error) or skip (default: ${DEFAULT-VALUE})")
    String onBadLine;
    @Option(names = "--n", defaultValue = "2000", description = "Problems (default: ${DEFAULT-VALUE})") int n;
    @Option(names = "--seed", defaultValue = "7", description = "Curriculum seed; problem i gets id s<seed>-<i> (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--temperature", defaultValue = "0", description = "0: greedy (default); else sampling with a per-problem seed") float temperature;
    @Option(names = "--max-tokens", defaultValue = "512", description = "Cap on generated tokens per response (default: ${DEFAULT-VALUE})") int maxTokens;
    @Option(names = "--parallel", defaultValue = "1", description = "Responses decoded together in one continuous batch, written in problem order"
            + " (each is the one it gets alone); --threads then sets the cores each batched step uses. 1: --threads worker threads,"
            + " one response each (default: ${DEFAULT-VALUE})") int parallel;

    @Override
    public Integer call() {
        Path modelPath = modelOptions.resolveModel();
        int threads = modelOptions.threads != null ? modelOptions.threads : Parallel.threads();
        var options = new TraceCollector.Options(seed, n, threads, temperature, maxTokens, parallel);
        List<TraceCollector.Item> items = tasks == null ? TraceCollector.curriculum(options) : dataSet(tasks, n, onBadLine);
        try (LoadedModel m = modelOptions.open(modelPath)) {
            var s = TraceCollector.collect(m, out, options, items, new ProgressBar("traces", items.size(), System.err));
            System.out.printf("%s: %d new responses (%d already there) in %.1f s; %d closed their thinking, %d correct, mean thinking %.1f tokens%n",
                    s.file(), s.collected(), s.skipped(), s.seconds(), s.closed(), s.correct(), s.meanThinking());
        }
        return 0;
    }

    /**
     * The first n problems of a data set as trace items, judged as eval judges them (each problem's answer checker
     * on the text after the thinking). The family a trace records is the format (gsm8k, math500, ...), the
     * difficulty the problem's level where the file gives one (MATH-500), else 0.
     */
    static List<TraceCollector.Item> dataSet(String spec, int n, String onBadLine) {
        String s = spec.strip();
        if (s.equals("synthetic") || s.startsWith("synthetic:"))
            throw new BglException("--tasks " + spec + ": without --tasks collect-traces answers the curriculum's TRAIN problems;"
                    + " synthetic here would be eval's held-out TEST problems");
        TaskLoader.OnBadLine bad = switch (onBadLine.strip().toLowerCase(Locale.ROOT)) {
            case "stop" -> TaskLoader.OnBadLine.STOP;
            case "skip" -> TaskLoader.OnBadLine.SKIP;
            default -> throw new BglException("--on-bad-line must be skip or stop, got '" + onBadLine + "'");
        };
        EvalTasks set = EvalTasks.load(s, n, 0, bad);
        if (set.skippedLines() > 0) System.err.println("bgl collect-traces: skipped " + set.skippedLines() + " bad lines of " + spec);
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
