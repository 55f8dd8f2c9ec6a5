package dev.bgl.tasks;

import java.util.ArrayList;
import java.util.List;

/**
 * An independent checker for the arithmetic written in traces: a small expression evaluator
 * (integers, + - * /, parentheses, the variable x) and a line checker that evaluates every pure
 * arithmetic "="-chain and reports the clauses whose sides disagree.
 */
final class Arith {
    private Arith() {
    }

    /** Value of {@code expr} with x bound; / must divide exactly (else null). */
    static Long eval(String expr, long x) {
        Parser p = new Parser(expr.replace(" ", ""), x);
        try {
            long v = p.sum();
            return p.pos == p.s.length() ? v : null;
        } catch (ArithmeticException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    /**
     * The clauses of a line whose arithmetic is wrong. A line is split at ", "; in each clause a
     * leading word ("wait", "u yes") and a trailing " &gt;digits" are dropped; the "="-separated
     * parts that are pure arithmetic (start with a digit) must all have the same value.
     */
    static List<String> wrongClauses(String line) {
        List<String> wrong = new ArrayList<>();
        for (String clause : line.split(", ")) {
            String c = clause.replaceAll(" >\\d+$", "").replaceAll("^[a-z ]*(?=\\d)", "");
            Long seen = null;
            for (String part : c.split("=")) {
                if (!part.matches("\\d[\\d+\\-*/]*")) continue;
                Long v = eval(part, 0);
                if (v == null || (seen != null && !seen.equals(v))) {
                    wrong.add(clause);
                    break;
                }
                seen = v;
            }
        }
        return wrong;
    }

    private static final class Parser {
        final String s;
        final long x;
        int pos;

        Parser(String s, long x) {
            this.s = s;
            this.x = x;
        }

        long sum() {
            long v = product();
            while (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                char op = s.charAt(pos++);
                long r = product();
                v = op == '+' ? v + r : v - r;
            }
            return v;
        }

        long product() {
            long v = atom();
            while (pos < s.length() && (s.charAt(pos) == '*' || s.charAt(pos) == '/')) {
                char op = s.charAt(pos++);
                long r = atom();
                if (op == '/' && (r == 0 || v % r != 0)) throw new ArithmeticException("inexact division");
                v = op == '*' ? v * r : v / r;
            }
            return v;
        }

        long atom() {
            char c = s.charAt(pos);
            if (c == '(') {
                pos++;
                long v = sum();
                if (s.charAt(pos++) != ')') throw new ArithmeticException("missing )");
                return v;
            }
            if (c == 'x') {
                pos++;
                return x;
            }
            int start = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            if (start == pos) throw new ArithmeticException("number expected at " + pos);
            return Long.parseLong(s.substring(start, pos));
        }
    }
}
