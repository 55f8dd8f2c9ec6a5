package dev.bgl.cli;

import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
    @Option(names = "--budget", defaultValue = "60", description = "Thinking budget of the second part: the hard cut-off, then budget guidance (default ${DEFAULT-VALUE}; 0: skip)") int budget;

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
        List<String> args = new ArrayList<>(List.of("--model", model.toString(), "--prompt", prompt, "--max-tokens",
                String.valueOf(maxTokens), "--think", "--temperature", "0")); // greedy, as the budgeted runs below
        System.err.println("bgl demo: " + model + "\n");
        int code = new CommandLine(new GenerateCommand()).execute(args.toArray(String[]::new));
        if (code != 0 || budget <= 0 || new GuidanceCli().resolve(model) == null) return code; // no predictor: nothing to compare
        // the point of bgl: the same question under a thinking budget, cut off vs guided
        for (String mode : List.of("hard", "guided")) {
            System.err.println("\nbgl demo: the same question with a budget of " + budget + " thinking tokens, "
                    + (mode.equals("hard") ? "cut off at the budget (what engines do today):" : "with budget guidance (the predictor beside the model):") + "\n");
            code = new CommandLine(new RunCommand()).execute("--model", model.toString(), "--mode", mode, "--budget",
                    String.valueOf(budget), "--max-tokens", String.valueOf(maxTokens), prompt);
            if (code != 0) return code;
        }
        return 0;
    }
}
