package dev.bgl.server;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Who may call the API and who a caller is ({@link Principal}). With API keys, the bearer key is
 * the identity (an admin key is one too, and more). Without, a session cookie signed with the
 * server's secret is: it is minted on the first call and sent back with every answer, so a
 * browser keeps it and curl keeps it with {@code -c/-b}. The body's {@code user} field is no
 * identity (anyone can write any name in it).
 */
final class Access {
    static final String SESSION_COOKIE = "bgl_session";
    private static final SecureRandom RANDOM = new SecureRandom();
    private final List<byte[]> keys;
    private final List<byte[]> adminKeys;
    private final byte[] secret;

    Access(List<String> apiKeys, List<String> adminKeys, byte[] sessionSecret) {
        this.keys = apiKeys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.adminKeys = adminKeys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.secret = sessionSecret.clone();
    }

    /** What a caller brought: its Authorization header and session cookie, and its address. */
    record Credentials(String authorization, String sessionCookie, String address) {
    }

    /** The caller, and a cookie to set when a new session was minted (null otherwise). */
    record Identified(Principal principal, String setCookie) {
    }

    /**
     * The caller: an admin key, an API key (401 for a wrong or missing one when the server has
     * keys), else the session of a validly signed cookie, else a new session.
     */
    Identified identify(Credentials c) {
        String given = bearer(c.authorization());
        if (given != null) {
            byte[] g = given.getBytes(StandardCharsets.UTF_8);
            if (matches(adminKeys, g)) return new Identified(new Principal("admin-" + sha256Hex(given).substring(0, 8), true, true, c.address()), null);
            if (matches(keys, g)) return new Identified(new Principal("key-" + sha256Hex(given).substring(0, 8), false, true, c.address()), null);
            if (!keys.isEmpty() || !adminKeys.isEmpty()) throw ApiError.unauthorized();
        }
        if (!keys.isEmpty()) throw ApiError.unauthorized();
        String session = verify(c.sessionCookie());
        if (session != null) return new Identified(new Principal(session, false, true, c.address()), null);
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        String fresh = "s" + HexFormat.of().formatHex(id);
        return new Identified(new Principal(fresh, false, false, c.address()), cookie(fresh));
    }

    /** The Set-Cookie value of a session: signed, HttpOnly (the page never reads it), a year long. */
    String cookie(String session) {
        return SESSION_COOKIE + "=" + session + "." + sign(session) + "; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax";
    }

    /** The session id of a cookie value whose signature checks, else null. */
    String verify(String cookie) {
        if (cookie == null) return null;
        int dot = cookie.indexOf('.');
        if (dot <= 0) return null;
        String id = cookie.substring(0, dot);
        if (!id.matches("s[0-9a-f]{24}")) return null;
        byte[] want = sign(id).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(want, cookie.substring(dot + 1).getBytes(StandardCharsets.US_ASCII)) ? id : null;
    }

    private String sign(String id) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(id.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        return authorization.substring(7).strip();
    }

    /** Compared with every key in constant time. */
    private static boolean matches(List<byte[]> ks, byte[] given) {
        boolean ok = false;
        for (byte[] k : ks) ok |= MessageDigest.isEqual(k, given);
        return ok;
    }

    static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
