package dev.bgl.server.feedback;

import dev.bgl.server.FeedbackService;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Several servers on one PostgreSQL (serving replicas): what one learns the others learn within the
 * refresh delay, no acknowledged rating is lost to concurrency or a restart, the schema is migrated
 * once, and a database that goes away is said (Unavailable) rather than lost silently. Each test
 * works in a schema of its own of the database BGL_TEST_POSTGRES_URL names (./test starts one).
 */
class PostgresReplicasTest {
    private static final long REFRESH_MS = 200;
    private final List<String> schemas = new ArrayList<>();

    static String baseUrl() {
        String url = System.getenv("BGL_TEST_POSTGRES_URL");
        Assumptions.assumeTrue(url != null && !url.isBlank(),
                "BGL_TEST_POSTGRES_URL not set: PostgreSQL replica tests skipped (./test starts a throwaway PostgreSQL when it can)");
        return url;
    }

    /** A new, empty schema: the database as a fresh deployment finds it. */
    private String freshUrl() throws Exception {
        String base = baseUrl(), name = "bgl_t" + System.nanoTime();
        try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + name);
        }
        schemas.add(name);
        return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + name;
    }

    @AfterEach
    void dropSchemas() throws Exception {
        if (schemas.isEmpty()) return;
        try (Connection c = DriverManager.getConnection(baseUrl()); Statement s = c.createStatement()) {
            for (String n : schemas) s.execute("DROP SCHEMA " + n + " CASCADE");
        }
    }

    private static SqlFeedbackStore open(String url) {
        return new SqlFeedbackStore(url, PolicyConfig.DEFAULT, REFRESH_MS);
    }

    private static long count(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void serveAndRate(FeedbackService s, String id, String user, int budget, int stars) {
        long now = System.currentTimeMillis();
        s.recordRequest(SqlFeedbackStoreTest.request(id, user, budget, 0.5, now));
        assertTrue(s.recordRating(SqlFeedbackStoreTest.rating(id, user, stars, now)), "rating of " + id);
    }

    private static void assertSamePolicy(SqlFeedbackStore a, SqlFeedbackStore b, String user) {
        for (int level : PolicyConfig.DEFAULT_LEVELS)
            assertEquals(a.policy().posteriorMean(user, "sum", level), b.policy().posteriorMean(user, "sum", level), 1e-9,
                    "posterior mean at " + level + " for " + user);
        assertEquals(a.policy().bestLevel(user, "sum"), b.policy().bestLevel(user, "sum"));
    }

    @Test
    void aRatingThroughOneReplicaChangesTheOthersSuggestionWithinTheDelay() throws Exception {
        String url = freshUrl();
        try (var a = open(url); var b = open(url)) {
            assertEquals(128, b.policy().bestLevel("u", "sum"), "before any rating: the default level");
            for (int i = 0; i < 30; i++) serveAndRate(a, "r" + i, "u", 256, 5);
            assertEquals(256, a.policy().bestLevel("u", "sum"), "the replica that took the ratings learned at once");
            assertEquals(128, b.policy().bestLevel("u", "sum"), "the other has not read them yet");
            Thread.sleep(REFRESH_MS + 50);
            var s = b.suggest("u", "Add: 3+4"); // the first suggestion after the delay reads the new ratings
            assertEquals(256, b.policy().bestLevel("u", "sum"));
            assertTrue(s.reason().contains("256-token answers 5.0★ on average over 30 ratings"), s.reason());
            assertSamePolicy(a, b, "u");
            b.refreshPolicy();
            assertSamePolicy(a, b, "u"); // reading again learns nothing twice
        }
    }

    @Test
    void concurrentRatingsThroughTwoReplicasAreAllStoredAndLearnedByBoth() throws Exception {
        String url = freshUrl();
        try (var a = open(url); var b = open(url)) {
            Set<String> acked = ConcurrentHashMap.newKeySet();
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int tt = t;
                clients.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 25; i++) {
                        String id = "c" + tt + "-" + i;
                        serveAndRate(i % 2 == 0 ? a : b, id, "u" + tt % 2, i % 3 == 0 ? 128 : 256, 1 + (tt + i) % 5);
                        acked.add(id);
                    }
                }));
            }
            for (Thread t : clients) t.join();
            assertEquals(200, acked.size());
            assertEquals(200, count(url, "SELECT COUNT(*) FROM ratings"), "every acknowledged rating is stored once");
            assertEquals(200, count(url, "SELECT COUNT(DISTINCT request_id) FROM ratings"));
            a.refreshPolicy();
            b.refreshPolicy();
            assertSamePolicy(a, b, "u0");
            assertSamePolicy(a, b, "u1");
        }
    }

    @Test
    void replicasStartingAtOnceMigrateTheSchemaOnce() throws Exception {
        String url = freshUrl();
        int n = 4;
        CountDownLatch go = new CountDownLatch(1);
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> starts = new ArrayList<>();
        for (int i = 0; i < n; i++)
            starts.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    open(url).close();
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        go.countDown();
        for (Thread t : starts) t.join();
        assertEquals(List.of(), errors);
        long files = 2; // V1__feedback_tables, V2__ratings_created_index
        assertEquals(files, count(url, "SELECT COUNT(*) FROM flyway_schema_history WHERE success AND version IS NOT NULL"));
        assertEquals(files, count(url, "SELECT COUNT(DISTINCT version) FROM flyway_schema_history WHERE version IS NOT NULL"));
    }

    @Test
    void aReplicaRestartingMidTrafficLosesNothing() throws Exception {
        String url = freshUrl();
        try (var b = open(url)) {
            var a = new SqlFeedbackStore[]{open(url)};
            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int tt = t;
                clients.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String id = "x" + tt + "-" + i;
                        FeedbackService s = i % 2 == 0 ? a[0] : b;
                        try {
                            serveAndRate(s, id, "u", 256, 4);
                            acked.add(id);
                        } catch (BglException e) {
                            // the replica is restarting: this client's call failed and was not acknowledged
                        }
                    }
                }));
            }
            while (acked.size() < 40) Thread.sleep(10);
            a[0].close();
            Thread.sleep(100);
            a[0] = open(url);
            int after = acked.size();
            while (acked.size() < after + 40) Thread.sleep(10);
            stop.set(true);
            for (Thread t : clients) t.join();
            Set<String> stored = ConcurrentHashMap.newKeySet();
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT request_id FROM ratings")) {
                while (rs.next()) stored.add(rs.getString(1));
            }
            assertTrue(stored.containsAll(acked), "acknowledged but not stored: " + acked.stream().filter(x -> !stored.contains(x)).toList());
            a[0].refreshPolicy();
            b.refreshPolicy();
            assertSamePolicy(a[0], b, "u");
            a[0].close();
        }
    }

    @Test
    void databaseLostMidTrafficRefusesRatingsKeepsRequestsAndRecovers() throws Exception {
        String url = freshUrl();
        Matcher m = Pattern.compile("^jdbc:postgresql://([^:/]+):(\\d+)/(.*)$").matcher(url);
        Assumptions.assumeTrue(m.matches(), "BGL_TEST_POSTGRES_URL has no host:port to relay: " + SqlFeedbackStore.redact(url));
        try (var proxy = new TcpProxy(m.group(1), Integer.parseInt(m.group(2)));
             var s = open("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + m.group(3))) {
            serveAndRate(s, "before", "u", 256, 5);
            proxy.cut();
            long now = System.currentTimeMillis();
            s.recordRequest(SqlFeedbackStoreTest.request("during", "u", 256, 0.5, now)); // a served answer is not refused
            assertEquals("u", s.requestOwner("during"), "a request held in memory still has its owner");
            var refused = assertThrows(FeedbackService.Unavailable.class,
                    () -> s.recordRating(SqlFeedbackStoreTest.rating("during", "u", 5, now)));
            assertTrue(refused.getMessage().contains("127.0.0.1:" + proxy.port()) && refused.getMessage().contains("unavailable"), refused.getMessage());
            assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
            Thread.sleep(REFRESH_MS + 50); // due for a refresh: the suggestion tries the database, fails, and still answers
            assertEquals(List.of(128, 256).contains(s.suggest("u", "Add: 1+2").budgetTokens()), true, "suggestions go on from the policy as it was");
            assertThrows(FeedbackService.Unavailable.class, () -> s.summary());
            proxy.restore();
            assertTrue(s.recordRating(SqlFeedbackStoreTest.rating("during", "u", 5, System.currentTimeMillis())), "back: the held request is written, then rated");
            assertEquals(2, count(url, "SELECT COUNT(*) FROM requests"));
            assertEquals(2, count(url, "SELECT COUNT(*) FROM ratings"), "the refused rating was not stored; the retried one was, once");
        }
    }

    /** No PostgreSQL needed: nothing listens on the port. */
    @Test
    void databaseDownAtStartIsOneLineNamingTheUrlWithoutItsPassword() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        var e = assertThrows(BglException.class,
                () -> FeedbackStores.open("jdbc:postgresql://127.0.0.1:" + port + "/bgl?user=bgl&password=s3cret"));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("feedback database jdbc:postgresql://127.0.0.1:" + port + "/bgl?...: cannot connect"), msg);
        assertFalse(msg.contains("s3cret"), msg);
        assertEquals(1, msg.lines().count(), msg);
    }
}
