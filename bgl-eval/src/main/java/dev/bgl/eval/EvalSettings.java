package dev.bgl.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.budget.Budget;
import dev.bgl.budget.Method;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * What decides an evaluation's records: the same settings give the same records, whatever the thread count.
 * Stored as {@code run.json} beside the records so that a resumed run can refuse a directory written with
 * other settings. Exactly one of {@code budgets} and {@code fractions} is non-empty when a method uses a budget.
 *
 * @param model       the model file (as given)
 * @param tasks       the task spec ({@code synthetic}, {@code synthetic:sum,mul}, {@code gsm8k:PATH}, a path...)
 * @param methods     method names, {@code none} first
 * @param budgets     explicit thinking budgets, ascending
 * @param fractions   budgets as fractions of {@code none}'s mean thinking length, ascending
 * @param n           problems evaluated (the first n of the task set; 0 = all)
 * @param seed        problem sampling (synthetic) and per-sample sampler seeds
 * @param maxTokens   cap on generated tokens per sample
 * @param temperature 0 = greedy
 * @param predictor   predictor file for {@code guided} (null without)
 * @param limits      budgets in other units, each as given ({@code 2s}, {@code 16KB}, {@code 5s+64MB}: several limits
 *                    at once joined by '+'); empty in runs written before units existed
 */
public record EvalSettings(String model, String tasks, List<String> methods, List<Integer> budgets, List<Double> fractions,
                           int n, long seed, int maxTokens, double temperature, String predictor, List<String> limits,
                           String reasoningEffort) {
    /** Without a reasoning effort (the template's own). */
    public EvalSettings(String model, String tasks, List<String> methods, List<Integer> budgets, List<Double> fractions,
                        int n, long seed, int maxTokens, double temperature, String predictor, List<String> limits) {
        this(model, tasks, methods, budgets, fractions, n, seed, maxTokens, temperature, predictor, limits, null);
    }

    /** Token budgets only, as before budgets had units. */
    public EvalSettings(String model, String tasks, List<String> methods, List<Integer> budgets, List<Double> fractions,
                        int n, long seed, int maxTokens, double temperature, String predictor) {
        this(model, tasks, methods, budgets, fractions, n, seed, maxTokens, temperature, predictor, List.of());
    }

    public EvalSettings {
        limits = limits == null ? List.of() : List.copyOf(new java.util.LinkedHashSet<>(limits));
        for (String l : limits) Budget.parse(l); // a bad spec fails here, naming it
        if (!limits.isEmpty() && methods.contains("prompt"))
            throw new BglException("method prompt asks for a number of tokens in words: it cannot run under budgets in other units (" + limits + ")");
        methods = List.copyOf(methods);
        budgets = List.copyOf(new TreeSet<>(budgets));
        fractions = List.copyOf(new TreeSet<>(fractions));
        if (methods.isEmpty()) throw new BglException("no methods given");
        for (int b : budgets) if (b < 0) throw new BglException("budgets must be >= 0 thinking tokens, got " + b);
        for (double f : fractions)
            if (!(f > 0) || !Double.isFinite(f)) throw new BglException("budget fractions must be > 0, got " + f);
        if (!budgets.isEmpty() && !fractions.isEmpty())
            throw new BglException("give --budgets or --budget-fractions, not both");
        if (n < 0) throw new BglException("--n must be >= 0 (0 = all problems), got " + n);
        if (maxTokens < 1) throw new BglException("--max-tokens must be >= 1, got " + maxTokens);
        if (!(temperature >= 0)) throw new BglException("--temperature must be >= 0, got " + temperature);
        List<String> budgeted = methodList(methods).stream().filter(Method::usesBudget).map(Method::name).toList();
        if (!budgeted.isEmpty() && budgets.isEmpty() && fractions.isEmpty() && limits.isEmpty())
            throw new BglException("method" + (budgeted.size() > 1 ? "s " : " ") + String.join(", ", budgeted)
                    + " need" + (budgeted.size() > 1 ? "" : "s") + " budgets: give --budgets or --budget-fractions");
    }

    /**
     * Parses a comma-separated method list; unknown names are an error, duplicates are dropped and {@code none} is
     * put first (added when absent): it gives the natural thinking length that fractions and tokens-saved need.
     */
    public static List<String> parseMethods(String csv) {
        List<String> out = new ArrayList<>();
        out.add("none");
        for (String s : csv.split(",")) {
            if (s.isBlank()) continue;
            String name = Method.parse(s).name();
            if (!out.contains(name)) out.add(name);
        }
        return out;
    }

    public List<Method> methodList() {
        return methodList(methods);
    }

    private static List<Method> methodList(List<String> names) {
        return names.stream().map(Method::parse).toList();
    }

    /**
     * Splits a {@code --budgets} list: plain token counts ({@code 64}, {@code 64tok}) go to {@code tokens}, the
     * others ({@code 2s}, {@code 16KB}, {@code 5s+64MB}) to {@code limits} as given; each entry is checked.
     */
    public static void splitBudgets(List<String> entries, List<Integer> tokens, List<String> limits) {
        for (String e : entries) {
            String t = e.strip();
            if (t.matches("-\\d+")) throw new BglException("budgets must be >= 0 thinking tokens, got " + t);
            Budget b = Budget.parse(t);
            if (b.tokensOnly()) tokens.add(b.tokens());
            else limits.add(t);
        }
    }


    public boolean usesFractions() {
        return !fractions.isEmpty();
    }

    public ObjectNode toJson(ObjectMapper json) {
        return json.valueToTree(this);
    }

    public static EvalSettings fromJson(ObjectMapper json, JsonNode node) {
        try {
            return json.treeToValue(node, EvalSettings.class);
        } catch (Exception e) {
            throw new BglException("unreadable run settings: " + e.getMessage());
        }
    }

    private static String effortText(String effort) {
        return effort == null ? "the template's own" : effort;
    }

    /** The first setting that differs from {@code other}, as "name: this vs other", or null when they agree. */
    public String difference(EvalSettings other) {
        String[][] pairs = {
                {"model", model, other.model}, {"tasks", tasks, other.tasks},
                {"methods", methods.toString(), other.methods.toString()},
                {"budgets", budgets.toString(), other.budgets.toString()},
                {"budget fractions", fractions.toString(), other.fractions.toString()},
                {"n", "" + n, "" + other.n}, {"seed", "" + seed, "" + other.seed},
                {"max tokens", "" + maxTokens, "" + other.maxTokens},
                {"temperature", String.format(Locale.ROOT, "%s", temperature), String.format(Locale.ROOT, "%s", other.temperature)},
                {"predictor", String.valueOf(predictor), String.valueOf(other.predictor)},
                {"budgets in units", limits.toString(), other.limits.toString()},
                // an effort renders another prompt: records of two efforts must not mix in one run (null: the template's own)
                {"reasoning effort", effortText(reasoningEffort), effortText(other.reasoningEffort)}};
        for (String[] p : pairs) if (!p[1].equals(p[2])) return p[0] + ": " + p[1] + " vs " + p[2];
        return null;
    }
}
