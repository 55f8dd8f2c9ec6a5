package dev.bgl.server.feedback;

import dev.bgl.server.FeedbackService;
import dev.bgl.util.BglException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.List;
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
 * {@link SeenRatings#SLACK_MILLIS} before the newest one seen, so a late commit or a replica whose clock is
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
    /** Requests served while the database is unreachable, kept to be written when it is back. */
    static final int MAX_PENDING = 10_000;

    private final BudgetPolicy policy;
    private final long refreshNanos;
    private final FeedbackDatabase db;
    private final SeenRatings seen;
    private long lastRefreshNanos;
    private final ArrayDeque<RequestRecord> pending = new ArrayDeque<>();

    /** Opens (creating or migrating the schema) the database at this JDBC URL. */
    public SqlFeedbackStore(String jdbcUrl, PolicyConfig policyConfig) {
        this(jdbcUrl, policyConfig, DEFAULT_REFRESH_MILLIS);
    }

    /** As above, reading other replicas' ratings at most every {@code refreshMillis} (0: at every suggestion). */
    public SqlFeedbackStore(String jdbcUrl, PolicyConfig policyConfig, long refreshMillis) {
        this.policy = new BudgetPolicy(policyConfig);
        this.seen = new SeenRatings(policy);
        this.refreshNanos = refreshMillis * 1_000_000L;
        try {
            // every action first writes the requests held while the database was away
            db = new FeedbackDatabase(jdbcUrl, c -> {
                flushPending(c);
                return null;
            });
            db.runOnce(c -> {
                seen.refresh(c);
                return null;
            });
            lastRefreshNanos = System.nanoTime();
        } catch (SQLException e) {
            throw new BglException("feedback database " + redact(jdbcUrl) + ": " + e.getMessage());
        }
    }

    public BudgetPolicy policy() {
        return policy;
    }

    /** Runs the action under this store's lock, which also guards {@link #pending} and {@link #seen}. */
    private synchronized <T> T withConnection(String what, FeedbackDatabase.Sql<T> action) {
        return db.run(what, action);
    }

    private void flushPending(Connection c) throws SQLException {
        if (c == null) throw new SQLException("no connection", "08003");
        while (!pending.isEmpty()) {
            RequestRecord r = pending.peekFirst();
            if (!FeedbackRows.requestExists(c, r.requestId())) FeedbackRows.insertRequest(c, r);
            pending.removeFirst();
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
                withConnection("storing request " + r.requestId(), c -> FeedbackRows.insertRequest(c, r));
            } catch (FeedbackService.Unavailable e) {
                // the answer is already made: keep its record to write when the database is back
                if (pending.size() >= MAX_PENDING) throw e;
                if (pending.isEmpty()) System.err.println("bgl serve: " + e.getMessage() + "; holding served requests in memory until it is back");
                pending.addLast(r);
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
            FeedbackRows.RatedRequest q = FeedbackRows.ratedRequest(c, r.requestId());
            if (q == null) return false;
            if (FeedbackRows.ratingExists(c, ratingId)) return true;
            FeedbackRows.insertRating(c, ratingId, r, tags);
            // requests served without a token budget (mode none, seconds only) teach the policy nothing about levels;
            // the policy learns for the user the request was served to, whoever sent the rating
            if (q.budget() != null) policy.observe(q.requester(), q.task(), q.budget(), r.stars(), q.seconds(), tags, q.correct());
            seen.see(ratingId, r.createdMillis());
            return true;
        });
    }

    /** Reads the other replicas' new ratings now; {@link FeedbackService.Unavailable} when the database cannot be reached. */
    public synchronized void refreshPolicy() {
        lastRefreshNanos = System.nanoTime();
        withConnection("reading new ratings", c -> {
            seen.refresh(c);
            return null;
        });
    }

    /** At most every refresh interval; a database that is away leaves the policy as last read. */
    private synchronized void maybeRefresh() {
        if (db.isClosed() || System.nanoTime() - lastRefreshNanos < refreshNanos) return;
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
        BudgetPolicy.Choice c = policy.choose(FeedbackRows.nonNull(userId, "anonymous"), task);
        return new BudgetSuggestion(c.budgetTokens(), policy.config().mode(), task, c.reason());
    }

    @Override
    public synchronized String requestOwner(String requestId) {
        for (RequestRecord r : pending)
            if (r.requestId().equals(requestId)) return FeedbackRows.nonNull(r.userId(), "anonymous");
        return withConnection("looking up request " + requestId, c -> FeedbackRows.requestOwner(c, requestId));
    }

    /** See {@link FeedbackSummaryQuery}: totals and time buckets of one user's (null: everyone's) requests and ratings. */
    @Override
    public FeedbackSummary summary(String userId) {
        return withConnection("summarising", c -> FeedbackSummaryQuery.of(c, userId));
    }

    /** The URL without its query (where a PostgreSQL password may be), for messages. */
    public static String redact(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q) + "?...";
    }

    @Override
    public synchronized void close() {
        db.close();
    }
}
