package dev.bgl.server.feedback;

import dev.bgl.server.FeedbackService;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class SqlFeedbackStoreTest {
    @TempDir
    Path dir;

    static FeedbackService.RequestRecord request(String id, String user, Integer budget, double seconds, long created) {
        return new FeedbackService.RequestRecord(id, user, TaskTypes.hash("Add: 1+2"), "sum", "guided", budget,
                budget == null ? null : budget + "tok", 30, 4, seconds, true, null, created);
    }

    static FeedbackService.Rating rating(String id, String user, int stars, long created, String... tags) {
        return new FeedbackService.Rating(id, user, stars, List.of(tags), "c", created);
    }

    @Test
    void roundTripAndSummary() {
        try (var s = FeedbackStores.open(dir.resolve("f.db").toString())) {
            var empty = s.summary();
            assertEquals(0, empty.requests());
            assertNull(empty.meanRating());
            assertTrue(empty.overTime().isEmpty());

            long t0 = 1_700_000_000_000L - 1_700_000_000_000L % 60_000; // a minute boundary
            s.recordRequest(request("a", "u1", 64, 1.0, t0 + 1_000));
            s.recordRequest(request("b", "u1", 16, 3.0, t0 + 2_000));
            s.recordRequest(request("c", "u2", null, 2.0, t0 + 61_000)); // next minute
            assertTrue(s.recordRating(rating("a", "u1", 5, t0 + 5_000, "good")));
            assertTrue(s.recordRating(rating("b", "u1", 2, t0 + 6_000, "too_short", "wrong")));
            assertTrue(s.recordRating(rating("c", "u2", 3, t0 + 70_000)));

            var sum = s.summary();
            assertEquals(3, sum.requests());
            assertEquals(3, sum.ratings());
            assertEquals(10 / 3.0, sum.meanRating(), 1e-9);
            assertEquals(2.0, sum.meanSeconds(), 1e-9);
            assertEquals(30.0, sum.meanThinkingTokens(), 1e-9);
            // span of 61 s: one-minute buckets, two of them
            assertEquals(2, sum.overTime().size());
            var b0 = sum.overTime().get(0);
            assertEquals(t0, b0.startMillis());
            assertEquals(2, b0.requests());
            assertEquals(2, b0.ratings());
            assertEquals(3.5, b0.meanRating(), 1e-9);
            assertEquals(2.0, b0.meanSeconds(), 1e-9);
            var b1 = sum.overTime().get(1);
            assertEquals(t0 + 60_000, b1.startMillis());
            assertEquals(1, b1.requests());
            assertEquals(3.0, b1.meanRating(), 1e-9);
        }
    }

    @Test
    void bucketsWidenWithTheSpan() {
        try (var s = FeedbackStores.open(dir.resolve("w.db").toString())) {
            long day = 86_400_000L, t0 = 1_700_000_000_000L;
            s.recordRequest(request("x", "u", 32, 1, t0));
            s.recordRequest(request("y", "u", 32, 1, t0 + day)); // 24 h: hours would be 25 buckets: fine
            s.recordRequest(request("z", "u", 32, 1, t0 + 3 * day)); // 72 h: 3-hour buckets
            var b = s.summary().overTime();
            assertEquals(3, b.size());
            long width = 3 * 3_600_000L;
            for (var x : b) assertEquals(0, x.startMillis() % width, "bucket starts on a multiple of 3 h");
            assertNull(b.get(0).meanRating());
            assertEquals(0, b.get(0).ratings());
        }
    }

    @Test
    void unknownRequestAndBadRatings() {
        try (var s = FeedbackStores.open(dir.resolve("u.db").toString())) {
            assertFalse(s.recordRating(rating("nope", "u", 4, 1)));
            s.recordRequest(request("r", "u", 64, 1, 1));
            assertThrows(BglException.class, () -> s.recordRating(rating("r", "u", 6, 2)));
            assertThrows(BglException.class, () -> s.recordRating(rating("r", "u", 0, 2)));
            assertThrows(BglException.class, () -> s.recordRating(rating("r", "u", 4, 2, "bogus")));
            assertThrows(BglException.class, () -> s.recordRequest(request("r", "u", 64, 1, 1)), "duplicate request id");
            assertEquals(0, s.summary().ratings());
        }
    }

    @Test
    void reopenKeepsRowsMigratesOnceAndRestoresThePolicy() throws Exception {
        String db = dir.resolve("m.db").toString();
        int learned;
        try (var s = FeedbackStores.open(db)) {
            for (int i = 0; i < 30; i++) {
                String id = "r" + i;
                s.recordRequest(request(id, "u", 128, 0.5, i));
                s.recordRating(rating(id, "u", 5, i));
            }
            learned = s.policy().bestLevel("u", "sum");
            assertEquals(128, learned, "30 five-star ratings at 128 make it the best level");
        }
        try (var s = FeedbackStores.open("jdbc:sqlite:" + db)) {
            assertEquals(30, s.summary().ratings());
            assertEquals(learned, s.policy().bestLevel("u", "sum"), "the policy is rebuilt from the stored ratings");
            assertTrue(s.suggest("u", "Add: 3+4").reason().contains("128-token answers 5.0★"), s.suggest("u", "Add: 3+4").reason());
        }
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM flyway_schema_history WHERE success = 1")) {
            rs.next();
            assertEquals(2, rs.getInt(1), "two migrations (V1, V2) applied once each, not again on reopen");
        }
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertEquals("wal", rs.getString(1).toLowerCase());
        }
    }

    @Test
    void factoryRejectsWhatItCannotStore() {
        assertThrows(BglException.class, () -> FeedbackStores.open("jdbc:mysql://x/y"));
        assertThrows(BglException.class, () -> FeedbackStores.open("jdbc:sqlite::memory:"));
        assertThrows(BglException.class, () -> FeedbackStores.open(" "));
        assertThrows(BglException.class, () -> FeedbackStores.open(dir.toString()));
    }

    @Test
    void missingFolderAndNonSqliteFilesAreRefusedInOneLine() throws Exception {
        java.nio.file.Path missing = dir.resolve("no/such/dir/x.db");
        BglException e = assertThrows(BglException.class, () -> FeedbackStores.open(missing.toString()));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains(missing.getParent().toString()), e.getMessage());
        assertFalse(java.nio.file.Files.exists(dir.resolve("no")), "no folder was created");
        java.nio.file.Path text = dir.resolve("notes.db");
        java.nio.file.Files.writeString(text, "these are my notes, not a database\n");
        BglException t = assertThrows(BglException.class, () -> FeedbackStores.open(text.toString()));
        assertTrue(t.getMessage().contains("not a SQLite database") && t.getMessage().contains("notes.db"), t.getMessage());
        assertFalse(t.getMessage().contains("flyway"), t.getMessage());
        assertEquals("these are my notes, not a database\n", java.nio.file.Files.readString(text), "the file is left alone");
        java.nio.file.Files.createFile(dir.resolve("empty.db"));
        FeedbackStores.open(dir.resolve("empty.db").toString()).close(); // an empty file becomes a database
    }

    @Test
    void concurrentWritersAllLand() throws Exception {
        try (var s = FeedbackStores.open(dir.resolve("c.db").toString())) {
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int tt = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 10; i++) {
                        String id = "t" + tt + "-" + i;
                        s.recordRequest(request(id, "u" + tt, 32, 1, i));
                        assertTrue(s.recordRating(rating(id, "u" + tt, 4, i)));
                        s.suggest("u" + tt, "Add: 1+1");
                    }
                }));
            }
            for (Thread t : ts) t.join();
            assertEquals(40, s.summary().requests());
            assertEquals(40, s.summary().ratings());
        }
    }

    /** A child JVM writes ratings and prints each acknowledged id; kill -9 mid-burst; every printed id must be stored. */
    @Test
    void killNineLosesNothingAcknowledged() throws Exception {
        Path db = dir.resolve("k.db");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), RatingBurstMain.class.getName(), db.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Set<String> acked = new HashSet<>();
        try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = in.readLine();
            assertEquals("ready", line, "child did not start");
            // killed after a count of acknowledgements, not a span of time: a slow machine only takes longer
            while (acked.size() < 50 && (line = in.readLine()) != null) acked.add(line);
            assertTrue(p.isAlive(), "the child must still be writing when it is killed (1,000,000 ratings to go)");
            p.destroyForcibly(); // SIGKILL mid-burst: no shutdown hooks, no close (it also closes our end of the pipe)
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(50, acked.size(), "the child stopped after " + acked.size() + " ratings");
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            Set<String> stored = new HashSet<>();
            try (ResultSet rs = st.executeQuery("SELECT g.request_id FROM ratings g JOIN requests q ON q.request_id = g.request_id")) {
                while (rs.next()) stored.add(rs.getString(1));
            }
            acked.removeAll(stored);
            assertEquals(Set.of(), acked, "acknowledged ratings lost by kill -9");
        }
        try (var s = FeedbackStores.open(db.toString())) {
            assertTrue(s.summary().ratings() >= 5, "the store reopens after the kill");
        }
    }

    /** Runs against a real PostgreSQL when BGL_TEST_POSTGRES_URL is set (jdbc:postgresql://HOST/DB?user=..&password=..). */
    @Test
    void postgresRoundTrip() throws Exception {
        String url = System.getenv("BGL_TEST_POSTGRES_URL");
        Assumptions.assumeTrue(url != null && !url.isBlank(),
                "BGL_TEST_POSTGRES_URL not set: PostgreSQL test skipped (set it to jdbc:postgresql://HOST/DB?user=U&password=P of a scratch database)");
        String id = "pg-" + System.nanoTime(), user = "pg-user-" + id; // the database outlives runs: a user of this run's own
        // no floor: the one rating at 64 (below the default floor) must be what the rebuilt policy prefers
        PolicyConfig noFloor = new PolicyConfig(PolicyConfig.DEFAULT_LEVELS, 0.02, 0.5, 0.25, 2.0, 0.25, 128, 0.1, "guided", 1);
        try (var s = FeedbackStores.open(url, noFloor)) {
            long before = s.summary().ratings();
            s.recordRequest(request(id, user, 64, 1.5, System.currentTimeMillis()));
            assertTrue(s.recordRating(rating(id, user, 4, System.currentTimeMillis(), "good")));
            assertFalse(s.recordRating(rating(id + "-missing", user, 4, 1)));
            var sum = s.summary();
            assertEquals(before + 1, sum.ratings());
            assertFalse(sum.overTime().isEmpty());
        }
        try (var s = FeedbackStores.open(url, noFloor)) { // migrations again: a no-op
            assertEquals(64, s.policy().bestLevel(user, "sum"), "the policy is rebuilt from the PostgreSQL rows");
        }
    }
}
