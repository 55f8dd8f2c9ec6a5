package dev.bgl.eval;

import java.math.BigDecimal;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether two math answers mean the same, in the spirit of Qwen2.5-Math / lm-eval's {@code math_equal}:
 * equal canonical text; else same multiple-choice letter; else the same structure (union of intervals,
 * matrix, interval/tuple compared in order with matching brackets, set or bare list in any order, "a\pm b"
 * as two values) with equivalent parts; else equal value. Values: two plain decimals compare exactly
 * ("2.50" = "2.5", but 27647 ≠ 27648); other numeric expressions within a relative 1e-4 (0.5 = \frac12,
 * \sqrt8 = 2\sqrt2, \pi = 3.14159); expressions with variables by evaluating both at fixed sample points
 * (2k+2 = 2(k+1)); equations up to a constant factor.
 */
public final class MathEquivalence {
    private MathEquivalence() {}

    /** For a side written with a rounded decimal (3.14159 for \\pi, 0.5 for \\frac12). */
    static final double REL_TOL = 1e-4;
    /**
     * For two exact expressions (integers, fractions, roots, \\pi): only floating-point error can separate equal
     * values, so a loose tolerance would wrongly pass near misses such as \\frac{448}{15626} vs \\frac{448}{15625}.
     */
    static final double EXACT_REL_TOL = 1e-9;
    private static final Pattern MATRIX = Pattern.compile("^\\\\begin\\{([pbvB]?matrix|array)\\}(?:\\{[lcr|]*\\})?(.*)\\\\end\\{\\1\\}$", Pattern.DOTALL);
    private static final Pattern LEADING_CHOICE = Pattern.compile("^\\(([A-E])\\)(?![A-Za-z]).*");
    private static final Pattern WORD = Pattern.compile("[A-Za-z]{3,}");
    /** Sample values for variables: irrational-ish, away from 0, 1 and the poles of the usual functions. */
    private static final double[][] SAMPLES = {{0.7133, 1.3719, 2.1174, 0.4561, 1.8832, 2.7431}, {1.2291, 0.5378, 1.6623, 2.4417, 0.8219, 1.1397},
            {2.3307, 1.9121, 0.6642, 1.4903, 2.9513, 0.3311}};

    /** Longer answers are not answers but runaway output: compared as text only, to bound the work. */
    static final int MAX_ANSWER_CHARS = 2000;

    public static boolean equivalent(String predicted, String gold) {
        if (predicted == null || gold == null || predicted.isBlank() || gold.isBlank()) return false;
        if (predicted.length() > MAX_ANSWER_CHARS || gold.length() > MAX_ANSWER_CHARS) return predicted.trim().equals(gold.trim());
        return same(MathNormalizer.normalize(predicted), MathNormalizer.normalize(gold), 0);
    }

    /** Whether an answer normalises to something with a value (a number or arithmetic expression), not words or structure. */
    static boolean isValue(String answer) {
        String s = MathNormalizer.normalize(answer);
        if (s.isEmpty() || !looksLikeMath(s) || Latex.splitTopLevel(s, ",").size() > 1) return false;
        try {
            LatexExpr.parse(s);
            return true;
        } catch (LatexExpr.ParseError e) {
            return false;
        }
    }

    private static boolean same(String a, String b, int depth) {
        if (a.isEmpty() || b.isEmpty()) return false;
        if (a.equals(b)) return true;
        if (a.matches("[A-Za-z ]{2,}") && b.matches("[A-Za-z ]{2,}")) return a.equalsIgnoreCase(b); // words, not variables
        if (depth > 8) return false;
        Optional<Boolean> choice = sameChoice(a, b);
        if (choice.isPresent()) return choice.get();

        List<String> ua = Latex.splitTopLevel(a, "\\cup"), ub = Latex.splitTopLevel(b, "\\cup");
        if (ua.size() > 1 || ub.size() > 1) return ua.size() == ub.size() && sameUnordered(ua, ub, depth);

        Matcher ma = MATRIX.matcher(a), mb = MATRIX.matcher(b);
        if (ma.matches() || mb.matches()) return ma.matches() && mb.matches() && sameMatrix(ma.group(2), mb.group(2), depth);

        Shape sa = shape(a), sb = shape(b);
        if (sa.kind == Kind.TUPLE || sb.kind == Kind.TUPLE) {
            if (sa.kind != sb.kind || a.charAt(0) != b.charAt(0) || a.charAt(a.length() - 1) != b.charAt(b.length() - 1)) return false;
            if (sa.items.size() != sb.items.size()) return false;
            for (int i = 0; i < sa.items.size(); i++) if (!sameItem(sa.items.get(i), sb.items.get(i), depth)) return false;
            return true;
        }
        if (sa.items.size() > 1 || sb.items.size() > 1 || sa.kind == Kind.SET || sb.kind == Kind.SET)
            return sa.items.size() == sb.items.size() && sameUnordered(sa.items, sb.items, depth);

        return sameValue(a, b);
    }

    private static boolean sameItem(String x, String y, int depth) {
        return same(MathNormalizer.normalize(x), MathNormalizer.normalize(y), depth + 1);
    }

    /** "C" vs "(C)" vs "(C) 12": compared by letter when the gold side is a bare choice letter. */
    private static Optional<Boolean> sameChoice(String a, String b) {
        boolean la = a.matches("[A-E]"), lb = b.matches("[A-E]");
        if (!la && !lb) return Optional.empty();
        String other = la ? b : a, letter = la ? a : b;
        Matcher m = LEADING_CHOICE.matcher(other);
        if (m.matches()) return Optional.of(m.group(1).equals(letter));
        return Optional.of(false);
    }

    private enum Kind { SCALAR, LIST, SET, TUPLE }

    private record Shape(Kind kind, List<String> items) {}

    /** Splits an answer into its top-level items; "a\pm b" (not inside a tuple) stands for the two values a+b, a-b. */
    private static Shape shape(String s) {
        if (s.startsWith("\\{") && s.endsWith("\\}") && Latex.wrapsWhole(s)) {
            return new Shape(Kind.SET, expandPm(Latex.splitTopLevel(s.substring(2, s.length() - 2), ",")));
        }
        char first = s.charAt(0), last = s.charAt(s.length() - 1);
        if ((first == '(' || first == '[') && (last == ')' || last == ']') && Latex.wrapsWhole(s)) {
            List<String> inner = Latex.splitTopLevel(s.substring(1, s.length() - 1), ",");
            if (inner.size() > 1) return new Shape(Kind.TUPLE, inner);
        }
        List<String> items = Latex.splitTopLevel(s, ",");
        return new Shape(items.size() > 1 ? Kind.LIST : Kind.SCALAR, expandPm(items));
    }

    private static List<String> expandPm(List<String> items) {
        List<String> out = new ArrayList<>();
        for (String item : items) {
            int at = item.indexOf("\\pm");
            if (at < 0) at = item.indexOf("\\mp");
            if (at >= 0 && !item.startsWith("\\pm") && !item.startsWith("\\mp")) {
                String left = item.substring(0, at), right = item.substring(at + 3);
                out.add(left + "+" + right);
                out.add(left + "-(" + right + ")");
            } else {
                out.add(item);
            }
        }
        return out;
    }

    /** Multiset match: every item of xs pairs with a distinct equivalent item of ys (greedy; fine for answer-sized lists). */
    private static boolean sameUnordered(List<String> xs, List<String> ys, int depth) {
        if (xs.size() != ys.size()) return false;
        boolean[] used = new boolean[ys.size()];
        outer:
        for (String x : xs) {
            for (int j = 0; j < ys.size(); j++) {
                if (!used[j] && sameItem(x, ys.get(j), depth)) { used[j] = true; continue outer; }
            }
            return false;
        }
        return true;
    }

    private static boolean sameMatrix(String a, String b, int depth) {
        List<String> ra = Latex.splitTopLevel(a, "\\\\"), rb = Latex.splitTopLevel(b, "\\\\");
        ra.removeIf(String::isBlank);
        rb.removeIf(String::isBlank);
        if (ra.size() != rb.size()) return false;
        for (int i = 0; i < ra.size(); i++) {
            List<String> ca = Latex.splitTopLevel(ra.get(i), "&"), cb = Latex.splitTopLevel(rb.get(i), "&");
            if (ca.size() != cb.size()) return false;
            for (int j = 0; j < ca.size(); j++) if (!sameItem(ca.get(j), cb.get(j), depth)) return false;
        }
        return true;
    }

    /** Equal value: exact for two decimals, else numerically (tolerance) at fixed points for each variable. */
    private static boolean sameValue(String a, String b) {
        List<String> ea = Latex.splitTopLevel(a, "="), eb = Latex.splitTopLevel(b, "=");
        if (ea.size() != eb.size() || ea.size() > 2) return false;
        if (!looksLikeMath(a) || !looksLikeMath(b)) return false;
        try {
            if (ea.size() == 2) return sameEquation(ea, eb);
            LatexExpr.Node na = LatexExpr.parse(a), nb = LatexExpr.parse(b);
            Optional<BigDecimal> xa = LatexExpr.literal(na), xb = LatexExpr.literal(nb);
            if (xa.isPresent() && xb.isPresent()) return xa.get().compareTo(xb.get()) == 0;
            Set<String> vars = new TreeSet<>(LatexExpr.variables(na));
            vars.addAll(LatexExpr.variables(nb));
            if (vars.size() > SAMPLES[0].length) return false;
            double tol = LatexExpr.hasDecimal(na) || LatexExpr.hasDecimal(nb) ? REL_TOL : EXACT_REL_TOL;
            int agreeing = 0;
            for (int t = 0; t < (vars.isEmpty() ? 1 : SAMPLES.length); t++) {
                Map<String, Double> env = env(vars, t);
                double va = LatexExpr.eval(na, env), vb = LatexExpr.eval(nb, env);
                if (Double.isNaN(va) && Double.isNaN(vb)) continue;
                if (!close(va, vb, tol)) return false;
                agreeing++;
            }
            return agreeing >= (vars.isEmpty() ? 1 : 2);
        } catch (LatexExpr.ParseError e) {
            return false;
        }
    }

    /** lhs1 - rhs1 = c (lhs2 - rhs2) for one constant c ≠ 0 at every sample point: 2x+2y=4 is x+y=2. */
    private static boolean sameEquation(List<String> ea, List<String> eb) {
        LatexExpr.Node fa = new LatexExpr.Bin('-', LatexExpr.parse(ea.get(0)), LatexExpr.parse(ea.get(1)));
        LatexExpr.Node fb = new LatexExpr.Bin('-', LatexExpr.parse(eb.get(0)), LatexExpr.parse(eb.get(1)));
        Set<String> vars = new TreeSet<>(LatexExpr.variables(fa));
        vars.addAll(LatexExpr.variables(fb));
        if (vars.isEmpty() || vars.size() > SAMPLES[0].length) return false;
        double ratio = Double.NaN;
        for (int t = 0; t < SAMPLES.length; t++) {
            Map<String, Double> env = env(vars, t);
            double va = LatexExpr.eval(fa, env), vb = LatexExpr.eval(fb, env);
            if (!Double.isFinite(va) || !Double.isFinite(vb)) return false;
            if (vb == 0 || va == 0) {
                if (Math.abs(va) > 1e-12 || Math.abs(vb) > 1e-12) return false;
                continue;
            }
            if (Double.isNaN(ratio)) ratio = va / vb;
            else if (!close(va / vb, ratio, EXACT_REL_TOL)) return false;
        }
        return !Double.isNaN(ratio);
    }

    private static Map<String, Double> env(Set<String> vars, int trial) {
        Map<String, Double> env = new HashMap<>();
        int i = 0;
        for (String v : vars) env.put(v, SAMPLES[trial][i++]);
        return env;
    }

    /** Words ("even", "Evelyn") are not products of variables: a run of 3+ letters outside a \command is text. */
    private static boolean looksLikeMath(String s) {
        return !WORD.matcher(s.replaceAll("\\\\[A-Za-z]+", " ")).find();
    }

    static boolean close(double a, double b, double relTol) {
        if (a == b) return true; // also equal infinities
        if (!Double.isFinite(a) || !Double.isFinite(b)) return false;
        double diff = Math.abs(a - b);
        return diff <= 1e-12 || diff <= relTol * Math.max(Math.abs(a), Math.abs(b));
    }
}
