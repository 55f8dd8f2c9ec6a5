package dev.bgl.tasks;

import java.util.Optional;

/**
 * The exact text the model trains on, as a Qwen3 chat turn:
 * <pre>
 * &lt;|im_start|&gt;user\n{question}&lt;|im_end|&gt;\n&lt;|im_start|&gt;assistant\n&lt;think&gt;\n{thinking}\n&lt;/think&gt;\n\nAnswer: {answer}&lt;|im_end|&gt;
 * </pre>
 * The prompt is what {@code ByteLevelVocab.CHAT_TEMPLATE} renders for one user message with the
 * generation prompt; the model itself generates {@code <think>}.
 */
public final class TraceFormat {
    /** bgl-reasoner is a Qwen3-style model: it is trained on the {@code <think>} format's markers. */
    public static final String THINK_OPEN = dev.bgl.chat.ThinkingMarkers.THINK.open();
    public static final String THINK_CLOSE = dev.bgl.chat.ThinkingMarkers.THINK.close();
    public static final String END_OF_TURN = "<|im_end|>";
    public static final String ANSWER_PREFIX = "Answer:";

    private TraceFormat() {
    }

    public static String prompt(Problem p) {
        return prompt(p.question());
    }

    public static String prompt(String question) {
        return "<|im_start|>user\n" + question + END_OF_TURN + "\n<|im_start|>assistant\n";
    }

    /** Everything the model is trained to produce after the prompt, end-of-turn included. */
    public static String completion(Problem p, Solution s) {
        return THINK_OPEN + "\n" + s.thinking() + "\n" + THINK_CLOSE + "\n\n" + answerLine(p.answer()) + END_OF_TURN;
    }

    public static String answerLine(String answer) {
        return ANSWER_PREFIX + " " + answer;
    }

    public static String text(Problem p, Solution s) {
        return prompt(p) + completion(p, s);
    }

    /**
     * The answer in generated text: what follows the last "Answer:" after the first {@code </think>},
     * up to the end of its line or a special token, trimmed. Empty when the thinking never closed,
     * there is no "Answer:" after it, or nothing follows it.
     */
    public static Optional<String> extractAnswer(String generatedText) {
        if (generatedText == null) return Optional.empty();
        int close = generatedText.indexOf(THINK_CLOSE);
        if (close < 0) return Optional.empty();
        return answerIn(generatedText.substring(close + THINK_CLOSE.length()));
    }

    /**
     * The answer in the text after a closed thinking (whatever the model's thinking markers): what follows the last
     * "Answer:", up to the end of its line or a special token, trimmed; empty when there is none.
     */
    public static Optional<String> answerIn(String after) {
        if (after == null) return Optional.empty();
        int at = after.lastIndexOf(ANSWER_PREFIX);
        if (at < 0) return Optional.empty();
        String v = after.substring(at + ANSWER_PREFIX.length());
        for (String stop : new String[]{"\n", END_OF_TURN, "<|endoftext|>", "<|im_start|>"}) {
            int i = v.indexOf(stop);
            if (i >= 0) v = v.substring(0, i);
        }
        v = v.strip();
        return v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    /** Whether the generated text's answer is exactly the problem's. */
    public static boolean correct(Problem p, String generatedText) {
        return extractAnswer(generatedText).map(p.answer()::equals).orElse(false);
    }
}
