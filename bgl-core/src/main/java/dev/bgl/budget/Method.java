package dev.bgl.budget;

import dev.bgl.util.BglException;

import java.util.List;

/**
 * How a generation spends its thinking budget: full thinking, one of the baselines engines and
 * papers use, or budget guidance. A closed set; each method turns into prompt changes and logits
 * processors in {@link BudgetRunner}, so the decode loop itself knows nothing of budgets.
 */
public sealed interface Method {
    /** The name users type ({@code --mode}, {@code --methods}, the API's {@code budget_mode}). */
    String name();

    /** Whether the method reads a budget at all ({@code none} and {@code nothink} do not). */
    default boolean usesBudget() {
        return true;
    }

    /** Full thinking: the model stops when it wants to. */
    record None() implements Method {
        public String name() {
            return "none";
        }

        public boolean usesBudget() {
            return false;
        }
    }

    /** Close the thinking with {@code </think>} the moment the budget is spent (vLLM, SGLang, llama.cpp). */
    record Hard() implements Method {
        public String name() {
            return "hard";
        }
    }

    /** At the budget, insert Qwen3's early-stop message that ends with {@code </think>}. */
    record QwenStop() implements Method {
        public String name() {
            return "qwen-stop";
        }
    }

    /** s1 budget forcing: at the budget, insert "**Final Answer**", let the model finish the line, then close. */
    record S1() implements Method {
        public String name() {
            return "s1";
        }
    }

    /** Ask in the prompt: "Think for up to N tokens." Nothing is enforced. */
    record Prompt() implements Method {
        public String name() {
            return "prompt";
        }
    }

    /** No thinking: an empty thinking block is prefilled. */
    record NoThink() implements Method {
        public String name() {
            return "nothink";
        }

        public boolean usesBudget() {
            return false;
        }
    }

    /** Budget guidance (Li et al. 2025): a Gamma predictor over hidden states reweights each next token. */
    record Guided() implements Method {
        public String name() {
            return "guided";
        }
    }

    /**
     * The method a budgeted request gets when it names none: guidance when a predictor is loaded,
     * else the hard cut engines use. The one place this choice is made.
     */
    static Method budgetDefault(boolean hasPredictor) {
        return hasPredictor ? new Guided() : new Hard();
    }

    List<Method> ALL = List.of(new None(), new Hard(), new QwenStop(), new S1(), new Prompt(), new NoThink(), new Guided());

    static List<String> names() {
        return ALL.stream().map(Method::name).toList();
    }

    /** The method of that name; an unknown name is an error that lists the known ones. */
    static Method parse(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(java.util.Locale.ROOT);
        for (Method m : ALL) if (m.name().equals(n)) return m;
        throw new BglException("unknown budget method '" + name + "' (known: " + String.join(", ", names()) + ")");
    }
}
