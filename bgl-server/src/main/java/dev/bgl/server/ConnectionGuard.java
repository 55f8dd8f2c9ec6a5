package dev.bgl.server;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Deadlines and caps against slow and greedy clients, which Jetty's idle timeout alone does not
 * stop (it restarts on every byte, so a client trickling one byte a second holds a connection
 * for ever).
 * <p>
 * Every open connection is watched: while it waits for a request (just opened, or kept alive
 * after an answer) its headers must be complete within {@link Guard#headerTimeoutMs()}, counted
 * from the moment it started waiting, however many bytes trickle in; an idle keep-alive connection
 * is closed at the same deadline. A body must be complete within {@link Guard#bodyTimeoutMs()} of
 * its headers (the reading handler then gets a timeout and answers 408). A connection busy with
 * an answer (a long streamed generation) has no deadline here. One client address may hold
 * {@link Guard#maxConnectionsPerAddress()} connections; more are answered 429 and closed at once.
 * <p>
 * A sweeper thread looks at each connection every few tens of milliseconds, so deadlines hold to
 * within one sweep.
 */
final class ConnectionGuard implements Connection.Listener, AutoCloseable {
    private enum Phase { HEAD, BODY, BUSY }

    private static final class Watched {
        final Connection connection;
        final InetAddress address;
        Phase phase = Phase.HEAD;
        long since = System.nanoTime();
        long messagesOut;

        Watched(Connection connection, InetAddress address) {
            this.connection = connection;
            this.address = address;
        }
    }

    private final Guard guard;
    private final Map<Connection, Watched> open = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;
    final LongAdder headerDeadlines = new LongAdder(), bodyDeadlines = new LongAdder(), refusedForAddress = new LongAdder();

    ConnectionGuard(Guard guard) {
        this.guard = guard;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bgl-connection-guard");
            t.setDaemon(true);
            return t;
        });
        long every = Math.clamp(Math.min(guard.headerTimeoutMs(), guard.bodyTimeoutMs()) / 20, 20, 250);
        sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    /** Connections open now (tests, metrics). */
    int openConnections() {
        return open.size();
    }

    @Override
    public void onOpened(Connection c) {
        InetAddress a = c.getEndPoint().getRemoteSocketAddress() instanceof InetSocketAddress s ? s.getAddress() : null;
        Watched w = new Watched(c, a);
        open.put(c, w);
        if (a != null && perAddress.computeIfAbsent(a, k -> new AtomicInteger()).incrementAndGet() > guard.maxConnectionsPerAddress()) {
            refusedForAddress.increment();
            answerAndClose(c.getEndPoint(), new ApiError(429, "rate_limit_error", "too many open connections from your address (at most "
                    + guard.maxConnectionsPerAddress() + ")", null, "too_many_connections", 1));
        }
    }

    @Override
    public void onClosed(Connection c) {
        Watched w = open.remove(c);
        if (w != null && w.address != null) {
            AtomicInteger n = perAddress.get(w.address);
            if (n != null && n.decrementAndGet() <= 0) perAddress.remove(w.address, n);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Watched w : open.values()) {
            try {
                check(w, now);
            } catch (RuntimeException e) {
                // one odd connection must not stop the sweeper; it is closed instead
                w.connection.getEndPoint().close();
            }
        }
    }

    private void check(Watched w, long now) {
        if (!(w.connection instanceof HttpConnection h)) return;
        HttpParser p = h.getParser();
        Phase phase = p.isStart() || p.inHeaderState() ? Phase.HEAD : p.inContentState() ? Phase.BODY : Phase.BUSY;
        long out = h.getMessagesOut();
        // an answer finished since the last look: a kept-alive connection waits for its next request from now
        if (phase != w.phase || out != w.messagesOut) {
            w.phase = phase;
            w.since = now;
            w.messagesOut = out;
            return;
        }
        long ms = (now - w.since) / 1_000_000;
        if (phase == Phase.HEAD && ms > guard.headerTimeoutMs()) {
            headerDeadlines.increment();
            if (p.isStart()) w.connection.getEndPoint().close(); // nothing sent: an idle keep-alive connection just closes
            else answerAndClose(w.connection.getEndPoint(), HttpFaults.headerTimeout(guard));
        } else if (phase == Phase.BODY && ms > guard.bodyTimeoutMs()) {
            bodyDeadlines.increment();
            w.since = now; // the handler gets the timeout and answers; if it does not, the next deadline closes
            if (h.onIdleExpired(new TimeoutException("the request body did not arrive in time"))) w.connection.getEndPoint().close();
        } else if (phase == Phase.BODY && ms > 2 * guard.bodyTimeoutMs()) {
            w.connection.getEndPoint().close();
        }
    }

    /** Writes a whole HTTP/1.1 error answer straight to the socket, then closes it (no request to answer through Jetty). */
    private static void answerAndClose(EndPoint ep, ApiError e) {
        byte[] body = JsonErrorHandler.body(e);
        String head = "HTTP/1.1 " + e.status() + " " + reason(e.status()) + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n" + (e.retryAfter() > 0 ? "Retry-After: " + e.retryAfter() + "\r\n" : "") + "\r\n";
        try {
            ep.write(Callback.from(ep::close, x -> ep.close()), ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)), ByteBuffer.wrap(body));
        } catch (RuntimeException x) {
            ep.close(); // a write already pending (Jetty answering this connection): closing is all that is left
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 408 -> "Request Timeout";
            case 429 -> "Too Many Requests";
            default -> "Error";
        };
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
