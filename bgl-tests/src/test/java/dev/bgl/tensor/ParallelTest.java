package dev.bgl.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.*;

/** The thread team: every index once, failures reach the caller, concurrent and nested calls finish. */
class ParallelTest {
    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Parallel.defaultThreads());
    }

    @Test
    void everyIndexRunsExactlyOnceOverManyShortRegions() {
        Parallel.setThreads(3);
        for (int round = 0; round < 2000; round++) {
            int n = 1 + round % 97, grain = 1 + round % 5;
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            Parallel.forRange(n, grain, (s, e) -> {
                for (int i = s; i < e; i++) hits.incrementAndGet(i);
            });
            for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "round " + round + " index " + i + " of " + n);
        }
    }

    @Test
    void aFailureInAChunkReachesTheCallerAndTheTeamStaysUsable() {
        Parallel.setThreads(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(64, 1, (s, end) -> {
            if (s <= 40 && 40 < end) throw new IllegalStateException("chunk with 40");
        }));
        assertEquals("chunk with 40", e.getMessage());
        int[] sum = new int[1];
        Parallel.forRange(10, 100, (s, end) -> sum[0] += end - s); // small: runs on this thread
        assertEquals(10, sum[0]);
        AtomicIntegerArray hits = new AtomicIntegerArray(64);
        Parallel.forRange(64, 1, (s, end) -> {
            for (int i = s; i < end; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < 64; i++) assertEquals(1, hits.get(i));
    }

    @Test
    void concurrentAndNestedCallsFinishWithEveryIndex() throws InterruptedException {
        Parallel.setThreads(2);
        int n = 256;
        AtomicIntegerArray[] hits = {new AtomicIntegerArray(n * n), new AtomicIntegerArray(n * n)};
        Thread[] callers = new Thread[2];
        Throwable[] failed = new Throwable[2];
        for (int c = 0; c < 2; c++) {
            int id = c;
            callers[c] = new Thread(() -> {
                try {
                    for (int round = 0; round < 20; round++)
                        Parallel.forRange(n, 1, (s, e) -> {
                            for (int i = s; i < e; i++) {
                                int row = i;
                                // nested: runs on the calling thread since the team is busy
                                Parallel.forRange(n, 1, (s2, e2) -> {
                                    for (int j = s2; j < e2; j++) hits[id].incrementAndGet(row * n + j);
                                });
                            }
                        });
                } catch (Throwable t) {
                    failed[id] = t;
                }
            });
            callers[c].start();
        }
        for (Thread t : callers) t.join(60_000);
        for (int c = 0; c < 2; c++) {
            assertFalse(callers[c].isAlive(), "caller " + c + " did not finish");
            assertNull(failed[c], () -> "caller failed: " + failed[0] + " / " + failed[1]);
            for (int i = 0; i < n * n; i++) assertEquals(20, hits[c].get(i), "caller " + c + " cell " + i);
        }
    }
}
