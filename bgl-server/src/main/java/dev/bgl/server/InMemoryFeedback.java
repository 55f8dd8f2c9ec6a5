package dev.bgl.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Feedback kept in memory (lost on restart): for tests and {@code bgl serve --db none}. Its policy
 * is fixed: it always suggests the configured default budget. Thread-safe (one lock; the
 * volumes are a person's clicks).
 */
public final class InMemoryFeedback implements FeedbackService {
    /** Width of a summary time bucket. */
    static final long BUCKET_MILLIS = 3_600_000;

    private final int defaultBudget;
    private final String defaultMode;
    private final Map<String, RequestRecord> requests = new HashMap<>();
    private final List<Rating> ratings = new ArrayList<>();

    /** @param defaultMode the mode suggestions name ("guided" with a predictor, else "hard") */
    public InMemoryFeedback(int defaultBudget, String defaultMode) {
        this.defaultBudget = defaultBudget;
        this.defaultMode = defaultMode;
    }

    @Override
    public String taskType(String question) {
        return taskTypeOf(question);
    }

    /** A rough guess from the words and signs of the question (the SQL store may learn better). */
    static String taskTypeOf(String question) {
        String q = question == null ? "" : question.toLowerCase(Locale.ROOT);
        if (q.contains("how many") || q.contains("count")) return "count";
        if (q.matches("(?s).*\\b[a-z]\\b\\s*[+\\-*]?.*=.*") && q.matches("(?s).*\\b(solve|x|y)\\b.*")) return "linear";
        if (q.contains("*") || q.contains("×") || q.contains("times") || q.contains("product")) return "mul";
        if (q.contains("+") || q.contains("sum") || q.contains("add")) return "sum";
        return "general";
    }

    @Override
    public synchronized void recordRequest(RequestRecord r) {
        requests.put(r.requestId(), r);
    }

    /** The stored request (null: none), for tests. */
    synchronized RequestRecord request(String id) {
        return requests.get(id);
    }

    @Override
    public synchronized boolean recordRating(Rating r) {
        if (!requests.containsKey(r.requestId())) return false;
        ratings.add(r);
        return true;
    }

    @Override
    public BudgetSuggestion suggest(String userId, String question) {
        return new BudgetSuggestion(defaultBudget, defaultMode, taskType(question), "fixed default");
    }

    @Override
    public synchronized String requestOwner(String requestId) {
        RequestRecord r = requests.get(requestId);
        return r == null ? null : r.userId();
    }

    @Override
    public synchronized FeedbackSummary summary(String userId) {
        Map<Long, Acc> buckets = new TreeMap<>();
        Acc all = new Acc();
        for (RequestRecord r : requests.values()) {
            if (userId != null && !userId.equals(r.userId())) continue;
            all.add(r);
            buckets.computeIfAbsent(bucket(r.createdMillis()), k -> new Acc()).add(r);
        }
        for (Rating r : ratings) {
            if (userId != null && !userId.equals(requests.get(r.requestId()).userId())) continue;
            all.rate(r);
            buckets.computeIfAbsent(bucket(r.createdMillis()), k -> new Acc()).rate(r);
        }
        List<FeedbackSummary.Bucket> over = new ArrayList<>();
        buckets.forEach((start, a) -> over.add(new FeedbackSummary.Bucket(start, a.requests, a.ratings, a.meanRating(),
                a.meanSeconds(), a.meanThinking())));
        return new FeedbackSummary(all.requests, all.ratings, all.meanRating(), all.meanSeconds(), all.meanThinking(), over);
    }

    private static long bucket(long millis) {
        return millis - Math.floorMod(millis, BUCKET_MILLIS);
    }

    private static final class Acc {
        long requests, ratings;
        double seconds, thinking, stars;

        void add(RequestRecord r) {
            requests++;
            seconds += r.seconds();
            thinking += r.thinkingTokens();
        }

        void rate(Rating r) {
            ratings++;
            stars += r.stars();
        }

        Double meanRating() {
            return ratings == 0 ? null : stars / ratings;
        }

        Double meanSeconds() {
            return requests == 0 ? null : seconds / requests;
        }

        Double meanThinking() {
            return requests == 0 ? null : thinking / requests;
        }
    }

    @Override
    public void close() {
    }
}
