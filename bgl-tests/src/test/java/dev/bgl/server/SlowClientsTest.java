package dev.bgl.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Slow and greedy clients on loopback: hundreds of sockets trickling their headers a byte at a
 * time do not stop normal requests, and every one of them is closed by the header deadline (the
 * idle timeout alone would restart on every byte); idle keep-alive connections close at the
 * same deadline; one address cannot hold more than its share of connections.
 */
class SlowClientsTest {
    static final int HEADER_MS = 1500;
    static final int PER_ADDRESS = 60;
    static TestServer s;

    @BeforeAll
    static void up() {
        s = TestServer.start(ServerConfig.local(TestServer.MODEL_ID)
                .withGuard(Guard.defaults().withTimeouts(HEADER_MS, HEADER_MS, 30_000, 64).withConnectionCaps(PER_ADDRESS, 2000)));
    }

    @AfterAll
    static void down() {
        s.close();
    }

    /** A socket from another loopback address (all of 127/8 is local on Linux), so that each address stays under its cap. */
    static Socket from(String local) throws IOException {
        Socket k = new Socket();
        k.bind(new InetSocketAddress(local, 0));
        k.connect(new InetSocketAddress("127.0.0.1", s.server.port()), 5000);
        return k;
    }

    @Test
    void tricklersAreClosedByTheDeadlineAndNormalRequestsStillServed() throws Exception {
        int n = 500;
        byte[] head = RawHttp.ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: "
                + "s".repeat(200) + "\r\n");
        List<Socket> socks = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) socks.add(from("127.0.0." + (2 + i / 50)));
        long opened = System.nanoTime(); // the last socket's deadline runs from here; 1 s of slack for the sweeper on a busy machine
        // trickle one byte per socket per round until past the deadline; ask normal questions meanwhile
        long worstMillis = 0;
        int served = 0;
        int pos = 0;
        while ((System.nanoTime() - opened) / 1_000_000 < HEADER_MS + 1000) {
            for (Socket k : socks) {
                try {
                    k.getOutputStream().write(head[pos % head.length]);
                } catch (IOException closed) {
                    // the server closed it: what the test waits for
                }
            }
            pos++;
            long a = System.nanoTime();
            TestServer.Reply r = s.get("/v1/models");
            worstMillis = Math.max(worstMillis, (System.nanoTime() - a) / 1_000_000);
            assertEquals(200, r.status(), r.body());
            served++;
            Thread.sleep(50);
        }
        long elapsed = (System.nanoTime() - t0) / 1_000_000;
        int stillOpen = 0;
        for (Socket k : socks) {
            k.setSoTimeout(100);
            try {
                RawHttp.Answer ans = RawHttp.read(k);
                assertTrue(ans.status() == -1 || ans.status() == 408, ans.toString());
            } catch (SocketTimeoutException e) {
                stillOpen++;
            } catch (IOException reset) {
                // closed with a reset: closed all the same
            }
            k.close();
        }
        System.out.println("slow clients: " + n + " trickling sockets, " + served + " normal requests, slowest " + worstMillis
                + " ms, still open after " + elapsed + " ms: " + stillOpen);
        assertEquals(0, stillOpen, "trickling sockets still open " + elapsed + " ms after the first opened, "
                + (System.nanoTime() - opened) / 1_000_000 + " ms after the last (deadline " + HEADER_MS + " ms)");
        assertTrue(worstMillis < 1000, "a normal request took " + worstMillis + " ms beside the tricklers");
    }

    @Test
    void idleKeepAliveClosesAtTheHeaderDeadline() throws Exception {
        try (Socket k = from("127.0.0.1")) {
            k.getOutputStream().write(RawHttp.ascii("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
            k.setSoTimeout(HEADER_MS * 3);
            RawHttp.Answer first = RawHttp.read(k);
            assertEquals(200, first.status(), first.toString());
            long t = System.nanoTime();
            assertEquals(-1, k.getInputStream().read(), "an idle keep-alive connection must be closed");
            long ms = (System.nanoTime() - t) / 1_000_000;
            assertTrue(ms >= HEADER_MS - 300 && ms < HEADER_MS + 1000, "closed after " + ms + " ms");
        }
    }

    @Test
    void oneAddressHoldsAtMostItsShare() throws Exception {
        List<Socket> socks = new ArrayList<>();
        try {
            for (int i = 0; i < PER_ADDRESS; i++) socks.add(from("127.0.0.99"));
            Thread.sleep(200);
            try (Socket extra = from("127.0.0.99")) {
                extra.setSoTimeout(3000);
                RawHttp.Answer a = RawHttp.read(extra);
                assertEquals(429, a.status(), a.toString());
                assertTrue(a.json() && a.head().contains("Retry-After"), a.head());
            }
            try (Socket other = from("127.0.0.98")) { // another address is still welcome
                other.getOutputStream().write(RawHttp.ascii("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
                other.setSoTimeout(3000);
                assertEquals(200, RawHttp.read(other).status());
            }
        } finally {
            for (Socket k : socks) k.close();
        }
    }
}
