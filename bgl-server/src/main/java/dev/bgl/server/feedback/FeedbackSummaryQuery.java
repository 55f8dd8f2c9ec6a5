package dev.bgl.server.feedback;

import dev.bgl.server.FeedbackService.FeedbackSummary;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The feedback summary's queries: totals, and per time bucket the requests that started in it with
 * the ratings they got. The bucket width is the smallest of 1 min, 5 min, 15 min, 1 h, 3 h, 6 h,
 * 1 d, 7 d, 30 d, 365 d that spans the data in at most {@link #MAX_BUCKETS} buckets; buckets start
 * at multiples of the width since the epoch.
 */
final class FeedbackSummaryQuery {
    /** Bucket widths tried in order: the first that gives at most {@link #MAX_BUCKETS} buckets is used. */
    private static final long[] BUCKET_MILLIS = {60_000L, 300_000L, 900_000L, 3_600_000L, 3 * 3_600_000L, 6 * 3_600_000L,
            86_400_000L, 7 * 86_400_000L, 30 * 86_400_000L, 365 * 86_400_000L};
    static final int MAX_BUCKETS = 48;

    private FeedbackSummaryQuery() {
    }

    /**
     * One user's (null: everyone's) summary; their ratings are those of their requests: a rating
     * belongs to the request it rates, and only the request's user may rate it.
     */
    static FeedbackSummary of(Connection c, String userId) throws SQLException {
        // the user is bound as a parameter; "1 = 1" keeps one query text for both cases
        String mine = userId == null ? "1 = 1" : "q.user_id = ?";
        long requests, ratings;
        Double meanRating, meanSeconds, meanThinking;
        long min, max;
        try (PreparedStatement s = forUser(c, "SELECT COUNT(*), AVG(seconds), AVG(thinking_tokens), MIN(created_ms), MAX(created_ms) FROM requests q WHERE " + mine, userId)) {
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                requests = rs.getLong(1);
                meanSeconds = nullableDouble(rs, 2);
                meanThinking = nullableDouble(rs, 3);
                min = rs.getLong(4);
                max = rs.getLong(5);
            }
        }
        try (PreparedStatement s = forUser(c, "SELECT COUNT(*), AVG(g.stars) FROM ratings g JOIN requests q ON q.request_id = g.request_id WHERE " + mine, userId)) {
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                ratings = rs.getLong(1);
                meanRating = nullableDouble(rs, 2);
            }
        }
        List<FeedbackSummary.Bucket> buckets = new ArrayList<>();
        if (requests > 0) {
            long width = BUCKET_MILLIS[BUCKET_MILLIS.length - 1];
            for (long w : BUCKET_MILLIS) {
                if (Math.floorDiv(max, w) - Math.floorDiv(min, w) < MAX_BUCKETS) {
                    width = w;
                    break;
                }
            }
            // the width is our own number, so it is written into the query: a parameter in both
            // SELECT and GROUP BY would be two different expressions to PostgreSQL
            String sql = "SELECT q.created_ms / " + width + " AS b, COUNT(*), AVG(q.seconds), AVG(q.thinking_tokens), "
                    + "SUM(g.n), SUM(g.stars) FROM requests q LEFT JOIN (SELECT request_id, COUNT(*) AS n, SUM(stars) AS stars "
                    + "FROM ratings GROUP BY request_id) g ON g.request_id = q.request_id WHERE " + mine + " GROUP BY 1 ORDER BY 1";
            try (PreparedStatement s = forUser(c, sql, userId)) {
                ResultSet rs = s.executeQuery();
                while (rs.next()) {
                    long n = rs.getLong(5), stars = rs.getLong(6);
                    buckets.add(new FeedbackSummary.Bucket(rs.getLong(1) * width, rs.getLong(2), n,
                            n == 0 ? null : (double) stars / n, nullableDouble(rs, 3), nullableDouble(rs, 4)));
                }
            }
        }
        return new FeedbackSummary(requests, ratings, meanRating, meanSeconds, meanThinking, buckets);
    }

    /** The statement {@code sql}, with its one parameter (the user) bound when there is a user. */
    private static PreparedStatement forUser(Connection c, String sql, String userId) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        try {
            if (userId != null) s.setString(1, userId);
            return s;
        } catch (SQLException e) {
            s.close();
            throw e;
        }
    }

    private static Double nullableDouble(ResultSet rs, int col) throws SQLException {
        double d = rs.getDouble(col);
        return rs.wasNull() ? null : d;
    }

}
