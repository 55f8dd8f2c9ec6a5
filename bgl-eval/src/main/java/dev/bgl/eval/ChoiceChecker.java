package dev.bgl.eval;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Multiple-choice answers: a letter A–J, written "C", "(C)", "\text{(C)}", "C) 12" or "(C) 12". */
public record ChoiceChecker() implements AnswerChecker {
    static final ChoiceChecker INSTANCE = new ChoiceChecker();

    private static final Pattern LEADING_LETTER = Pattern.compile("^\\(?([A-Ja-j])(?:\\)|\\.|:|$|\\s)");
    private static final Pattern PARENTHESISED = Pattern.compile("\\(([A-J])\\)");


    @Override
    public Optional<String> extract(String modelOutput) {
        if (modelOutput == null) return Optional.empty();
        Optional<String> answer = AnswerExtractor.lastBoxed(modelOutput).or(() -> AnswerExtractor.lastAnswerPhrase(modelOutput));
        if (answer.isPresent()) {
            Optional<String> letter = letter(answer.get());
            if (letter.isPresent()) return letter;
        }
        Matcher m = PARENTHESISED.matcher(modelOutput);
        String last = null;
        while (m.find()) last = m.group(1);
        return Optional.ofNullable(last);
    }

    /** The choice letter an answer starts with, upper case. */
    static Optional<String> letter(String answer) {
        String s = MathNormalizer.normalizeSpaced(answer).trim();
        Matcher m = LEADING_LETTER.matcher(s);
        return m.find() ? Optional.of(m.group(1).toUpperCase(Locale.ROOT)) : Optional.empty();
    }

    @Override
    public boolean equivalent(String predicted, String gold) {
        Optional<String> p = letter(predicted == null ? "" : predicted), g = letter(gold == null ? "" : gold);
        return p.isPresent() && p.equals(g);
    }
}
