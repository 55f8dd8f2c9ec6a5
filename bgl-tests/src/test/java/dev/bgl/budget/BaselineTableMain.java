package dev.bgl.budget;

import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.TokenListener;

import java.nio.file.Path;
import java.util.List;

/**
 * Prints how each baseline behaves on a few questions of the shipped model's curriculum (greedy):
 * thinking tokens, the answer, whether it is right, whether the method intervened. Not a test: a
 * look at the baselines, run by hand
 * ({@code java -cp target/classes:target/test-classes:... dev.bgl.budget.BaselineTableMain [budget] [-v] [-m methods] [question=answer ...]}).
 */
public final class BaselineTableMain {
    record Q(String question, String answer) {
    }

    static final List<Q> QUESTIONS = List.of(
            new Q("Add: 17+8+12+5", "42"),
            new Q("Multiply: 314*7", "2198"),
            new Q("Solve for x: 3*(x+4)=27", "5"),
            new Q("Add: 5+8+3", "16"),
            new Q("Solve for x: 2*(x+7)-5=17", "4"));

    public static void main(String[] args) {
        int budget = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        boolean verbose = List.of(args).contains("-v");
        // further arguments "question=answer" replace the default questions; "-m name,name" picks methods
        List<Q> questions = java.util.Arrays.stream(args).filter(a -> a.contains("="))
                .map(a -> new Q(a.substring(0, a.lastIndexOf('=')), a.substring(a.lastIndexOf('=') + 1))).toList();
        if (questions.isEmpty()) questions = QUESTIONS;
        int mi = List.of(args).indexOf("-m");
        List<String> only = mi >= 0 ? List.of(args[mi + 1].split(",")) : Method.names();
        try (LoadedModel m = LoadedModel.open(Path.of("models/bgl-reasoner.gguf"))) {
            BudgetRunner runner = new BudgetRunner(m);
            System.out.println("| method | question | thinking tokens | answer | correct | intervened |");
            System.out.println("| --- | --- | --- | --- | --- | --- |");
            for (Method method : Method.ALL) {
                if (method instanceof Method.Guided || !only.contains(method.name())) continue;
                for (Q q : questions) {
                    BudgetOutcome o = runner.run(BudgetRequest.of(q.question(), method, budget, 300), TokenListener.NONE);
                    String ans = o.answer().replace("Answer:", "").strip();
                    System.out.printf("| %s | %s | %d%s | %s | %s | %s |%n", method.name(), q.question(), o.thinkingTokens(),
                            o.thinkingClosed() ? "" : " (open)", o.answer().replace("\n", "⏎"),
                            ans.equals(q.answer()) ? "yes" : "no", o.intervened() ? "yes" : "no");
                    if (verbose) System.out.println("    thinking: " + o.thinking().replace("\n", "⏎"));
                }
            }
        }
    }
}
