package dev.bgl.cli;

import dev.bgl.budget.BudgetController;
import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.Budget;
import dev.bgl.budget.BudgetUnit;
import dev.bgl.budget.Plan;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.budget.Method;
import dev.bgl.decode.ThinkingFormat.Phase;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.Cancellation;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.util.BglException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Answers one question under a thinking budget with one method, streaming the thinking (dim when
 * the terminal can show it) and the answer, then one summary line.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Answer a question within a thinking budget: stream the thinking and the answer, then a summary line.")
final class RunCommand implements Callable<Integer> {
    static final String DIM = "\u001b[2m", RESET = "\u001b[0m";

    enum Color {auto, always, never}

    @Spec CommandSpec spec;
    @Mixin ModelOptions model;
    @Option(names = "--mode", required = true, description = "Budget method: none, hard, qwen-stop, s1, prompt, nothink, guided") String mode;
    @Option(names = "--budget", description = "Budget, comma-separated limits: thinking tokens (300 or 300tok), wall clock (5s, 500ms), KV cache (64MB, 1.5GB), compute (2GFLOP); required by the methods that use a budget") String budgetText;
    @Option(names = "--answer-reserve", defaultValue = "16", description = "Tokens kept for closing the thinking and the answer under limits other than tokens (default ${DEFAULT-VALUE})") int answerReserve;
    @Option(names = "--max-tokens", defaultValue = "1024", description = "Most tokens to generate, thinking and answer together (default ${DEFAULT-VALUE})") int maxTokens;
    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default); above 0, top-k 20 and top-p 0.95 apply") float temperature;
    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default ${DEFAULT-VALUE})") long seed;
    @Mixin GuidanceCli guidance;
    @Mixin AnswerCapOption answerCap;
    @Mixin ReasoningEffortOption effort;
    @Option(names = "--color", defaultValue = "auto", description = "Dim the thinking: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}: when stdout is a terminal)") Color color;
    @Parameters(arity = "0..*", paramLabel = "QUESTION", description = "The question (words are joined with spaces)") List<String> words;

    @Override
    public Integer call() {
        Method method = Method.parse(mode);
        String question = words == null ? "" : String.join(" ", words).strip();
        if (question.isEmpty()) throw new BglException("no question given (bgl run --mode MODE --budget N \"question\")");
        if (method.usesBudget() && budgetText == null) throw new BglException("--budget is required for --mode " + method.name());
        if (budgetText != null && budgetText.strip().matches("-\\d+"))
            throw new BglException("--budget must be >= 0 thinking tokens, got " + budgetText.strip());
        if (answerReserve < 0) throw new BglException("--answer-reserve must be >= 0 tokens, got " + answerReserve);
        Budget budget = budgetText == null ? Budget.NONE : Budget.parse(budgetText);
        if (method instanceof Method.Prompt && !budget.tokensOnly() && budgetText != null)
            throw new BglException("--mode prompt asks for a number of tokens in words: give --budget in tokens, got '" + budgetText + "'");
        if (maxTokens < 1) throw new BglException("--max-tokens must be >= 1, got " + maxTokens);
        answerCap.validate();
        effort.validate();
        if (method.usesBudget() && maxTokens < budget.maxTokensNeeded())
            throw new BglException("--max-tokens " + maxTokens + " is less than the thinking budget (" + budget.tokenLimit() + ") plus the answer's reserve ("
                    + dev.bgl.budget.BudgetController.DEFAULT_ANSWER_RESERVE + "): the answer would be cut off; give at least "
                    + budget.maxTokensNeeded());
        if (model.context != null) throw new BglException("--context is not used by run: the session is sized from the prompt and --max-tokens");
        PrintWriter err = spec.commandLine().getErr();
        if (guidance.predictor != null && !(method instanceof Method.Guided))
            err.println("bgl run: --predictor is only used by --mode guided; ignored");
        SamplerConfig sampler = temperature <= 0 ? SamplerConfig.GREEDY : new SamplerConfig(temperature, 20, 0.95f, 0f, seed);
        Cancellation cancel = new Cancellation();
        var req = new BudgetRequest(List.of(ChatMessage.user(question)), method, budget, sampler, maxTokens, cancel);

        try (LoadedModel m = effort.apply(model.open(model.resolveModel()))) {
            PredictorWeights weights = method instanceof Method.Guided ? guidance.loadWeights(model.resolveModel()) : null;
            BudgetRunner runner = new BudgetRunner(m, weights == null ? null : BudgetPredictor.forModel(weights, m), guidance.options(model.resolveModel()))
                    .withAnswerReserve(answerReserve);
            answerCap.apply(runner);
            PrintWriter out = spec.commandLine().getOut();
            Display display = new Display(out, useColor());
            Plan plan = runner.plan(req);
            Phase start = plan.promptPhase();
            // show what the prompt already put in the thinking, so the stream reads as the model sees it
            if (start == Phase.THINKING) display.prefill(m.markers().open() + "\n", Phase.THINKING);
            if (start == Phase.ANSWER) display.prefill(m.markers().emptyThinking(), Phase.ANSWER);
            installInterrupt(cancel);
            BudgetRunner.Metered metered = runner.runMetered(plan, display::onToken);
            display.end();
            out.println(metered.controller() == null ? summary(metered.outcome()) : summary(metered.outcome(), metered.controller()));
            out.flush();
        }
        return 0;
    }

    static String summary(BudgetOutcome o) {
        var r = o.result();
        String thinking = o.method().usesBudget()
                ? "thinking " + o.thinkingTokens() + " / " + o.budget().tokens() + " tokens"
                : "thinking " + o.thinkingTokens() + " tokens (no budget)";
        return String.format(Locale.ROOT, "[%s] %s%s, %s, intervened: %s, %.1f tok/s, stop: %s",
                o.method().name(), thinking, o.thinkingClosed() ? "" : " (not closed)", answer(o),
                o.intervened() ? "yes" : "no", r.decodeTokensPerSecond(), o.stopReason());
    }

    /** "answer 12 tokens", and what the strict accounting says when the answer overran its cap. */
    static String answer(BudgetOutcome o) {
        String s = "answer " + o.answerTokens() + " tokens";
        if (!o.answerOverrun()) return s;
        return s + " (overran the answer cap of " + o.answerPhase().answerMax() + ": not within budget)";
    }

    /** The summary under limits in other units: what was spent in each, as given ("time 4.3 s / 5 s, KV 12.1 MB / 64 MB"). */
    static String summary(BudgetOutcome o, BudgetController c) {
        var r = o.result();
        boolean tokenLimit = c.limits().stream().anyMatch(u -> u instanceof BudgetUnit.Tokens);
        return String.format(Locale.ROOT, "[%s] %s%s%s, %s, intervened: %s, %.1f tok/s, stop: %s",
                o.method().name(), c.spentSummary(o.thinkingTokens()), tokenLimit ? "" : ", thinking " + o.thinkingTokens() + " tokens",
                o.thinkingClosed() ? "" : " (not closed)", answer(o),
                o.intervened() ? "yes" : "no", r.decodeTokensPerSecond(), o.stopReason());
    }

    private boolean useColor() {
        return switch (color) {
            case always -> true;
            case never -> false;
            case auto -> System.console() != null && System.console().isTerminal() && System.getenv("NO_COLOR") == null
                    && !"dumb".equals(System.getenv("TERM"));
        };
    }

    /** Prints streamed pieces, dim while in the thinking (the markers included), as the decode loop reports the phase. */
    static final class Display {
        private final PrintWriter out;
        private final boolean color;
        private boolean dim;
        private boolean inThinking;

        Display(PrintWriter out, boolean color) {
            this.out = out;
            this.color = color;
        }

        void prefill(String text, Phase after) {
            setDim(true);
            out.print(text);
            inThinking = after == Phase.THINKING;
            setDim(inThinking);
            out.flush();
        }

        void onToken(int id, String text, boolean forced, Phase phase) {
            if (phase == Phase.THINKING) inThinking = true; // <think> comes with THINKING: dim it too
            if (inThinking) setDim(true);
            out.print(text);
            inThinking = phase == Phase.THINKING;           // </think> comes with ANSWER: dim, then the answer is not
            if (!inThinking) setDim(false);
            out.flush();
        }

        void end() {
            setDim(false);
            out.println();
        }

        private void setDim(boolean on) {
            if (!color || on == dim) return;
            out.print(on ? DIM : RESET);
            dim = on;
        }
    }

    /** Ctrl-C stops the generation cleanly (the text so far and the summary are still printed). */
    private static void installInterrupt(Cancellation cancel) {
        try {
            Signal.handle(new Signal("INT"), sig -> cancel.cancel());
        } catch (IllegalArgumentException | UnsupportedOperationException ignored) {
            // no signal support here: Ctrl-C just ends the JVM
        }
    }
}
