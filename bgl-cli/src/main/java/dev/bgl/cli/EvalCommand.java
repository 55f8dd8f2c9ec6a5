package dev.bgl.cli;

import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorCalibration;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.eval.EvalHarness;
import dev.bgl.eval.EvalReport;
import dev.bgl.eval.EvalSettings;
import dev.bgl.eval.EvalSummary;
import dev.bgl.eval.EvalTasks;
import dev.bgl.eval.RecordLog;
import dev.bgl.eval.TextLog;
import dev.bgl.eval.TaskLoader;
import dev.bgl.spark.RunnerSpec;
import dev.bgl.spark.SparkEval;
import dev.bgl.spark.SparkJars;
import dev.bgl.spark.TaskSpec;
import dev.bgl.util.BglException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate budget methods on a task set: accuracy vs thinking budget, adherence, tokens saved, latency.",
                "Records go to DIR/records.jsonl as they finish; rerunning the same command resumes. Reports: summary.json,"
                        + " summary.csv, PNG/SVG plots and a self-contained report.html."})
final class EvalCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = {"-m", "--model"}, description = "A .gguf file or a Hugging Face model folder (default: the embedded " + ModelOptions.DEFAULT_MODEL + ")")
    Path model;
    @Option(names = "--tokenizer", paramLabel = "DIR", description = "For a Hugging Face model folder without a tokenizer (the paper's *-BG checkpoints): the base model's folder")
    Path tokenizer;
    @Option(names = "--thinking-format", paramLabel = "NAME|OPEN,CLOSE", description = ModelOptions.THINKING_FORMAT_HELP)
    String thinkingFormat;
    @picocli.CommandLine.Mixin GuidanceCli guidance;
    @picocli.CommandLine.Mixin AnswerCapOption answerCap;
    @picocli.CommandLine.Mixin ReasoningEffortOption effort;
    @Option(names = "--tasks", required = true, description = "synthetic | synthetic:FAMILY,... | gsm8k:PATH | math500:PATH | aime:PATH | amc:PATH | jsonl:PATH | PATH (format detected)")
    String tasks;
    @Option(names = "--methods", defaultValue = "none,hard", description = "Comma-separated: none, hard, qwen-stop, s1, prompt, nothink, guided (none always runs, first) (default: ${DEFAULT-VALUE})")
    String methods;
    @Option(names = "--budgets", split = ",", description = "Budgets: thinking tokens (64,128) and/or other units (2s, 500ms, 16KB, 2GFLOP; several limits at once joined by '+', e.g. 5s+64MB), e.g. 16,32,1s")
    List<String> budgets = new ArrayList<>();
    @Option(names = "--budget-fractions", split = ",", description = "Budgets as fractions of none's mean thinking length on these problems, e.g. 0.25,0.5,0.75")
    List<Double> fractions = new ArrayList<>();
    @Option(names = "--n", defaultValue = "100", description = "Problems: the first N of a file, N drawn for synthetic; 0 = the whole file (default: ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--seed", defaultValue = "1", description = "Synthetic problem draw and sampler seeds (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--threads", defaultValue = "1", description = "Problems evaluated at once (default: ${DEFAULT-VALUE}); records do not depend on it")
    int threads;
    @Option(names = "--parallel", defaultValue = "1", description = "Samples decoded together in one continuous batch (one model pass per"
            + " step for all of them); records and their order are those of --parallel 1, only timings differ. Not with --threads,"
            + " --spark or --calibrate (calibration learns from each run as it finishes, so it runs one sample at a time) (default: ${DEFAULT-VALUE})")
    int parallel;
    @Option(names = "--max-tokens", defaultValue = "1024", description = "Cap on generated tokens per sample (default: ${DEFAULT-VALUE})")
    int maxTokens;
    @Option(names = "--temperature", defaultValue = "0", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    double temperature;
    @Option(names = "--out", required = true, description = "Output directory")
    Path out;
    @Option(names = "--on-bad-line", defaultValue = "stop", description = "A malformed task-file line: stop (error) or skip (default: ${DEFAULT-VALUE})")
    String onBadLine;
    @Option(names = "--force", description = "Discard the records of a run with other settings in --out")
    boolean force;

    @Option(names = "--save-texts", description = "Also write what each sample generated now wrote (its thinking and answer) to DIR/texts.jsonl,"
            + " keyed as records.jsonl is: to read why a run went wrong")
    boolean saveTexts;
    @Option(names = "--calibrate", description = "Online calibration of the predictor (guided): start from NAME.predictor.calibration.json beside the predictor when present, correct as traces finish, report the MAE of log predicted remaining length raw vs corrected, and save the file")
    boolean calibrate;
    @Option(names = "--spark", paramLabel = "MASTER", description = "Run the samples as an Apache Spark job: local[N] (Spark embedded, N cores) or spark://HOST:PORT"
            + " (a standalone cluster; this process is the driver). The model and task files must be at the same path on every node. Records are those of a local run; --threads is not used (executor cores are)")
    String spark;
    @picocli.CommandLine.Mixin SparkOptions sparkOptions;
    @Option(names = "--calibration", description = "Predictor calibration points {true_remaining, predicted_mean} per line (default: DIR/calibration.jsonl when present)")
    Path calibration;

    /**
     * The runner each worker thread gets: the predictor's weights are read once and shared; each
     * runner makes its own predictor buffers.
     */
    static EvalHarness.RunnerFactory runnerFactory(GuidanceCli guidance, Path model) {
        return runnerFactory(guidance, model, null);
    }

    static EvalHarness.RunnerFactory runnerFactory(GuidanceCli guidance, Path model, PredictorCalibration calibration) {
        PredictorWeights weights = guidance.loadWeights(model);
        GuidanceOptions options = guidance.options(model);
        return m -> new BudgetRunner(m, weights == null ? null : BudgetPredictor.forModel(weights, m), options).withCalibration(calibration);
    }

    @Override
    public Integer call() {
        TaskLoader.OnBadLine bad = switch (onBadLine.strip().toLowerCase(Locale.ROOT)) {
            case "stop" -> TaskLoader.OnBadLine.STOP;
            case "skip" -> TaskLoader.OnBadLine.SKIP;
            default -> throw new BglException("--on-bad-line must be skip or stop, got '" + onBadLine + "'");
        };
        if (threads < 1 || threads > 1024) throw new BglException("--threads must be in 1..1024, got " + threads);
        EvalHarness.checkParallel(parallel, threads, spark != null);
        EvalHarness.checkTexts(saveTexts, spark != null);
        if (parallel > 1 && calibrate)
            throw new BglException("--calibrate corrects the predictor as each run finishes, so the next run depends on the order they finish in:"
                    + " it runs one sample at a time; drop --parallel " + parallel);
        dev.bgl.chat.ThinkingMarkers format = ModelOptions.thinkingFormat(thinkingFormat);
        ModelOptions mo = new ModelOptions();
        mo.model = model;
        Path modelPath = mo.resolveModel();
        List<Integer> tokenBudgets = new ArrayList<>();
        List<String> limits = new ArrayList<>();
        EvalSettings.splitBudgets(budgets, tokenBudgets, limits);
        EvalSettings settings = new EvalSettings(modelPath.toString(), tasks, EvalSettings.parseMethods(methods), tokenBudgets, fractions,
                n, seed, maxTokens, temperature, guidance.describe(modelPath), limits,
                effort.effort == null ? null : effort.effort.strip().toLowerCase(java.util.Locale.ROOT));
        if (calibration != null && !Files.isRegularFile(calibration)) throw new BglException("--calibration " + calibration + ": no such file");
        EvalTasks set = EvalTasks.load(tasks, n, seed, bad);
        if (set.skippedLines() > 0) System.err.println("bgl eval: skipped " + set.skippedLines() + " bad lines of " + tasks);
        PredictorCalibration cal = null;
        Path calFile = null;
        if (calibrate) {
            Path predictorFile = guidance.resolve(modelPath);
            if (predictorFile == null) throw new BglException("--calibrate needs a predictor: pass --predictor FILE");
            calFile = PredictorCalibration.pathFor(predictorFile);
            cal = Files.isRegularFile(calFile) ? PredictorCalibration.load(calFile) : new PredictorCalibration();
        }
        answerCap.validate();
        effort.validate();
        if (spark != null && effort.effort != null) throw new BglException("--reasoning-effort is not passed to Spark's executors yet: drop it or --spark");
        sparkOptions.check(spark);
        if (spark != null && calibrate) throw new BglException("--calibrate corrects the predictor as traces finish, in one process: it cannot run with --spark");
        EvalHarness.RunnerFactory withoutCap = runnerFactory(guidance, modelPath, cal);
        EvalHarness.RunnerFactory factory = m -> answerCap.apply(withoutCap.create(m));
        try (LoadedModel m = effort.apply(ModelOptions.openChecked(modelPath, dev.bgl.model.KvCacheType.F16, tokenizer, format)); RecordLog log = RecordLog.open(out, settings, force);
             SparkEval cluster = spark == null ? null : startSpark(modelPath, set, settings, bad, format);
             TextLog texts = saveTexts ? TextLog.open(out, log.resumed() == 0) : null) {
            if (log.resumed() > 0) System.err.println("bgl eval: resuming: " + log.resumed() + " records already in " + log.file());
            if (cluster != null) System.err.println("bgl eval: Spark " + spark + ", " + cluster.parallelism() + " executor cores");
            EvalHarness.Result result = new EvalHarness(m, factory, settings, set, threads, cluster, System.err).withParallel(parallel)
                    .withTexts(texts).run(log);
            EvalSummary summary = EvalSummary.of(result.records(), settings.methods());
            EvalReport.write(out, new EvalReport.Context(commandLine(), m.name(), settings, result, set.size()), summary, calibration);
            java.io.PrintWriter stdout = spec.commandLine().getOut();
            long parquetRows = sparkOptions.writeParquet(log.file(), SparkOptions.ParquetOf.RECORDS, cluster == null ? null : cluster::writeParquet);
            stdout.print(EvalReport.table(summary));
            if (cal != null) {
                cal.save(calFile);
                StringBuilder scales = new StringBuilder();
                for (int b = 0; b < cal.buckets(); b++) scales.append(b == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", cal.scale(b)));
                stdout.printf(Locale.ROOT, "calibration: MAE of log predicted remaining length over %d guided steps of %d traces: raw %.4f, corrected %.4f;"
                        + " scales per bucket [%s]; saved %s%n", cal.steps(), cal.traces(), cal.rawMae(), cal.correctedMae(), scales, calFile);
            }
            stdout.printf("%d records (%d generated now) in %s; report: %s%n", result.records().size(), result.generated(),
                    log.file(), out.resolve(EvalReport.HTML));
            if (parquetRows >= 0) stdout.printf("%d records as Parquet in %s%n", parquetRows, sparkOptions.parquet);
            if (texts != null) stdout.printf("texts of the %d samples generated now in %s%n", result.generated(), texts.file());
        }
        return 0;
    }

    /** The Spark application of --spark: executors build the runner this command's factory builds, from plain values. */
    private SparkEval startSpark(Path modelPath, EvalTasks set, EvalSettings settings, TaskLoader.OnBadLine bad, dev.bgl.chat.ThinkingMarkers format) {
        SparkJars.require();
        Path predictorFile = guidance.resolve(modelPath);
        if (predictorFile != null) guidance.loadWeights(modelPath); // a bad predictor fails here, once, not on every executor
        RunnerSpec rs = RunnerSpec.of(modelPath, tokenizer, dev.bgl.model.KvCacheType.F16, predictorFile, guidance.heads,
                guidance.options(modelPath), answerCap.answerMax).withThinkingFormat(format).withShipped(sparkOptions.shipModel);
        return SparkEval.start(spark, sparkOptions.conf, rs, new TaskSpec(tasks, n, seed, bad), settings, set);
    }

    private String commandLine() {
        // the root's parse result holds the whole line, "eval" included
        List<String> args = spec.root().commandLine().getParseResult().originalArgs();
        StringBuilder b = new StringBuilder(args.contains("eval") ? "bgl" : "bgl eval");
        for (String a : args)
            b.append(' ').append(a.matches("[\\w./:,=@+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        return b.toString();
    }
}
