package dev.bgl.eval;

/** LaTeX math answers (MATH-500): the last \boxed{} (or answer phrase, or last number), judged by {@link MathEquivalence}. */
public record MathChecker() implements AnswerChecker {
    static final MathChecker INSTANCE = new MathChecker();


    @Override
    public boolean equivalent(String predicted, String gold) {
        return MathEquivalence.equivalent(predicted, gold);
    }
}
