package dev.bgl.eval;

import java.math.BigDecimal;
import java.util.*;
import java.util.function.DoubleUnaryOperator;

/**
 * A small parser and evaluator for the LaTeX arithmetic found in math answers: numbers, + - * / ^,
 * \cdot \times \div, implicit products (2\sqrt{2}, 3\pi, (a+5)(b+2)), \frac \sqrt \binom, \pi, factorial,
 * a few functions (\sin \cos \ln ...), mixed numbers (1\frac{4}{5}) and single-letter or Greek variables.
 * It never runs code: anything it does not know is a {@link ParseError}, and the caller falls back to text.
 */
final class LatexExpr {
    private LatexExpr() {}

    /** Unparseable or unsupported input; internal, callers treat it as "not an expression". */
    static final class ParseError extends RuntimeException {
        ParseError(String message) {
            super(message, null, false, false);
        }
    }

    /** Constants are kept as named leaves so \\pi stays symbolic until evaluated. */
    static final String PI = "\\pi", INFINITY = "\\infty";
    static final int MAX_DEPTH = 100;

    sealed interface Node permits Num, Var, Neg, Bin, Fn, Fact {}
    record Num(BigDecimal value) implements Node {}
    record Var(String name) implements Node {}
    record Neg(Node arg) implements Node {}
    record Bin(char op, Node left, Node right) implements Node {}
    record Fn(String name, Node arg) implements Node {}
    record Fact(Node arg) implements Node {}

    private static final Map<String, DoubleUnaryOperator> FUNCTIONS = Map.ofEntries(
            Map.entry("sin", Math::sin), Map.entry("cos", Math::cos), Map.entry("tan", Math::tan),
            Map.entry("cot", x -> 1 / Math.tan(x)), Map.entry("sec", x -> 1 / Math.cos(x)), Map.entry("csc", x -> 1 / Math.sin(x)),
            Map.entry("arcsin", Math::asin), Map.entry("arccos", Math::acos), Map.entry("arctan", Math::atan),
            Map.entry("sinh", Math::sinh), Map.entry("cosh", Math::cosh), Map.entry("tanh", Math::tanh),
            Map.entry("ln", Math::log), Map.entry("log", Math::log10), Map.entry("exp", Math::exp), Map.entry("sqrt", Math::sqrt));
    private static final Set<String> GREEK = Set.of("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta",
            "theta", "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi",
            "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega");
    private static final Set<String> OTHER = Set.of("frac", "dfrac", "tfrac", "sqrt", "binom", "dbinom", "pi", "infty", "cdot", "times", "div");

    /** Parses a whole string, or throws {@link ParseError}. */
    static Node parse(String s) {
        Parser p = new Parser(s);
        Node n = p.expr();
        p.skipWs();
        if (p.pos != s.length()) throw new ParseError("unexpected '" + s.charAt(p.pos) + "' at " + p.pos);
        return n;
    }

    /** The exact value when the node is a plain (possibly negated) decimal literal. */
    static Optional<BigDecimal> literal(Node n) {
        if (n instanceof Num num) return Optional.of(num.value());
        if (n instanceof Neg(Num num)) return Optional.of(num.value().negate());
        return Optional.empty();
    }

    /** Whether a number with a fractional part is written in the expression (a rounded value, so compare loosely). */
    static boolean hasDecimal(Node n) {
        return switch (n) {
            case Num num -> num.value().stripTrailingZeros().scale() > 0;
            case Var ignored -> false;
            case Neg(Node a) -> hasDecimal(a);
            case Bin(char op, Node l, Node r) -> hasDecimal(l) || hasDecimal(r);
            case Fn(String name, Node a) -> hasDecimal(a);
            case Fact(Node a) -> hasDecimal(a);
        };
    }

    static Set<String> variables(Node n) {
        Set<String> out = new TreeSet<>();
        collect(n, out);
        return out;
    }

    private static void collect(Node n, Set<String> out) {
        switch (n) {
            case Num ignored -> {}
            case Var v -> { if (!v.name().equals(PI) && !v.name().equals(INFINITY)) out.add(v.name()); }
            case Neg(Node a) -> collect(a, out);
            case Bin(char op, Node l, Node r) -> { collect(l, out); collect(r, out); }
            case Fn(String name, Node a) -> collect(a, out);
            case Fact(Node a) -> collect(a, out);
        }
    }

    static double eval(Node n, Map<String, Double> env) {
        return switch (n) {
            case Num num -> num.value().doubleValue();
            case Var v when v.name().equals(PI) -> Math.PI;
            case Var v when v.name().equals(INFINITY) -> Double.POSITIVE_INFINITY;
            case Var v -> {
                Double x = env.get(v.name());
                if (x == null) throw new ParseError("unbound variable " + v.name());
                yield x;
            }
            case Neg(Node a) -> -eval(a, env);
            case Bin(char op, Node l, Node r) -> {
                double a = eval(l, env), b = eval(r, env);
                yield switch (op) {
                    case '+' -> a + b;
                    case '-' -> a - b;
                    case '*' -> a * b;
                    case '/' -> b == 0 ? Double.NaN : a / b; // not ±infinity: 1/0 must not match \infty
                    case '^' -> Math.pow(a, b);
                    case 'C' -> binom(a, b);
                    case 'R' -> root(a, b);
                    default -> throw new IllegalStateException("op " + op);
                };
            }
            case Fn(String name, Node a) -> FUNCTIONS.get(name).applyAsDouble(eval(a, env));
            case Fact(Node a) -> {
                double x = eval(a, env);
                if (x < 0 || x > 170 || x != Math.rint(x)) yield Double.NaN;
                double f = 1;
                for (int i = 2; i <= x; i++) f *= i;
                yield f;
            }
        };
    }

    private static double binom(double n, double k) {
        if (k != Math.rint(k) || k < 0) return Double.NaN;
        double r = 1;
        for (int i = 0; i < k; i++) r = r * (n - i) / (i + 1);
        return r;
    }

    /** The degree-th root; odd roots of negatives are real. */
    private static double root(double degree, double x) {
        if (x < 0 && degree == Math.rint(degree) && ((long) degree) % 2 == 1) return -Math.pow(-x, 1 / degree);
        return Math.pow(x, 1 / degree);
    }

    private static final class Parser {
        final String s;
        int pos;
        /** Nesting depth, bounded so a pathological "((((..." answer is a ParseError, not a StackOverflowError. */
        int depth;

        Parser(String s) {
            this.s = s;
        }

        void skipWs() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        boolean eat(char c) {
            skipWs();
            if (pos < s.length() && s.charAt(pos) == c) { pos++; return true; }
            return false;
        }

        char peek() {
            skipWs();
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        /** The command name at pos (after the backslash), shortened to the longest known prefix: "\cotx" is \cot then x. */
        String peekCommand() {
            skipWs();
            if (pos >= s.length() || s.charAt(pos) != '\\') return null;
            int e = pos + 1;
            while (e < s.length() && Character.isLetter(s.charAt(e))) e++;
            String word = s.substring(pos + 1, e);
            for (int len = word.length(); len > 0; len--) {
                String w = word.substring(0, len);
                if (FUNCTIONS.containsKey(w) || GREEK.contains(w) || OTHER.contains(w)) return w;
            }
            return word.isEmpty() ? s.substring(pos + 1, Math.min(pos + 2, s.length())) : word;
        }

        Node expr() {
            Node left = term();
            while (true) {
                if (eat('+')) left = new Bin('+', left, term());
                else if (eat('-')) left = new Bin('-', left, term());
                else return left;
            }
        }

        Node term() {
            Node left = unary();
            while (true) {
                String cmd = peekCommand();
                if (eat('*')) left = new Bin('*', left, unary());
                else if (eat('/')) left = new Bin('/', left, unary());
                else if ("cdot".equals(cmd) || "times".equals(cmd)) { pos += cmd.length() + 1; left = new Bin('*', left, unary()); }
                else if ("div".equals(cmd)) { pos += 4; left = new Bin('/', left, unary()); }
                else if (startsPrimary()) {
                    boolean wasNumber = left instanceof Num;
                    if (wasNumber && Character.isDigit(peek())) throw new ParseError("two numbers in a row at " + pos);
                    boolean frac = peek() == '\\' && peekCommand().endsWith("frac");
                    Node right = postfix();
                    // A whole number then a numeric \frac is a mixed number: 1\frac{4}{5} = 9/5.
                    if (wasNumber && frac && right instanceof Bin(char op, Num a, Num b) && op == '/')
                        left = new Bin('+', left, right);
                    else left = new Bin('*', left, right);
                } else return left;
            }
        }

        boolean startsPrimary() {
            char c = peek();
            if (Character.isDigit(c) || c == '.' || isLetter(c) || c == '(' || c == '{') return true;
            if (c != '\\') return false;
            String cmd = peekCommand();
            return !cmd.equals("cdot") && !cmd.equals("times") && !cmd.equals("div")
                    && (FUNCTIONS.containsKey(cmd) || GREEK.contains(cmd) || OTHER.contains(cmd));
        }

        static boolean isLetter(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }

        Node unary() {
            if (eat('-')) return new Neg(unary());
            if (eat('+')) return unary();
            return postfix();
        }

        Node postfix() {
            Node base = primary();
            while (true) {
                if (eat('^')) base = new Bin('^', base, exponent());
                else if (eat('!')) base = new Fact(base);
                else return base;
            }
        }

        /** x^2, x^{10}, x^\pi, x^{-1}: a braced group or one token (a single digit, as TeX reads x^23 as x^2 3). */
        Node exponent() {
            char c = peek();
            if (c == '{') return group();
            if (Character.isDigit(c)) { pos++; return new Num(new BigDecimal(String.valueOf(c))); }
            if (c == '-') { pos++; return new Neg(exponent()); }
            return primary();
        }

        /** A command argument: {group}, one digit, one letter or one command (\frac12, \sqrt2, \frac{\pi}2). */
        Node argument() {
            char c = peek();
            if (c == '{') return group();
            if (Character.isDigit(c)) { pos++; return new Num(new BigDecimal(String.valueOf(c))); }
            if (isLetter(c)) { pos++; return new Var(String.valueOf(c)); }
            if (c == '\\') return primary();
            throw new ParseError("expected an argument at " + pos);
        }

        Node group() {
            if (!eat('{')) throw new ParseError("expected { at " + pos);
            Node n = expr();
            if (!eat('}')) throw new ParseError("expected } at " + pos);
            return n;
        }

        Node primary() {
            if (++depth > MAX_DEPTH) throw new ParseError("nested too deeply");
            try {
                return primaryUnbounded();
            } finally {
                depth--;
            }
        }

        Node primaryUnbounded() {
            char c = peek();
            if (Character.isDigit(c) || c == '.') return number();
            if (isLetter(c)) { pos++; return new Var(String.valueOf(c)); }
            if (c == '(' || c == '[') {
                pos++;
                Node n = expr();
                if (!eat(c == '(' ? ')' : ']')) throw new ParseError("unclosed " + c);
                return n;
            }
            if (c == '{') return group();
            if (c != '\\') throw new ParseError(c == '\0' ? "unexpected end" : "unexpected '" + c + "' at " + pos);
            String cmd = peekCommand();
            pos += 1 + cmd.length();
            switch (cmd) {
                case "frac", "dfrac", "tfrac" -> {
                    Node num = argument(), den = argument();
                    return new Bin('/', num, den);
                }
                case "binom", "dbinom" -> { return new Bin('C', argument(), argument()); }
                case "sqrt" -> {
                    if (eat('[')) {
                        Node degree = expr();
                        if (!eat(']')) throw new ParseError("unclosed \\sqrt[");
                        return new Bin('R', degree, argument());
                    }
                    return new Fn("sqrt", argument());
                }
                case "pi" -> { return new Var(PI); }
                case "infty" -> { return new Var(INFINITY); }
                default -> {
                    if (GREEK.contains(cmd)) return new Var("\\" + cmd);
                    if (FUNCTIONS.containsKey(cmd)) {
                        Node power = eat('^') ? exponent() : null;
                        Node arg;
                        if (cmd.equals("log") && eat('_')) {
                            Node base = argument();
                            arg = new Bin('/', new Fn("ln", postfix()), new Fn("ln", base));
                        } else {
                            arg = new Fn(cmd, postfix());
                        }
                        return power == null ? arg : new Bin('^', arg, power);
                    }
                    throw new ParseError("unknown command \\" + cmd);
                }
            }
        }

        Node number() {
            int start = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            if (pos < s.length() && s.charAt(pos) == '.') {
                pos++;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            }
            String t = s.substring(start, pos);
            if (t.equals(".")) throw new ParseError("lone '.'");
            return new Num(new BigDecimal(t.endsWith(".") ? t.substring(0, t.length() - 1) : t));
        }
    }
}
