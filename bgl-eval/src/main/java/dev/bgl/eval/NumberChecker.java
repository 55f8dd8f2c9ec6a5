package dev.bgl.eval;

import java.util.Optional;

/**
 * Numeric answers (GSM8K, AIME, AMC). Extraction as for math, but an answer that is words around a number
 * ("18 eggs", "$18 per day") is cut down to its last number; comparison is {@link MathEquivalence}, which
 * compares two plain decimals exactly ("18.00" = "18", "025" = "25").
 */
public record NumberChecker() implements AnswerChecker {
    static final NumberChecker INSTANCE = new NumberChecker();


    @Override
    public Optional<String> extract(String modelOutput) {
        return AnswerExtractor.extract(modelOutput).flatMap(answer -> {
            if (MathEquivalence.isValue(answer)) return Optional.of(answer);
            return AnswerExtractor.lastNumber(answer);
        });
    }

    @Override
    public boolean equivalent(String predicted, String gold) {
        return MathEquivalence.equivalent(predicted, gold);
    }
}
