package dev.bgl.server.feedback;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The task type of a question, for per-type budget policies: the families of the default model's
 * curriculum ({@code dev.bgl.tasks}) are told apart by how their questions start; anything
 * else is "general".
 */
public final class TaskTypes {
    private TaskTypes() {
    }

    public static String of(String question) {
        if (question == null) return "general";
        String q = question.strip();
        if (q.startsWith("Add:")) return "sum";
        if (q.startsWith("Multiply:")) return "mul";
        if (q.startsWith("Solve for x:")) return "linear";
        if (q.startsWith("Count the vowels")) return "count";
        return "general";
    }

    /** SHA-256 of the question text (UTF-8), lower-case hex: what the store keeps instead of the text. */
    public static String hash(String question) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((question == null ? "" : question).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
