package dev.bgl.eval;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pulls the final answer out of a model's output, in the order graders use: the last \boxed{...}
 * (or \fbox / \framebox; nested braces; the brace-less "\boxed 5" form), else the last
 * "answer is ..." / "Answer: ..." / "#### ..." phrase, else the last number in the text.
 */
public final class AnswerExtractor {
    private AnswerExtractor() {}

    private static final String[] BOX_COMMANDS = {"\\boxed", "\\fbox", "\\framebox"};
    /** The phrase and what follows it on the same line. */
    private static final Pattern ANSWER_PHRASE = Pattern.compile(
            "(?i)(?:final answer is|the answer is|answer is|answer\\s*:|####)\\s*:?\\s*(.+)");
    /** A period that ends a sentence (followed by space or the end), not a decimal point. */
    private static final Pattern SENTENCE_END = Pattern.compile("\\.(\\s|$)");
    private static final Pattern NUMBER = Pattern.compile("-?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|-?\\.\\d+");
    private static final Pattern PLAIN_NUMBER = Pattern.compile("[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)");
    private static final Pattern GSM8K_GOLD = Pattern.compile("(?m)^####\\s*(.+?)\\s*$");

    /** The final answer of a model output, or empty when it holds none. */
    public static Optional<String> extract(String output) {
        if (output == null || output.isBlank()) return Optional.empty();
        Optional<String> boxed = lastBoxed(output);
        if (boxed.isPresent()) return boxed;
        Optional<String> phrase = lastAnswerPhrase(output);
        if (phrase.isPresent()) return phrase;
        return lastNumber(output);
    }

    /** Content of the last \boxed{...} / \fbox{...} / \framebox{...} (or "\boxed 5"), trimmed. */
    public static Optional<String> lastBoxed(String s) {
        int best = -1;
        String bestCmd = null;
        for (String cmd : BOX_COMMANDS) {
            int at = s.lastIndexOf(cmd);
            if (at > best) { best = at; bestCmd = cmd; }
        }
        // Walk back over candidates whose content is unusable (e.g. an unbalanced box cut off at the end of the output).
        while (best >= 0) {
            Optional<String> content = boxContent(s, best + bestCmd.length());
            if (content.isPresent()) return content;
            int next = -1;
            String nextCmd = null;
            for (String cmd : BOX_COMMANDS) {
                int at = s.lastIndexOf(cmd, best - 1);
                if (at > next) { next = at; nextCmd = cmd; }
            }
            best = next;
            bestCmd = nextCmd;
        }
        return Optional.empty();
    }

    private static Optional<String> boxContent(String s, int after) {
        int i = after;
        if (i < s.length() && Character.isLetter(s.charAt(i))) return Optional.empty(); // \boxedsomething: another command
        if (s.startsWith("[", i)) { // \framebox[width]{...}
            int close = s.indexOf(']', i);
            if (close < 0) return Optional.empty();
            i = close + 1;
        }
        if (i < s.length() && s.charAt(i) == '{') {
            int close = Latex.closingBrace(s, i);
            if (close < 0) return Optional.empty();
            String content = s.substring(i + 1, close).trim();
            return content.isEmpty() ? Optional.empty() : Optional.of(content);
        }
        if (i < s.length() && s.charAt(i) == ' ') { // "\boxed 5": up to the end of the math or line
            int end = i + 1;
            while (end < s.length() && s.charAt(end) != '$' && s.charAt(end) != '\n') end++;
            String content = s.substring(i + 1, end).trim();
            if (content.endsWith(".")) content = content.substring(0, content.length() - 1).trim();
            return content.isEmpty() ? Optional.empty() : Optional.of(content);
        }
        return Optional.empty();
    }

    /** What follows the last "answer is" / "Answer:" / "####" on its line, cut at the sentence's end and unwrapped from $...$. */
    public static Optional<String> lastAnswerPhrase(String s) {
        Matcher m = ANSWER_PHRASE.matcher(s);
        String last = null;
        int from = 0;
        while (from < s.length() && m.find(from)) {
            last = m.group(1);
            from = m.start() + 1; // overlapping: "The final answer is" also matches "answer is" later; take the latest start
        }
        if (last == null) return Optional.empty();
        String t = last.trim();
        Matcher end = SENTENCE_END.matcher(t);
        if (t.startsWith("$")) {
            int close = t.indexOf('$', t.startsWith("$$") ? 2 : 1);
            if (close > 0) t = t.substring(t.startsWith("$$") ? 2 : 1, close);
        } else if (t.startsWith("\\(") && t.contains("\\)")) {
            t = t.substring(2, t.indexOf("\\)"));
        } else if (end.find()) {
            t = t.substring(0, end.start());
        }
        t = t.trim();
        while (t.endsWith(".") || t.endsWith(",") || t.endsWith(";")) t = t.substring(0, t.length() - 1).trim();
        if (t.startsWith("**") && t.endsWith("**") && t.length() > 4) t = t.substring(2, t.length() - 2).trim(); // markdown bold
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }

    /** The last number written in the text, thousands separators removed. */
    public static Optional<String> lastNumber(String s) {
        Matcher m = NUMBER.matcher(s);
        String last = null;
        while (m.find()) last = m.group();
        return last == null ? Optional.empty() : Optional.of(last.replace(",", ""));
    }

    /** GSM8K gold: the text after the "#### " line of the reference solution, thousands separators removed. */
    public static Optional<String> gsm8kGold(String solution) {
        Matcher m = GSM8K_GOLD.matcher(solution);
        String last = null;
        while (m.find()) last = m.group(1);
        return last == null ? Optional.empty() : Optional.of(last.replace(",", "").trim());
    }

    /** Whether s is a plain decimal number ("18", "-3.5", ".5"), as a gold numeric answer must be. */
    public static boolean isPlainNumber(String s) {
        return PLAIN_NUMBER.matcher(s.trim()).matches();
    }
}
