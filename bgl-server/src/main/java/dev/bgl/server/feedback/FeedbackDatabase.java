package dev.bgl.server.feedback;

import dev.bgl.server.FeedbackService;
import dev.bgl.util.BglException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import static dev.bgl.server.feedback.SqlFeedbackStore.redact;

/**
 * The feedback store's one JDBC connection: opened after Flyway has migrated the schema, set up for
 * durability (SQLite: WAL, {@code synchronous=FULL}), and reopened once per call when it broke (a
 * restarted PostgreSQL). Not thread-safe: its owner calls it under its own lock, which also guards
 * what the {@code beforeEach} action touches.
 */
final class FeedbackDatabase {
    /** A JDBC action on the connection, retried once on a fresh connection when the old one broke. */
    interface Sql<T> {
        T run(Connection c) throws SQLException;
    }

    private final String url;
    private final Sql<?> beforeEach;
    private Connection conn;
    private boolean closed;

    /**
     * Opens (creating or migrating the schema) the database at this JDBC URL.
     *
     * @param beforeEach run on the connection before every action (and again after a reconnect)
     */
    FeedbackDatabase(String url, Sql<?> beforeEach) throws SQLException {
        this.url = url;
        this.beforeEach = beforeEach;
        checkReachable(url);
        migrate(url);
        conn = connect();
    }

    /** A server that is down or refuses us: one line naming the (redacted) URL, before Flyway wraps it in its own words. */
    private static void checkReachable(String url) {
        if (url.startsWith("jdbc:sqlite:")) return;
        try (Connection c = DriverManager.getConnection(url)) {
            c.isValid(2);
        } catch (SQLException e) {
            throw new BglException("feedback database " + redact(url) + ": cannot connect: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + " (is PostgreSQL running there, and is the user allowed in?)");
        }
    }

    private static void migrate(String url) {
        try {
            Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").load().migrate();
        } catch (FlywayException e) {
            throw new BglException("feedback database " + redact(url) + ": migration failed: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private boolean isSqlite() {
        return url.startsWith("jdbc:sqlite:");
    }

    boolean isClosed() {
        return closed;
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url);
        c.setAutoCommit(true);
        if (isSqlite()) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=10000");
                s.execute("PRAGMA foreign_keys=ON");
            }
        }
        return c;
    }

    /** Runs the action on the connection as it is, with no retry (at open, before anything can have broken). */
    <T> T runOnce(Sql<T> action) throws SQLException {
        return action.run(conn);
    }

    /**
     * Runs {@code beforeEach}, then the action. A broken connection is reopened once; when that
     * fails too the database is unavailable ({@link FeedbackService.Unavailable}).
     */
    <T> T run(String what, Sql<T> action) {
        if (closed) throw new BglException("feedback store is closed");
        try {
            beforeEach.run(conn);
            return action.run(conn);
        } catch (SQLException first) {
            boolean broken;
            try {
                broken = conn == null || !conn.isValid(2);
            } catch (SQLException e) {
                broken = true;
            }
            if (!broken) throw new BglException("feedback database " + redact(url) + ": " + what + " failed: " + first.getMessage());
            try {
                if (conn != null) conn.close();
            } catch (SQLException ignored) {
                // already broken
            }
            conn = null;
            try {
                conn = connect();
                beforeEach.run(conn);
                return action.run(conn);
            } catch (SQLException e) {
                String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                if (isConnectionFault(e)) throw new FeedbackService.Unavailable("feedback database " + redact(url) + " is unavailable: " + what + " failed: " + why);
                throw new BglException("feedback database " + redact(url) + ": " + what + " failed: " + why);
            }
        }
    }

    /** SQLState class 08 is a connection fault; a connection that is gone or invalid is one too. */
    private boolean isConnectionFault(SQLException e) {
        if (e.getSQLState() != null && e.getSQLState().startsWith("08")) return true;
        try {
            return conn == null || !conn.isValid(2);
        } catch (SQLException x) {
            return true;
        }
    }

    void close() {
        if (closed) return;
        closed = true;
        try {
            conn.close();
        } catch (SQLException e) {
            throw new BglException("feedback database " + redact(url) + ": close failed: " + e.getMessage());
        }
    }
}
