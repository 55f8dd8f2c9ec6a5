package dev.bgl.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Who may call the API (bearer keys) and who a caller is (the user id of the contract). */
final class Access {
    static final String USER_COOKIE = "bgl_user";
    private final List<byte[]> keys;

    Access(List<String> apiKeys) {
        this.keys = apiKeys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    boolean required() {
        return !keys.isEmpty();
    }

    /**
     * The key of an {@code Authorization: Bearer KEY} header when it is one of ours; null when
     * keys are off; 401 otherwise. Compared in constant time.
     */
    String check(String authorization) {
        if (keys.isEmpty()) return null;
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) throw ApiError.unauthorized();
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] k : keys) ok |= MessageDigest.isEqual(k, given);
        if (!ok) throw ApiError.unauthorized();
        return new String(given, StandardCharsets.UTF_8);
    }

    /** With keys "key-" + 8 hex of SHA-256(key); else the body's user, the cookie, or "anonymous". */
    static String userId(String key, String bodyUser, String cookie) {
        if (key != null) return "key-" + sha256Hex(key).substring(0, 8);
        if (bodyUser != null && !bodyUser.isBlank()) return bodyUser;
        if (cookie != null && cookie.matches("[A-Za-z0-9_-]{1,64}")) return cookie;
        return "anonymous";
    }

    static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
