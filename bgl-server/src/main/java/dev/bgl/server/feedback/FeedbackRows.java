package dev.bgl.server.feedback;

import dev.bgl.server.FeedbackService.Rating;
import dev.bgl.server.FeedbackService.RequestRecord;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * The rows of the feedback tables (see {@code db/migration}) as the store writes and reads them,
 * one statement each; the caller owns the connection and its retry.
 */
final class FeedbackRows {
    private FeedbackRows() {
    }

    /** What a rating needs to know of the request it rates. {@code budget} null: served without a token budget. */
    record RatedRequest(String task, Integer budget, double seconds, Boolean correct, String requester) {
    }

    static boolean exists(Connection c, String sql, String id) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(sql)) {
            q.setString(1, id);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next();
            }
        }
    }

    static boolean requestExists(Connection c, String requestId) throws SQLException {
        return exists(c, "SELECT 1 FROM requests WHERE request_id = ?", requestId);
    }

    static boolean ratingExists(Connection c, String ratingId) throws SQLException {
        return exists(c, "SELECT 1 FROM ratings WHERE rating_id = ?", ratingId);
    }

    static int insertRequest(Connection c, RequestRecord r) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO requests (request_id, user_id, question_hash, task_type, mode, "
                + "budget_tokens, budget_spec, thinking_tokens, answer_tokens, seconds, within_budget, correct, created_ms) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, r.requestId());
            p.setString(2, nonNull(r.userId(), "anonymous"));
            p.setString(3, nonNull(r.questionHash(), ""));
            p.setString(4, nonNull(r.taskType(), "general"));
            p.setString(5, nonNull(r.mode(), "none"));
            if (r.budgetTokens() == null) p.setNull(6, Types.INTEGER);
            else p.setInt(6, r.budgetTokens());
            p.setString(7, r.budgetSpec());
            p.setInt(8, r.thinkingTokens());
            p.setInt(9, r.answerTokens());
            p.setDouble(10, r.seconds());
            p.setShort(11, (short) (r.withinBudget() ? 1 : 0));
            if (r.correct() == null) p.setNull(12, Types.SMALLINT);
            else p.setShort(12, (short) (r.correct() ? 1 : 0));
            p.setLong(13, r.createdMillis());
            return p.executeUpdate();
        }
    }

    /** The request a rating is for; null when there is no such request. */
    static RatedRequest ratedRequest(Connection c, String requestId) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT task_type, budget_tokens, seconds, correct, user_id FROM requests WHERE request_id = ?")) {
            q.setString(1, requestId);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) return null;
                String task = rs.getString(1);
                int b = rs.getInt(2);
                Integer budget = rs.wasNull() ? null : b;
                double seconds = rs.getDouble(3);
                int k = rs.getInt(4);
                Boolean correct = rs.wasNull() ? null : k != 0;
                return new RatedRequest(task, budget, seconds, correct, rs.getString(5));
            }
        }
    }

    static void insertRating(Connection c, String ratingId, Rating r, List<String> tags) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO ratings (rating_id, request_id, user_id, stars, tags, comment, created_ms) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, ratingId);
            p.setString(2, r.requestId());
            p.setString(3, nonNull(r.userId(), "anonymous"));
            p.setShort(4, (short) r.stars());
            p.setString(5, String.join(",", tags));
            p.setString(6, nonNull(r.comment(), ""));
            p.setLong(7, r.createdMillis());
            p.executeUpdate();
        }
    }

    /** The user a request was served to; null when there is no such request. */
    static String requestOwner(Connection c, String requestId) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT user_id FROM requests WHERE request_id = ?")) {
            q.setString(1, requestId);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    static String nonNull(String s, String otherwise) {
        return s == null ? otherwise : s;
    }
}
