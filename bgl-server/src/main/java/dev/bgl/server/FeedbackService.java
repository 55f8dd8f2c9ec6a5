package dev.bgl.server;

import java.util.List;

/**
 * What the server records about requests and ratings, and the budget policy it asks for defaults.
 * Implemented by the SQL feedback store with its learned policy (dev.bgl.server.feedback) and, in
 * tests, by {@link InMemoryFeedback}.
 */
public interface FeedbackService extends AutoCloseable {
    /** The task type of a question ("sum", "mul", "linear", "count", or "general"), for per-type policies. */
    String taskType(String question);

    /** Stores a finished or cancelled request. Must be durable when it returns. */
    void recordRequest(RequestRecord r);

    /** Stores a rating of an earlier request; false when the request id is unknown. Durable when it returns. */
    boolean recordRating(Rating r);

    /** The default budget the policy now suggests for this user and question, and why. */
    BudgetSuggestion suggest(String userId, String question);

    /** Satisfaction and spend of one user's requests (null: everyone's), in total and per time bucket (oldest first). */
    FeedbackSummary summary(String userId);

    /** Everyone's summary (an admin's view). */
    default FeedbackSummary summary() {
        return summary(null);
    }

    /** The user a stored request was served to: only they may rate it. Null when the id is unknown. */
    String requestOwner(String requestId);

    @Override
    void close();

    /** One request as served. {@code correct}: null when not known. */
    record RequestRecord(String requestId, String userId, String questionHash, String taskType, String mode,
                         Integer budgetTokens, String budgetSpec, int thinkingTokens, int answerTokens,
                         double seconds, boolean withinBudget, Boolean correct, long createdMillis) {
    }

    /** A user's rating: 1..5 stars, tags from {@link #TAGS}, a free comment (may be empty). */
    record Rating(String requestId, String userId, int stars, List<String> tags, String comment, long createdMillis) {
    }

    /**
     * The store's database cannot be reached (PostgreSQL down, the network cut): nothing was stored.
     * The server answers 503 for a rating rather than acknowledge one it lost.
     */
    final class Unavailable extends dev.bgl.util.BglException {
        public Unavailable(String message) {
            super(message);
        }
    }

    List<String> TAGS = List.of("too_slow", "too_long", "too_short", "wrong", "good");

    record BudgetSuggestion(int budgetTokens, String mode, String taskType, String reason) {
    }

    record FeedbackSummary(long requests, long ratings, Double meanRating, Double meanSeconds, Double meanThinkingTokens,
                           List<Bucket> overTime) {
        public record Bucket(long startMillis, long requests, long ratings, Double meanRating, Double meanSeconds,
                             Double meanThinkingTokens) {
        }
    }
}
