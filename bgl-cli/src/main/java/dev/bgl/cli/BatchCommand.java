package dev.bgl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.BudgetScheduler;
import dev.bgl.budget.InOrderRuns;
import dev.bgl.budget.Method;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.Scheduler;
import dev.bgl.eval.AccuracyCurves;
import dev.bgl.eval.BatchQuestions;
import dev.bgl.eval.BudgetAllocator;
import dev.bgl.eval.EvalProblem;
import dev.bgl.eval.EvalRecord;
import dev.bgl.eval.EvalTasks;
import dev.bgl.eval.TaskLoader;
import dev.bgl.spark.RunnerSpec;
import dev.bgl.spark.SparkBatch;
import dev.bgl.spark.TaskSpec;
import dev.bgl.util.ProgressBar;
import dev.bgl.util.BglException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers a batch of questions under one shared pool of thinking tokens. Each question's difficulty is the budget
 * predictor's expected thinking length, read by a {@code guided} run capped at a few generated tokens (one prefill
 * and a few decode steps: the predictor fires on the first thinking token, before any thinking is spent). The
 * {@link BudgetAllocator} splits the pool; questions then run one after another (or {@code --parallel N} together,
 * question i starting once question i - N has finished), and as each finishes its unused tokens go back and the rest
 * of the pool is re-planned over those not yet run.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = {"Answer many questions under one pool of thinking tokens shared by an allocation policy.",
                "Writes DIR/records.jsonl (one eval record per question, budget = its allocation) and prints accuracy and tokens spent.",
                "guided runs with its hard ceiling (--ceiling 0 unless given) so that no question spends another's tokens;"
                        + " learn --curves from records made with the same ceiling (e.g. docs/results/guided-ceiling/records.jsonl)."})
final class BatchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = {"-m", "--model"}, description = "A .gguf file or a Hugging Face model folder (default: the embedded " + ModelOptions.DEFAULT_MODEL + ")")
    Path model;
    @Option(names = "--thinking-format", paramLabel = "NAME|OPEN,CLOSE", description = ModelOptions.THINKING_FORMAT_HELP)
    String thinkingFormat;
    @picocli.CommandLine.Mixin GuidanceCli guidance;
    @picocli.CommandLine.Mixin AnswerCapOption answerCap;
    @picocli.CommandLine.Mixin ReasoningEffortOption effort;
    @Parameters(index = "0", paramLabel = "QUESTIONS", description = "synthetic | a questions file (jsonl, gsm8k:PATH, math500:PATH, ...: as eval --tasks)")
    String tasks;
    @Option(names = "--pool", required = true, description = "Thinking tokens shared by all questions, e.g. 20000tok or 20000")
    String pool;
    @Option(names = "--policy", defaultValue = "uniform", description = "uniform | proportional | marginal (default: ${DEFAULT-VALUE})")
    String policy;
    @Option(names = "--method", defaultValue = "guided", description = "Budget method each question runs with (default: ${DEFAULT-VALUE})")
    String method;
    @Option(names = "--curves", description = "Evaluation records (records.jsonl) to learn accuracy curves from; needed by marginal")
    Path curves;
    @Option(names = "--buckets", defaultValue = "4", description = "Difficulty buckets of the accuracy curves (default: ${DEFAULT-VALUE})")
    int buckets;
    @Option(names = "--chunk", defaultValue = "1", description = "Tokens per greedy step of marginal (default: ${DEFAULT-VALUE})")
    int chunk;
    @Option(names = "--n", defaultValue = "100", description = "Questions: the first N of a file, N drawn for synthetic; 0 = the whole file (default: ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--seed", defaultValue = "1", description = "Synthetic problem draw (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--max-tokens", defaultValue = "1024", description = "Cap on generated tokens per question (default: ${DEFAULT-VALUE})")
    int maxTokens;
    @Option(names = "--out", required = true, description = "Output directory")
    Path out;
    @Option(names = "--parallel", defaultValue = "1", description = "Questions decoded together in one continuous batch. Question i starts once"
            + " question i-N has finished and handed its unused tokens back, so the allocation depends on N but never on timing;"
            + " records stay in question order. 1: one after another. With --spark: questions answered at once on the executors,"
            + " in the same order (default there: the executor cores) (default: ${DEFAULT-VALUE})")
    int parallel;
    @Option(names = "--spark", paramLabel = "MASTER", description = "Run the questions as Apache Spark tasks: local[N] (Spark embedded, N cores) or"
            + " spark://HOST:PORT (a standalone cluster; this process is the driver and keeps the pool). The records are those of a"
            + " local run with the same --parallel. The model, predictor and questions file must be at the same path on every node")
    String spark;
    @picocli.CommandLine.Mixin SparkOptions sparkOptions;
    private static final Pattern POOL = Pattern.compile("(\\d{1,18})\\s*(tok|tokens)?", Pattern.CASE_INSENSITIVE);

    static long parsePool(String s) {
        String t = s == null ? "" : s.strip();
        if (t.startsWith("-")) throw new BglException("--pool must be >= 0 thinking tokens, got '" + s + "'");
        Matcher m = POOL.matcher(t);
        if (!m.matches()) throw new BglException("--pool must be a token count like 20000tok, got '" + s + "'");
        return Long.parseLong(m.group(1));
    }

    @Override
    public Integer call() {
        long poolTokens = parsePool(pool);
        BudgetAllocator.Policy pol = BudgetAllocator.Policy.parse(policy);
        Method meth = Method.parse(method);
        if (!meth.usesBudget()) throw new BglException("--method " + meth.name() + " uses no budget; pick one that does (e.g. guided, hard)");
        if (buckets < 1 || buckets > 100) throw new BglException("--buckets must be in 1..100, got " + buckets);
        if (maxTokens <= 0) throw new BglException("--max-tokens must be > 0, got " + maxTokens);
        if (parallel < 1 || parallel > 1024) throw new BglException("--parallel must be in 1..1024, got " + parallel);
        AccuracyCurves acc = null;
        if (curves != null) {
            if (!Files.isRegularFile(curves)) throw new BglException("--curves " + curves + ": no such file");
            try {
                acc = AccuracyCurves.fromRecords(readRecords(curves), meth.name(), buckets);
            } catch (BglException e) {
                throw new BglException("--curves " + curves + ": " + e.getMessage());
            }
        }
        BudgetAllocator allocator = new BudgetAllocator(pol, acc, chunk);
        dev.bgl.chat.ThinkingMarkers format = ModelOptions.thinkingFormat(thinkingFormat);
        ModelOptions mo = new ModelOptions();
        mo.model = model;
        Path modelPath = mo.resolveModel();
        EvalTasks set = EvalTasks.load(tasks, n, seed, TaskLoader.OnBadLine.STOP);
        // a shared pool holds only if no request thinks past its budget: guided keeps its hard ceiling here
        // (GRACE 0, the thinking ends at the budget exactly) unless --ceiling names another grace
        if (guidance.ceilingGrace == null || guidance.ceilingGrace < 0) guidance.ceilingGrace = 0;
        // the driver reads the predictor beside the model: a wrong --model must not read as a missing predictor
        if (!Files.exists(modelPath)) throw new dev.bgl.format.FormatException(modelPath, "no such file or folder");
        var weights = guidance.loadWeights(modelPath);
        if (weights == null) throw new BglException("batch predicts difficulty with the budget predictor: pass --predictor FILE");
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new BglException("cannot create output directory " + out + ": " + e.getMessage());
        }
        if (acc != null) err.println(acc);

        boolean parallelGiven = spec.commandLine().getParseResult().hasMatchedOption("--parallel");
        effort.validate();
        if (spark != null && effort.effort != null) throw new BglException("--reasoning-effort is not passed to Spark's executors yet: drop it or --spark");
        sparkOptions.check(spark);
        RunnerSpec remote = spark == null ? null : RunnerSpec.of(modelPath, null, dev.bgl.model.KvCacheType.F16, guidance.resolve(modelPath),
                guidance.heads, guidance.options(modelPath), answerCap.answerMax).withThinkingFormat(format).withShipped(sparkOptions.shipModel);
        // with --spark the executors open the model; the driver keeps only the pool
        try (SparkBatch cluster = spark == null ? null : SparkBatch.start(spark, sparkOptions.conf, remote, new TaskSpec(tasks, n, seed, TaskLoader.OnBadLine.STOP));
             LoadedModel m = cluster != null ? null : effort.apply(LoadedModel.open(modelPath, dev.bgl.model.KvCacheType.F16, null, format));
             BudgetScheduler batch = m == null || parallel == 1 ? null : new BudgetScheduler(answerCap.apply(new BudgetRunner(m,
                     dev.bgl.budget.predictor.BudgetPredictor.forModel(weights, m), guidance.options(modelPath))), Scheduler.Config.slots(parallel))) {
            BudgetRunner runner = m == null ? null : batch != null ? batch.runner()
                    : answerCap.apply(new BudgetRunner(m, dev.bgl.budget.predictor.BudgetPredictor.forModel(weights, m), guidance.options(modelPath)));
            int window = cluster != null && !parallelGiven ? cluster.parallelism() : parallel;
            if (cluster != null) err.println("bgl batch: Spark " + spark + ", " + cluster.parallelism() + " executor cores; " + window
                    + " questions at once (the records of --parallel " + window + ")");
            List<EvalProblem> problems = set.problems();
            // each question's estimate: independent of the others, made where the answers are
            double[] predicted = cluster != null ? cluster.predict(problems.size()) : new double[problems.size()];
            if (cluster == null)
                inOrder(runner, batch, problems.size(), InOrderRuns.Window.RUNNING, i -> BatchQuestions.predictRequest(problems.get(i)),
                        (i, metered, nanos) -> predicted[i] = BatchQuestions.predicted(problems.get(i).id(), metered.outcome().predictedThinking()));
            List<BudgetAllocator.Request> requests = new ArrayList<>();
            for (int i = 0; i < problems.size(); i++) requests.add(new BudgetAllocator.Request(problems.get(i).id(), predicted[i]));
            BudgetAllocator.Plan plan = allocator.plan(requests, poolTokens);
            int[] correct = {0};
            long[] thinking = {0}, answer = {0};
            int[] budgets = new int[problems.size()];
            ObjectMapper json = new ObjectMapper();
            ProgressBar bar = new ProgressBar("batch", problems.size(), System.err);
            try (Writer w = Files.newBufferedWriter(out.resolve("records.jsonl"), StandardCharsets.UTF_8)) {
                // each answer, in question order: its unused tokens back to the pool, then its record
                SparkBatch.Done accept = (i, r) -> {
                    plan.replan(i, r.thinkingTokens());
                    if (r.correct()) correct[0]++;
                    thinking[0] += r.thinkingTokens();
                    answer[0] += r.answerTokens();
                    try {
                        w.write(json.writeValueAsString(r.toJson()));
                        w.write('\n');
                        w.flush();
                    } catch (IOException e) {
                        throw new BglException("cannot write " + out.resolve("records.jsonl") + ": " + e.getMessage());
                    }
                    bar.update(i + 1, String.format(Locale.ROOT, "acc %.0f%%", 100.0 * correct[0] / (i + 1)));
                };
                // question i starts once question i - N has handed its unused tokens back: the same allocation whatever the timing
                if (cluster != null)
                    cluster.answerInOrder(problems.size(), window, i -> {
                        budgets[i] = plan.start(i);
                        return new SparkBatch.Question(i, meth.name(), budgets[i], maxTokens, predicted[i]);
                    }, accept);
                else
                    inOrder(runner, batch, problems.size(), InOrderRuns.Window.BY_INDEX, i -> {
                        budgets[i] = plan.start(i);
                        return BatchQuestions.request(problems.get(i), meth, budgets[i], maxTokens);
                    }, (i, metered, nanos) -> accept.accept(i, BatchQuestions.record(set, problems.get(i), meth, budgets[i], metered.outcome(),
                            nanos, predicted[i])));
                bar.finish();
            } catch (IOException e) {
                throw new BglException("cannot write " + out.resolve("records.jsonl") + ": " + e.getMessage());
            }
            long parquetRows = sparkOptions.writeParquet(out.resolve("records.jsonl"), SparkOptions.ParquetOf.RECORDS, cluster == null ? null : cluster::writeParquet);
            int total = problems.size();
            stdout.printf(Locale.ROOT, "%s %s, pool %d: accuracy %.1f%% (%d/%d), thinking tokens %d (%.1f%% of pool), answer tokens %d; records in %s%n",
                    pol.name().toLowerCase(Locale.ROOT), meth.name(), poolTokens, total == 0 ? 0 : 100.0 * correct[0] / total, correct[0], total,
                    thinking[0], poolTokens == 0 ? 0 : 100.0 * thinking[0] / poolTokens, answer[0], out.resolve("records.jsonl"));
            if (parquetRows >= 0) stdout.printf("%d records as Parquet in %s%n", parquetRows, sparkOptions.parquet);
        }
        return 0;
    }

    /**
     * Runs request i (made when it may start) for every i: one after another alone ({@code batch} null), or through the
     * batch; each outcome is handed back in order, on this thread.
     */
    private void inOrder(BudgetRunner runner, BudgetScheduler batch, int count, InOrderRuns.Window window,
                         java.util.function.IntFunction<dev.bgl.budget.BudgetRequest> request, InOrderRuns.Done done) {
        if (batch == null) InOrderRuns.oneByOne(runner, count, i -> runner.plan(request.apply(i)), done);
        else InOrderRuns.run(batch, count, parallel, window, i -> runner.plan(request.apply(i)), done);
    }

    private static List<EvalRecord> readRecords(Path file) {
        ObjectMapper json = new ObjectMapper();
        List<EvalRecord> rs = new ArrayList<>();
        int lineNo = 0;
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNo++;
                if (line.isBlank()) continue;
                rs.add(EvalRecord.fromJson(json.readTree(line)));
            }
        } catch (IOException | BglException e) {
            String why = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("unreadable");
            throw new BglException("line " + lineNo + ": bad record (" + why + ")");
        }
        return rs;
    }
}
