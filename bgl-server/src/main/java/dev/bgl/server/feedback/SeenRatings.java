package dev.bgl.server.feedback;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which stored ratings a replica's policy has learnt from, so that a refresh learns each rating
 * once: the newest rating's time seen, and the ids seen since {@link #SLACK_MILLIS} before it (a
 * late commit, or a replica whose clock is behind by less than that, is not missed). Not
 * thread-safe: the store calls it under its lock.
 */
final class SeenRatings {
    /** How far before the newest rating seen a refresh looks again for ratings it has not seen. */
    static final long SLACK_MILLIS = 300_000;

    private final BudgetPolicy policy;
    private long watermarkMillis = Long.MIN_VALUE;
    private final Map<String, Long> seen = new HashMap<>();

    SeenRatings(BudgetPolicy policy) {
        this.policy = policy;
    }

    /** A rating this replica stored (and has already taught the policy). */
    void see(String ratingId, long createdMillis) {
        seen.put(ratingId, createdMillis);
        watermarkMillis = Math.max(watermarkMillis, createdMillis);
    }

    /**
     * Learns from the ratings stored (by any replica) that this store has not seen: at open, all of
     * them; later, those from {@link #SLACK_MILLIS} before the newest seen on, less those seen.
     */
    void refresh(Connection c) throws SQLException {
        long from = watermarkMillis == Long.MIN_VALUE ? Long.MIN_VALUE : watermarkMillis - SLACK_MILLIS;
        try (PreparedStatement s = c.prepareStatement("SELECT q.user_id, q.task_type, q.budget_tokens, g.stars, q.seconds, g.tags, q.correct, "
                + "g.rating_id, g.created_ms FROM ratings g JOIN requests q ON q.request_id = g.request_id "
                + "WHERE g.created_ms >= ? ORDER BY g.created_ms, g.rating_id")) {
            s.setLong(1, from);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(8);
                    if (seen.containsKey(id)) continue;
                    see(id, rs.getLong(9));
                    int budget = rs.getInt(3);
                    if (rs.wasNull()) continue; // served without a token budget: nothing to learn about levels
                    String tags = rs.getString(6);
                    int k = rs.getInt(7);
                    Boolean correct = rs.wasNull() ? null : k != 0;
                    policy.observe(rs.getString(1), rs.getString(2), budget, rs.getInt(4), rs.getDouble(5),
                            tags == null || tags.isEmpty() ? List.of() : Arrays.asList(tags.split(",")), correct);
                }
            }
        }
        long keepFrom = watermarkMillis - SLACK_MILLIS;
        seen.values().removeIf(t -> t < keepFrom);
    }
}
