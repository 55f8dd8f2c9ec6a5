package dev.bgl.server.feedback;

import dev.bgl.server.FeedbackService;
import dev.bgl.util.BglException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Requests and ratings in a SQL database (SQLite or PostgreSQL), with the budget policy learned
 * from them.
 * <p>
 * One connection, used under this object's lock. SQLite lets one writer in at a time anyway, so a
 * pool would only queue on its file lock; every statement here is a single-row write or a small
 * aggregate, far cheaper than the generation it records, so PostgreSQL is served the same way. A
 * connection that broke (a restarted PostgreSQL) is reopened once per call.
 * <p>
 * Durability: every write is its own auto-committed transaction; SQLite runs in WAL mode with
 * {@code synchronous=FULL}, which syncs the WAL on every commit, so a row whose call returned
 * survives a kill -9 or a power cut (NORMAL would only survive a process crash).
 * <p>
 * The policy keeps no state of its own: it is rebuilt from the rated requests when the store opens.
 * <p>
 * Replicas: several servers may share one database (PostgreSQL). Each keeps its own policy and, at
 * most every {@link #DEFAULT_REFRESH_MILLIS} ms (checked when it is asked for a suggestion), reads
 * the ratings the others stored since and learns from them: a rating given through one replica
 * changes the others' suggestions within that delay. Ratings are told apart by id, over a window of
 * {@link #SLACK_MILLIS} before the newest one seen, so a late commit or a replica whose clock is
 * behind by less than that is not missed. Flyway's lock lets one replica migrate the schema while
 * the others wait.
 * <p>
 * When the database cannot be reached: a rating (and a summary) throws
 * {@link FeedbackService.Unavailable}, which the server answers with 503, never a silent loss;
 * requests served meanwhile are held in memory (at most {@link #MAX_PENDING}) and written when the
 * database is back, so that they can still be rated; suggestions come from the policy as last
 * refreshed.
 */
public final class SqlFeedbackStore implements FeedbackService {
    /** Flyway logs every step at INFO through java.util.logging; only its warnings matter here. Kept: loggers are weakly held. */
    private static final java.util.logging.Logger FLYWAY_LOG = java.util.logging.Logger.getLogger("org.flywaydb");

    static {
        FLYWAY_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /** How often a suggestion first reads the ratings other replicas stored: the stated delay of docs/scale-out.md. */
    public static final long DEFAULT_REFRESH_MILLIS = 1000;
    /** How far before the newest rating seen a refresh looks again for ratings it has not seen. */
    static final long SLACK_MILLIS = 300_000;
    /** Requests served while the database is unreachable, kept to be written when it is back. */
    static final int MAX_PENDING = 10_000;

    private final String url;
    private final BudgetPolicy policy;
    private final long refreshNanos;
    private Connection conn;
    private boolean closed;
    private long lastRefreshNanos;
    /** The newest rating's time seen, and the ids seen since {@link #SLACK_MILLIS} before it (id to time). */
    private long watermarkMillis = Long.MIN_VALUE;
    private final Map<String, Long> seen = new HashMap<>();
    private final ArrayDeque<RequestRecord> pending = new ArrayDeque<>();

    /** Opens (creating or migrating the schema) the database at this JDBC URL. */
    public SqlFeedbackStore(String jdbcUrl, PolicyConfig policyConfig) {
        this(jdbcUrl, policyConfig, DEFAULT_REFRESH_MILLIS);
    }

    /** As above, reading other replicas' ratings at most every {@code refreshMillis} (0: at every suggestion). */
    public SqlFeedbackStore(String jdbcUrl, PolicyConfig policyConfig, long refreshMillis) {
        this.url = jdbcUrl;
        this.policy = new BudgetPolicy(policyConfig);
        this.refreshNanos = refreshMillis * 1_000_000L;
        checkReachable(jdbcUrl);
        migrate(jdbcUrl);
        try {
            conn = connect();
            refresh(conn);
            lastRefreshNanos = System.nanoTime();
        } catch (SQLException e) {
            throw new BglException("feedback database " + redact(jdbcUrl) + ": " + e.getMessage());
        }
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

    public BudgetPolicy policy() {
        return policy;
    }

    boolean isSqlite() {
        return url.startsWith("jdbc:sqlite:");
    }

    private static void migrate(String url) {
        try {
            Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").load().migrate();
        } catch (FlywayException e) {
            throw new BglException("feedback database " + redact(url) + ": migration failed: " + e.getMessage().lines().findFirst().orElse(""));
        }
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

    /** A JDBC action on the connection, retried once on a fresh connection when the old one broke. */
    private interface Sql<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs the action, first writing any requests held while the database was away. A broken
     * connection is reopened once; when that fails too the database is unavailable.
     */
    private synchronized <T> T withConnection(String what, Sql<T> action) {
        if (closed) throw new BglException("feedback store is closed");
        try {
            flushPending(conn);
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
                flushPending(conn);
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

    private void flushPending(Connection c) throws SQLException {
        if (c == null) throw new SQLException("no connection", "08003");
        while (!pending.isEmpty()) {
            RequestRecord r = pending.peekFirst();
            if (!exists(c, "SELECT 1 FROM requests WHERE request_id = ?", r.requestId())) insertRequest(c, r);
            pending.removeFirst();
        }
    }

    private static boolean exists(Connection c, String sql, String id) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(sql)) {
            q.setString(1, id);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public String taskType(String question) {
        return TaskTypes.of(question);
    }

    @Override
    public void recordRequest(RequestRecord r) {
        if (r.requestId() == null || r.requestId().isBlank()) throw new BglException("feedback: request id is empty");
        synchronized (this) {
            try {
                withConnection("storing request " + r.requestId(), c -> insertRequest(c, r));
            } catch (FeedbackService.Unavailable e) {
                // the answer is already made: keep its record to write when the database is back
                if (pending.size() >= MAX_PENDING) throw e;
                if (pending.isEmpty()) System.err.println("bgl serve: " + e.getMessage() + "; holding served requests in memory until it is back");
                pending.addLast(r);
            }
        }
    }

    private static int insertRequest(Connection c, RequestRecord r) throws SQLException {
        {
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
    }

    @Override
    public boolean recordRating(Rating r) {
        if (r.stars() < 1 || r.stars() > 5) throw new BglException("feedback: rating must be 1..5 stars, got " + r.stars());
        List<String> tags = r.tags() == null ? List.of() : r.tags();
        for (String t : tags)
            if (!TAGS.contains(t)) throw new BglException("feedback: unknown tag '" + t + "' (known: " + String.join(", ", TAGS) + ")");
        // one id for every try: a retry after a commit whose acknowledgement was lost must not store it twice
        String ratingId = UUID.randomUUID().toString();
        return withConnection("storing a rating of " + r.requestId(), c -> {
            String task, requester;
            Integer budget;
            double seconds;
            Boolean correct;
            try (PreparedStatement q = c.prepareStatement("SELECT task_type, budget_tokens, seconds, correct, user_id FROM requests WHERE request_id = ?")) {
                q.setString(1, r.requestId());
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) return false;
                    task = rs.getString(1);
                    int b = rs.getInt(2);
                    budget = rs.wasNull() ? null : b;
                    seconds = rs.getDouble(3);
                    int k = rs.getInt(4);
                    correct = rs.wasNull() ? null : k != 0;
                    requester = rs.getString(5);
                }
            }
            if (exists(c, "SELECT 1 FROM ratings WHERE rating_id = ?", ratingId)) return true;
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
            // requests served without a token budget (mode none, seconds only) teach the policy nothing about levels;
            // the policy learns for the user the request was served to, whoever sent the rating
            if (budget != null) policy.observe(requester, task, budget, r.stars(), seconds, tags, correct);
            see(ratingId, r.createdMillis());
            return true;
        });
    }

    private void see(String ratingId, long createdMillis) {
        seen.put(ratingId, createdMillis);
        watermarkMillis = Math.max(watermarkMillis, createdMillis);
    }

    /**
     * Learns from the ratings stored (by any replica) that this store has not seen: at open, all of
     * them; later, those from {@link #SLACK_MILLIS} before the newest seen on, less those seen.
     */
    private void refresh(Connection c) throws SQLException {
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

    /** Reads the other replicas' new ratings now; {@link FeedbackService.Unavailable} when the database cannot be reached. */
    public synchronized void refreshPolicy() {
        lastRefreshNanos = System.nanoTime();
        withConnection("reading new ratings", c -> {
            refresh(c);
            return null;
        });
    }

    /** At most every refresh interval; a database that is away leaves the policy as last read. */
    private synchronized void maybeRefresh() {
        if (closed || System.nanoTime() - lastRefreshNanos < refreshNanos) return;
        try {
            refreshPolicy();
        } catch (BglException e) {
            // suggestions go on from the policy as it is; the next interval tries again
        }
    }

    @Override
    public BudgetSuggestion suggest(String userId, String question) {
        maybeRefresh();
        String task = taskType(question);
        BudgetPolicy.Choice c = policy.choose(nonNull(userId, "anonymous"), task);
        return new BudgetSuggestion(c.budgetTokens(), policy.config().mode(), task, c.reason());
    }

    /** Bucket widths tried in order: the first that gives at most {@link #MAX_BUCKETS} buckets is used. */
    private static final long[] BUCKET_MILLIS = {60_000L, 300_000L, 900_000L, 3_600_000L, 3 * 3_600_000L, 6 * 3_600_000L,
            86_400_000L, 7 * 86_400_000L, 30 * 86_400_000L, 365 * 86_400_000L};
    static final int MAX_BUCKETS = 48;

    /**
     * Totals, and per time bucket the requests that started in it with the ratings they got. The
     * bucket width is the smallest of 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 1 d, 7 d, 30 d, 365 d that
     * spans the data in at most 48 buckets; buckets start at multiples of the width since the epoch.
     */
    @Override
    public synchronized String requestOwner(String requestId) {
        for (RequestRecord r : pending)
            if (r.requestId().equals(requestId)) return nonNull(r.userId(), "anonymous");
        return withConnection("looking up request " + requestId, c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT user_id FROM requests WHERE request_id = ?")) {
                q.setString(1, requestId);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    /**
     * One user's (null: everyone's) ratings are those of their requests: a rating belongs to the
     * request it rates, and only the request's user may rate it.
     */
    @Override
    public FeedbackSummary summary(String userId) {
        // the user is bound as a parameter; "1 = 1" keeps one query text for both cases
        String mine = userId == null ? "1 = 1" : "q.user_id = ?";
        return withConnection("summarising", c -> {
            long requests, ratings;
            Double meanRating, meanSeconds, meanThinking;
            long min, max;
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*), AVG(seconds), AVG(thinking_tokens), MIN(created_ms), MAX(created_ms) FROM requests q WHERE " + mine)) {
                if (userId != null) s.setString(1, userId);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    requests = rs.getLong(1);
                    meanSeconds = nullableDouble(rs, 2);
                    meanThinking = nullableDouble(rs, 3);
                    min = rs.getLong(4);
                    max = rs.getLong(5);
                }
            }
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*), AVG(g.stars) FROM ratings g JOIN requests q ON q.request_id = g.request_id WHERE " + mine)) {
                if (userId != null) s.setString(1, userId);
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
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    if (userId != null) s.setString(1, userId);
                    ResultSet rs = s.executeQuery();
                    while (rs.next()) {
                        long n = rs.getLong(5), stars = rs.getLong(6);
                        buckets.add(new FeedbackSummary.Bucket(rs.getLong(1) * width, rs.getLong(2), n,
                                n == 0 ? null : (double) stars / n, nullableDouble(rs, 3), nullableDouble(rs, 4)));
                    }
                }
            }
            return new FeedbackSummary(requests, ratings, meanRating, meanSeconds, meanThinking, buckets);
        });
    }

    private static Double nullableDouble(ResultSet rs, int col) throws SQLException {
        double d = rs.getDouble(col);
        return rs.wasNull() ? null : d;
    }

    private static String nonNull(String s, String otherwise) {
        return s == null ? otherwise : s;
    }

    /** The URL without its query (where a PostgreSQL password may be), for messages. */
    public static String redact(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q) + "?...";
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            conn.close();
        } catch (SQLException e) {
            throw new BglException("feedback database " + redact(url) + ": close failed: " + e.getMessage());
        }
    }
}
