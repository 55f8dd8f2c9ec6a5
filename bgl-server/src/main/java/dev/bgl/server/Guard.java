package dev.bgl.server;

import dev.bgl.util.BglException;

import java.security.SecureRandom;
import java.util.List;

/**
 * How the server guards itself when it is open to strangers: deadlines for slow clients,
 * connection caps, per-principal rate limits, the admin keys and the key that signs session
 * cookies (docs/security.md, "Serving in the open").
 *
 * @param headerTimeoutMs   a connection must deliver a request's headers within this many ms of opening or of its
 *                          previous answer; idle keep-alive connections are closed at this deadline too
 * @param bodyTimeoutMs     the whole body must arrive within this many ms of the headers (408 after)
 * @param idleTimeoutMs     no byte in either direction for this long closes the connection (also while a slow
 *                          reader holds a streamed answer)
 * @param minBodyBytesPerSecond a body arriving slower than this (measured from its first byte) is refused with 408
 * @param maxConnectionsPerAddress open connections one client address may hold; more are closed at once
 * @param maxConnections    open connections in all; beyond it the server stops accepting until some close
 * @param requestsPerMinute completions one principal may start per minute (429 with Retry-After beyond); 0: no limit
 * @param ratingsPerMinute  ratings one principal may post per minute; 0: no limit
 * @param adminKeys         bearer keys that may read every principal's history and summaries and rate any request
 * @param sessionSecret     HMAC key of the session cookies that identify callers when the server has no API keys
 */
public record Guard(long headerTimeoutMs, long bodyTimeoutMs, long idleTimeoutMs, long minBodyBytesPerSecond,
                    int maxConnectionsPerAddress, int maxConnections, int requestsPerMinute, int ratingsPerMinute,
                    List<String> adminKeys, byte[] sessionSecret) {
    public Guard {
        if (headerTimeoutMs < 100 || headerTimeoutMs > 3_600_000) throw new BglException("--header-timeout must be 0.1..3600 s, got " + headerTimeoutMs + " ms");
        if (bodyTimeoutMs < 100 || bodyTimeoutMs > 3_600_000) throw new BglException("--body-timeout must be 0.1..3600 s, got " + bodyTimeoutMs + " ms");
        if (idleTimeoutMs < 100 || idleTimeoutMs > 3_600_000) throw new BglException("--idle-timeout must be 0.1..3600 s, got " + idleTimeoutMs + " ms");
        if (minBodyBytesPerSecond < 0) throw new BglException("--min-body-rate must be >= 0 bytes/s, got " + minBodyBytesPerSecond);
        if (maxConnectionsPerAddress < 1) throw new BglException("--max-connections-per-address must be >= 1, got " + maxConnectionsPerAddress);
        if (maxConnections < 1) throw new BglException("--max-connections must be >= 1, got " + maxConnections);
        if (requestsPerMinute < 0) throw new BglException("--requests-per-minute must be >= 0 (0: no limit), got " + requestsPerMinute);
        if (ratingsPerMinute < 0) throw new BglException("--ratings-per-minute must be >= 0 (0: no limit), got " + ratingsPerMinute);
        adminKeys = List.copyOf(adminKeys);
        for (String k : adminKeys) if (k.isBlank()) throw new BglException("--admin-key must not be empty");
        if (sessionSecret == null || sessionSecret.length < 16) throw new BglException("the session secret must have at least 16 bytes");
        sessionSecret = sessionSecret.clone();
    }

    /**
     * The defaults of {@code bgl serve}: headers within 10 s, a body within 30 s at 1 KB/s or more,
     * 30 s of silence closes a connection; 64 connections per address, 1024 in all; 600 completions
     * and 120 ratings per principal and minute; no admin key; a fresh random session secret.
     */
    public static Guard defaults() {
        return new Guard(10_000, 30_000, 30_000, 1024, 64, 1024, 600, 120, List.of(), randomSecret());
    }

    public static byte[] randomSecret() {
        byte[] s = new byte[32];
        new SecureRandom().nextBytes(s);
        return s;
    }

    public Guard withTimeouts(long headerMs, long bodyMs, long idleMs, long minRate) {
        return new Guard(headerMs, bodyMs, idleMs, minRate, maxConnectionsPerAddress, maxConnections, requestsPerMinute,
                ratingsPerMinute, adminKeys, sessionSecret);
    }

    public Guard withConnectionCaps(int perAddress, int total) {
        return new Guard(headerTimeoutMs, bodyTimeoutMs, idleTimeoutMs, minBodyBytesPerSecond, perAddress, total, requestsPerMinute,
                ratingsPerMinute, adminKeys, sessionSecret);
    }

    public Guard withRateLimits(int requests, int ratings) {
        return new Guard(headerTimeoutMs, bodyTimeoutMs, idleTimeoutMs, minBodyBytesPerSecond, maxConnectionsPerAddress, maxConnections,
                requests, ratings, adminKeys, sessionSecret);
    }

    public Guard withAdminKeys(List<String> keys) {
        return new Guard(headerTimeoutMs, bodyTimeoutMs, idleTimeoutMs, minBodyBytesPerSecond, maxConnectionsPerAddress, maxConnections,
                requestsPerMinute, ratingsPerMinute, keys, sessionSecret);
    }

    public Guard withSessionSecret(byte[] secret) {
        return new Guard(headerTimeoutMs, bodyTimeoutMs, idleTimeoutMs, minBodyBytesPerSecond, maxConnectionsPerAddress, maxConnections,
                requestsPerMinute, ratingsPerMinute, adminKeys, secret);
    }

    @Override
    public byte[] sessionSecret() {
        return sessionSecret.clone();
    }
}
