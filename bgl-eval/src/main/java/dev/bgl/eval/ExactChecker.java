package dev.bgl.eval;

/** Free-text answers that must match exactly, up to surrounding $ and runs of whitespace. */
public record ExactChecker() implements AnswerChecker {
    static final ExactChecker INSTANCE = new ExactChecker();


    @Override
    public boolean equivalent(String predicted, String gold) {
        if (predicted == null || gold == null) return false;
        String p = clean(predicted), g = clean(gold);
        return !g.isEmpty() && p.equals(g);
    }

    private static String clean(String s) {
        s = s.trim();
        while (s.length() >= 2 && s.startsWith("$") && s.endsWith("$")) s = s.substring(1, s.length() - 1).trim();
        return s.replaceAll("\\s+", " ");
    }
}
