package dev.bgl.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits index ranges over a fixed team of threads sized to the cores (or {@code -Dbgl.threads=N}):
 * the calling thread and {@code N − 1} workers. Decoding a token runs about 200 such regions of
 * a few hundred microseconds each, so the team is built for short regions: workers spin briefly
 * between them instead of parking (waking a parked thread took longer than many of the regions),
 * the caller works on the region itself, and chunks are handed out by one atomic counter.
 * llama.cpp's thread pool does the same. A worker parks after {@link #SPIN_NANOS} without work,
 * so an idle process does not burn CPU.
 *
 * <p>One region runs at a time: a call made while the team is busy (a second session on another
 * thread, or a call from inside a region) runs on its own thread, which is what it would get
 * from a busy team anyway.
 */
public final class Parallel {
    /** How long an idle worker spins before parking. */
    static final long SPIN_NANOS = 200_000;
    private static volatile Team team = new Team(defaultThreads());

    private Parallel() {
    }

    public static int defaultThreads() {
        String s = System.getProperty("bgl.threads");
        if (s != null) {
            try {
                return Math.max(1, Integer.parseInt(s));
            } catch (NumberFormatException ignored) {
                // fall through to the core count
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    public static int threads() {
        return team.size;
    }

    /** Replaces the team (e.g. from the CLI's --threads). */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        if (n == team.size) return;
        Team old = team;
        team = new Team(n);
        old.shutdown();
    }

    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /** Runs {@code body} over [0, n) in chunks of at least {@code grain} indices; returns when all are done. */
    public static void forRange(int n, int grain, RangeBody body) {
        Team t = team;
        if (t.size == 1 || n <= grain || !t.busy.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            t.run(new Region(body, n, Math.min(t.size * 4, Math.max(1, n / grain))));
        } finally {
            t.busy.set(false);
        }
    }

    /** One parallel call: its chunks are claimed through {@code next} by whichever thread gets there first. */
    private static final class Region {
        final RangeBody body;
        final int n, chunks;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        volatile Throwable failure;

        Region(RangeBody body, int n, int chunks) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
        }

        /** Claims and runs chunks until none are left. */
        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                int start = (int) ((long) n * c / chunks), end = (int) ((long) n * (c + 1) / chunks);
                try {
                    if (end > start) body.run(start, end);
                } catch (Throwable e) {
                    if (failure == null) failure = e;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private static final class Team {
        final int size;
        final AtomicBoolean busy = new AtomicBoolean();
        private final Worker[] workers;
        private volatile Region region;
        private volatile boolean stopped;

        Team(int size) {
            this.size = size;
            this.workers = new Worker[size - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(this);
                Thread t = new Thread(workers[i], "bgl-worker-" + (i + 1));
                t.setDaemon(true);
                workers[i].thread = t;
                t.start();
            }
        }

        void run(Region r) {
            region = r; // publishes the region; a worker that sees it claims chunks
            for (Worker w : workers) if (w.parked) LockSupport.unpark(w.thread);
            r.work();
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (r.done.get() < r.chunks) {
                if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                else Thread.yield(); // a worker was descheduled: let it run
            }
            Throwable f = r.failure;
            if (f instanceof RuntimeException e) throw e;
            if (f instanceof Error e) throw e;
            if (f != null) throw new RuntimeException(f);
        }

        void shutdown() {
            stopped = true;
            for (Worker w : workers) LockSupport.unpark(w.thread);
        }
    }

    private static final class Worker implements Runnable {
        private final Team team;
        Thread thread;
        volatile boolean parked;

        Worker(Team team) {
            this.team = team;
        }

        @Override
        public void run() {
            Region last = null;
            while (!team.stopped) {
                Region r = team.region;
                if (r != last) {
                    last = r;
                    r.work();
                    continue;
                }
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (team.region == last && !team.stopped && System.nanoTime() < spinUntil) Thread.onSpinWait();
                if (team.region == last && !team.stopped) {
                    parked = true;
                    // re-checked after announcing: a region published before the flag was seen gets no unpark
                    if (team.region == last && !team.stopped) LockSupport.parkNanos(this, 50_000_000L);
                    parked = false;
                }
            }
        }
    }
}
