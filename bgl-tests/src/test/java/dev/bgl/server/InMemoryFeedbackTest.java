package dev.bgl.server;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class InMemoryFeedbackTest {
    static FeedbackService.RequestRecord req(String id, long at, int thinking, double seconds) {
        return new FeedbackService.RequestRecord(id, "u", "h", "sum", "guided", 100, "100tok", thinking, 5, seconds, true, null, at);
    }

    @Test
    void summaryAveragesInTotalAndPerHour() {
        InMemoryFeedback f = new InMemoryFeedback(128, "guided");
        long hour = 3_600_000L, t0 = 10 * hour;
        f.recordRequest(req("a", t0 + 5, 10, 1.0));
        f.recordRequest(req("b", t0 + 10, 30, 3.0));
        f.recordRequest(req("c", t0 + hour + 1, 50, 5.0));
        assertTrue(f.recordRating(new FeedbackService.Rating("a", "u", 2, List.of("too_slow"), "", t0 + 20)));
        assertTrue(f.recordRating(new FeedbackService.Rating("c", "u", 5, List.of(), "", t0 + hour + 2)));
        assertFalse(f.recordRating(new FeedbackService.Rating("zzz", "u", 5, List.of(), "", t0)));
        var s = f.summary();
        assertEquals(3, s.requests());
        assertEquals(2, s.ratings());
        assertEquals(3.5, s.meanRating());
        assertEquals(3.0, s.meanSeconds());
        assertEquals(30.0, s.meanThinkingTokens());
        assertEquals(2, s.overTime().size());
        var first = s.overTime().getFirst();
        assertEquals(t0, first.startMillis());
        assertEquals(2, first.requests());
        assertEquals(20.0, first.meanThinkingTokens());
        assertEquals(2.0, first.meanRating());
        assertEquals(t0 + hour, s.overTime().get(1).startMillis());
        var sug = f.suggest("u", "What is 3 * 7?");
        assertEquals(128, sug.budgetTokens());
        assertEquals("mul", sug.taskType());
        assertEquals("fixed default", sug.reason());
        assertEquals("count", f.taskType("How many vowels are in apple?"));
        assertEquals("general", f.taskType("Tell me a story"));
        assertNull(new InMemoryFeedback(1, "hard").summary().meanRating());
    }

    @Test
    void recordsFromManyThreadsAreAllKept() throws Exception {
        InMemoryFeedback f = new InMemoryFeedback(128, "guided");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            int base = t * 500;
            pool.submit(() -> {
                for (int i = 0; i < 500; i++) {
                    f.recordRequest(req("r" + (base + i), 1000, 1, 1));
                    f.recordRating(new FeedbackService.Rating("r" + (base + i), "u", 3, List.of(), "", 1000));
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(20, TimeUnit.SECONDS));
        assertEquals(2000, f.summary().requests());
        assertEquals(2000, f.summary().ratings());
    }
}
