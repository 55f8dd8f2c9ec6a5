package dev.bgl.client;

import java.util.List;

/**
 * How a simulated user reaches the model: over HTTP against a running server ({@link HttpAsker})
 * or in this process against the runner and the feedback store ({@link InProcessAsker}).
 */
public interface Asker extends AutoCloseable {
    /**
     * Asks one question.
     *
     * @param budgetTokens the thinking budget to ask for; null: send none, so the server's policy chooses
     * @param user         the user id the request is made for
     */
    Answer ask(String question, Integer budgetTokens, String user);

    /** Rates an earlier answer (1..5 stars, tags of {@code FeedbackService.TAGS}); false when the server did not know the id. */
    boolean rate(String requestId, String user, int stars, List<String> tags);

    @Override
    default void close() {
    }

    /**
     * What came back. {@code answer}: the text after the thinking; {@code thinkingClosed}: whether the
     * thinking ended ({@code </think>} reached) before the answer; {@code budgetTokens}: the budget the
     * request ran under (chosen by the server when none was asked for; null when it had none).
     */
    record Answer(String requestId, String answer, boolean thinkingClosed, int thinkingTokens, int answerTokens,
                  double seconds, Integer budgetTokens) {
    }
}
