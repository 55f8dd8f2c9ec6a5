package dev.bgl.cli;

import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.TokenListener;
import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The main job on the embedded default model: a question, the model's thinking and answer
 * streamed; then the same question under a small thinking budget, first cut off as engines do
 * today, then with budget guidance. Until the trained default model ships in {@code models/}, it runs the same path on a
 * small random-weight Qwen3 model built on the spot (its output is gibberish), so a newcomer sees
 * the engine work end to end.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Ask the embedded default model a question and stream its thinking and answer.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = {"-p", "--prompt"}, defaultValue = "Multiply: 4821*7", description = "The question (default: ${DEFAULT-VALUE}, in the style of the model's curriculum)") String prompt;
    @Option(names = "--max-tokens", defaultValue = "300") int maxTokens;
    @Option(names = "--budget", defaultValue = "50", description = "Thinking budget of the second part: the hard cut-off, then budget guidance (default ${DEFAULT-VALUE}; 0: skip)") int budget;

    @Override
    public Integer call() throws Exception {
        Path model = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null && model == null; p = p.getParent()) {
            Path m = p.resolve(ModelOptions.DEFAULT_MODEL);
            if (Files.isRegularFile(m)) model = m;
        }
        if (model == null) {
            model = Path.of("target", "demo", "bgl-random-qwen3.gguf").toAbsolutePath();
            System.err.println("bgl demo: the trained default model (" + ModelOptions.DEFAULT_MODEL + ") is not in this checkout yet;");
            System.err.println("          running the same path on a random-weight Qwen3 model, so the text below is gibberish.");
            if (!Files.isRegularFile(model)) {
                Files.createDirectories(model.getParent());
                var vocab = ByteLevelVocab.spec();
                var spec = new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.Q8_0, 2, 128, 4, 2, 32, 384,
                        vocab.vocabSize(), 4096, 1000000f, 1e-6f, false, 1, "bgl-random-qwen3-demo");
                RandomModelMaker.write(spec, vocab::writeTo, model);
            }
        }
        if (new GuidanceCli().resolve(model) == null || budget <= 0) { // no predictor: the plain answer only
            System.err.println("bgl demo: " + model + "\n");
            return new CommandLine(new GenerateCommand()).execute("--model", model.toString(), "--prompt", prompt, "--max-tokens",
                    String.valueOf(maxTokens), "--think", "--temperature", "0");
        }
        return compare(model);
    }

    /**
     * The question three times on one runner: full thinking, then under the budget cut off and guided.
     * Everything runs once unseen first, so the speeds shown are the steady state, not the JIT's warm-up
     * (the predictor's first steps run interpreted and would read as guidance costing 10x).
     */
    private int compare(Path modelPath) {
        PrintWriter out = new PrintWriter(System.out, true);
        try (LoadedModel m = LoadedModel.open(modelPath)) {
            GuidanceCli guidance = new GuidanceCli();
            PredictorWeights weights = guidance.loadWeights(modelPath);
            BudgetRunner runner = new BudgetRunner(m, BudgetPredictor.forModel(weights, m), guidance.options(modelPath));
            List<Method> methods = List.of(new Method.None(), new Method.Hard(), new Method.Guided());
            System.err.println("bgl demo: " + modelPath + " (warming up)");
            for (int i = 0; i < 3; i++) for (Method x : methods) runner.run(request(x), TokenListener.NONE);
            BudgetOutcome full = null;
            for (Method x : methods) {
                System.err.println("\nbgl demo: " + switch (x) {
                    case Method.None n -> "the question, thinking as long as the model wants:";
                    case Method.Hard h -> "the same question with a budget of " + budget + " thinking tokens, cut off at the budget (what engines do today):";
                    default -> "the same question with a budget of " + budget + " thinking tokens, with budget guidance (the predictor beside the model):";
                } + "\n");
                dev.bgl.budget.Plan plan = runner.plan(request(x));
                RunCommand.Display display = new RunCommand.Display(out, false);
                if (plan.promptOpensThinking()) display.prefill(m.markers().open() + "\n", ThinkingFormat.Phase.THINKING);
                BudgetOutcome o = runner.runMetered(plan, display::onToken).outcome();
                display.end();
                if (full == null) full = o;
                out.println(RunCommand.summary(o) + (x instanceof Method.None ? "" : "\n  route: " + route(full, o)));
            }
        }
        return 0;
    }

    private BudgetRequest request(Method m) {
        return BudgetRequest.of(prompt, m, m.usesBudget() ? budget : 0, maxTokens);
    }

    /** Whether a budgeted run kept the full thinking's words (then it was cut) or took another route. */
    static String route(BudgetOutcome full, BudgetOutcome budgeted) {
        String a = full.thinking(), b = budgeted.thinking().stripTrailing();
        int same = 0;
        while (same < Math.min(a.length(), b.length()) && a.charAt(same) == b.charAt(same)) same++;
        if (same == b.length())
            return "the full thinking's first " + b.length() + " characters, then closed: the same route, cut short";
        return "changed: it left the full thinking after " + same + " characters and took a route of its own ("
                + budgeted.thinkingTokens() + " thinking tokens against " + full.thinkingTokens() + ")";
    }
}
