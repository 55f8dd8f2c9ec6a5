package dev.bgl.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a test server's generations at a known point: each one that reaches its {@code atToken}-th
 * token (after the token was sent) waits there until {@link #release()}. A test that needs to see a
 * generation running (a busy slot, live gauges, a client leaving mid-stream) holds it rather than
 * hoping to catch it between two polls. The waits are generous bounds against a hung test, not
 * something measured.
 */
public final class GenerationGate implements AutoCloseable {
    private static final long BOUND_SECONDS = 120;
    private final BglServer server;
    private final int atToken;
    private final CountDownLatch reached = new CountDownLatch(1), released = new CountDownLatch(1);

    private GenerationGate(BglServer server, int atToken) {
        this.server = server;
        this.atToken = atToken;
    }

    /** From now on, every generation of {@code server} stops after its {@code atToken}-th token until released. */
    public static GenerationGate install(BglServer server, int atToken) {
        GenerationGate g = new GenerationGate(server, atToken);
        server.engine().testAfterToken = g::afterToken;
        return g;
    }

    private void afterToken(int n) {
        if (n != atToken) return;
        reached.countDown();
        try {
            released.await(BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns once a generation is held; fails if none gets there. */
    public void awaitHeld() throws InterruptedException {
        if (!reached.await(BOUND_SECONDS, TimeUnit.SECONDS))
            throw new AssertionError("no generation reached token " + atToken + " within " + BOUND_SECONDS + " s");
    }

    /** Lets held generations go on, and every later one pass. */
    public void release() {
        released.countDown();
    }

    @Override
    public void close() {
        release();
        server.engine().testAfterToken = null;
    }
}
