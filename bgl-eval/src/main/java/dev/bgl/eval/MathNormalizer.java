package dev.bgl.eval;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts a LaTeX answer into a canonical text form, after the rules of Hendrycks' MATH {@code strip_string}
 * and Qwen2.5-Math's {@code strip_answer_string}: no $ or \left/\right, no spacing commands, no units,
 * degree or percent signs, no text wrappers, \dfrac→\frac, \frac12→\frac{1}{2}, \sqrt2→\sqrt{2}, a/b→\frac{a}{b},
 * no thousands separators, no trailing zeros, no leading "x =". Spaces are removed last.
 */
public final class MathNormalizer {
    private MathNormalizer() {}

    private static final String UNIT_WORDS = "(?:square\\s+|sq\\.?\\s*|cubic\\s+)?(?:"
            + "cm|mm|km|meters?|metres?|centimeters?|kilometers?|millimeters?|inch(?:es)?|feet|foot|ft|yards?|yd|miles?|"
            + "units?|dollars?|cents?|euros?|pounds?|lbs?|ounces?|oz|grams?|kilograms?|kg|mg|liters?|litres?|ml|gallons?|"
            + "degrees?|radians?|seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|mph|"
            + "people|persons?|students?|children|boys|girls|apples|cookies|books|pages|marbles|points|ways|times|items|"
            + "percent|square\\s+units|sq\\s+units)";
    /** A unit after a number, word-bounded, optionally squared/cubed: "5 cm", "864 inches^2", "12 square feet". */
    private static final Pattern TRAILING_UNIT = Pattern.compile("(?i)(?<=[\\d}).])\\s*" + UNIT_WORDS + "\\b\\.?(?:\\^\\{?[23]\\}?)?\\s*$");
    /** \text{ cm}, \mbox{ inches}^2 at the end, after something: a unit or word to drop. */
    private static final Pattern TRAILING_TEXT = Pattern.compile("^(.*[\\w}).\\]])\\s*\\\\(?:text|textrm|textnormal|mbox|mathrm|textit|textbf)\\{\\s*[A-Za-z][A-Za-z .]*\\}(?:\\^\\{?[23]\\}?)?\\s*$");
    private static final Pattern WHOLE_TEXT = Pattern.compile("^\\\\(?:text|textrm|textnormal|textbf|textit|mbox|mathrm|mathbf)\\{(.*)\\}$");
    private static final String[] TEXT_COMMANDS = {"text", "textrm", "textnormal", "textbf", "textit", "mbox", "mathrm", "mathbf", "boldsymbol", "mathit"};
    private static final Pattern ASSIGNMENT = Pattern.compile("^\\s*[A-Za-z](?:_\\{?\\w+\\}?)?\\s*=\\s*(.+)$", Pattern.DOTALL);
    private static final Pattern MEMBERSHIP = Pattern.compile("^\\s*[A-Za-z]\\s*\\\\in\\s*(.+)$", Pattern.DOTALL);
    private static final Pattern THOUSANDS = Pattern.compile("-?\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?");
    private static final Pattern DECIMAL = Pattern.compile("-?(?:\\d+(?:\\.\\d*)?|\\.\\d+)");
    private static final Pattern SIMPLE_SLASH = Pattern.compile("^(-?\\d+)/(\\d+)$");
    private static final String ROW_BREAK = "\u0001";
    private static final Pattern CHOICE = Pattern.compile("^\\(([A-Ea-e])\\)$|^([A-E])$");

    /** The canonical form; blank for a blank input. */
    public static String normalize(String answer) {
        return normalizeSpaced(answer).replaceAll("\\s+", "");
    }

    /** As {@link #normalize} but keeping single spaces, so "\cot x" stays readable for the expression parser. */
    static String normalizeSpaced(String answer) {
        if (answer == null) return "";
        // Protect matrix row breaks (\\) from the single-backslash spacing rules below; restored at the end.
        String s = answer.replace('\n', ' ').replace('\r', ' ').replace("\\\\", ROW_BREAK).trim();
        s = stripMathDelimiters(s);
        s = unwrapBoxed(s);
        s = s.replace("\\$", "").replace("$", "");
        s = s.replaceAll("\\\\[!,;:> ]", " ").replace("\\quad", " ").replace("\\qquad", " ").replace("~", " ");
        s = s.replace("\\displaystyle", "");
        s = s.replaceAll("\\\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])", "");
        s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\dbinom", "\\binom");
        s = s.replace("^{\\circ}", "").replace("^\\circ", "").replace("\\circ", "").replace("°", "")
                .replace("\\degree", "");
        s = s.replace("\\%", "").replace("%", "");
        s = s.replace("\\infinity", "\\infty").replaceAll("(?i)^(-?)(?:infinity|inf)$", "$1\\\\infty");
        s = s.trim();
        // Units: first \text{ cm}-style trailing words, then bare unit words after a number.
        for (int guard = 0; guard < 4; guard++) {
            Matcher m = TRAILING_TEXT.matcher(s);
            if (!m.matches()) break;
            s = m.group(1).trim();
        }
        Matcher whole = WHOLE_TEXT.matcher(s);
        if (whole.matches() && Latex.closingBrace(s, s.indexOf('{')) == s.length() - 1) s = whole.group(1).trim();
        for (String cmd : TEXT_COMMANDS) s = Latex.unwrap(s, cmd);
        for (int guard = 0; guard < 3; guard++) {
            String t = TRAILING_UNIT.matcher(s).replaceAll("").trim();
            if (t.equals(s) || t.isEmpty()) break;
            s = t;
        }
        s = s.replaceAll("\\s+and\\s+", ", ").trim();
        // "x = 3", "k=5", "x_1 = 2": a one-letter left side names the answer, it is not part of it.
        Matcher a = ASSIGNMENT.matcher(s);
        if (a.matches() && !a.group(1).contains("=")) s = a.group(1).trim();
        Matcher in = MEMBERSHIP.matcher(s);
        if (in.matches()) s = in.group(1).trim();
        while (s.endsWith(".") && !s.endsWith("..")) s = s.substring(0, s.length() - 1).trim();
        s = s.replaceAll("\\s+", " ");

        String compact = s.replace(" ", "");
        if (THOUSANDS.matcher(compact).matches()) s = compact.replace(",", "");
        compact = s.replace(" ", "");
        if (DECIMAL.matcher(compact).matches()) return canonicalDecimal(compact);
        Matcher slash = SIMPLE_SLASH.matcher(compact);
        if (slash.matches()) return (slash.group(1).startsWith("-") ? "-\\frac{" + slash.group(1).substring(1) : "\\frac{" + slash.group(1))
                + "}{" + slash.group(2) + "}";
        Matcher choice = CHOICE.matcher(compact);
        if (choice.matches()) return (choice.group(1) != null ? choice.group(1) : choice.group(2)).toUpperCase();
        s = fixBraces(s);
        s = s.replaceAll("(?<![\\d.])\\.(?=\\d)", "0."); // ".5" -> "0.5", "{.5" -> "{0.5"
        s = s.replaceAll("_\\{(\\w+)\\}", "_$1"); // 52_{8} -> 52_8
        return restore(s);
    }

    private static String restore(String s) {
        return s.replace(ROW_BREAK, "\\\\");
    }

    /** "2.50" -> "2.5", "3.0" -> "3", ".5" -> "0.5", "-0" -> "0". */
    static String canonicalDecimal(String s) {
        BigDecimal v = new BigDecimal(s.endsWith(".") ? s.substring(0, s.length() - 1) : s).stripTrailingZeros();
        return v.signum() == 0 ? "0" : v.toPlainString();
    }

    private static String stripMathDelimiters(String s) {
        for (String[] d : new String[][]{{"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}}) {
            if (s.length() >= d[0].length() + d[1].length() && s.startsWith(d[0]) && s.endsWith(d[1]))
                return s.substring(d[0].length(), s.length() - d[1].length()).trim();
        }
        return s;
    }

    private static String unwrapBoxed(String s) {
        for (String cmd : new String[]{"\\boxed{", "\\fbox{"}) {
            if (s.startsWith(cmd) && Latex.closingBrace(s, cmd.length() - 1) == s.length() - 1)
                return s.substring(cmd.length(), s.length() - 1).trim();
        }
        return s;
    }

    /** \frac12 -> \frac{1}{2}, \frac{3}4 -> \frac{3}{4}, \sqrt2 -> \sqrt{2}: one-token arguments get braces. */
    static String fixBraces(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int args = s.startsWith("\\frac", i) && !startsLetter(s, i + 5) ? 2 : s.startsWith("\\sqrt", i) && !startsLetter(s, i + 5) ? 1 : 0;
            if (args == 0) { out.append(s.charAt(i++)); continue; }
            out.append(s, i, i + 5);
            i += 5;
            if (args == 1 && i < s.length() && s.charAt(i) == '[') { // \sqrt[3]{x}
                int close = s.indexOf(']', i);
                if (close < 0) continue;
                out.append(s, i, close + 1);
                i = close + 1;
            }
            for (int k = 0; k < args; k++) {
                while (i < s.length() && s.charAt(i) == ' ') i++;
                if (i >= s.length()) break;
                char c = s.charAt(i);
                if (c == '{') {
                    int close = Latex.closingBrace(s, i);
                    if (close < 0) break;
                    out.append('{').append(fixBraces(s.substring(i + 1, close))).append('}');
                    i = close + 1;
                } else if (c == '\\') {
                    int e = i + 1;
                    while (e < s.length() && Character.isLetter(s.charAt(e))) e++;
                    out.append('{').append(s, i, e).append('}');
                    i = e;
                } else {
                    out.append('{').append(c).append('}');
                    i++;
                }
            }
        }
        return out.toString();
    }

    private static boolean startsLetter(String s, int i) {
        return i < s.length() && Character.isLetter(s.charAt(i));
    }
}
