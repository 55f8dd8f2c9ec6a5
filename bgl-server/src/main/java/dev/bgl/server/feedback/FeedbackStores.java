package dev.bgl.server.feedback;

import dev.bgl.util.BglException;

import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the feedback store that {@code serve --db} names. */
public final class FeedbackStores {
    private FeedbackStores() {
    }

    /** {@code jdbc:sqlite:FILE}, {@code jdbc:postgresql://HOST/DB?user=..&password=..}, or a plain file path (SQLite). */
    public static SqlFeedbackStore open(String dbUrlOrPath) {
        return open(dbUrlOrPath, PolicyConfig.DEFAULT);
    }

    public static SqlFeedbackStore open(String dbUrlOrPath, PolicyConfig policy) {
        return new SqlFeedbackStore(jdbcUrl(dbUrlOrPath), policy);
    }

    /**
     * The JDBC URL for a --db value. A SQLite file's folder must exist (a typo in the path must
     * not quietly create folders and start with empty feedback), and an existing file must be a
     * SQLite database.
     */
    static String jdbcUrl(String db) {
        if (db == null || db.isBlank()) throw new BglException("--db: empty database path or URL");
        if (db.startsWith("jdbc:postgresql:")) return db;
        String file;
        if (db.startsWith("jdbc:sqlite:")) file = db.substring("jdbc:sqlite:".length());
        else if (db.startsWith("jdbc:")) throw new BglException("--db: unsupported database '" + SqlFeedbackStore.redact(db)
                + "' (use jdbc:sqlite:FILE, jdbc:postgresql://HOST/DB or a file path)");
        else if (db.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*"))
            throw new BglException("--db: '" + SqlFeedbackStore.redact(db) + "' is a URL but not a JDBC one (use jdbc:postgresql://HOST/DB, jdbc:sqlite:FILE or a file path)");
        else file = db;
        if (file.isBlank() || file.equals(":memory:") || file.startsWith("file:"))
            throw new BglException("--db: give SQLite a file path (an in-memory database would lose every rating), got '" + db + "'");
        Path p = Path.of(file).toAbsolutePath();
        if (p.getParent() != null && !Files.isDirectory(p.getParent()))
            throw new BglException("--db: the folder " + p.getParent() + " does not exist (create it first, or give another path)");
        if (Files.isDirectory(p)) throw new BglException("--db: " + p + " is a folder, not a database file");
        if (Files.isRegularFile(p) && !isSqliteOrEmpty(p))
            throw new BglException("--db: " + p + " is not a SQLite database (it does not start with \"SQLite format 3\"); give a new file name or a SQLite file");
        return "jdbc:sqlite:" + p;
    }

    /** SQLite files start with these 16 bytes; an empty file is a database SQLite will initialise. */
    private static boolean isSqliteOrEmpty(Path p) {
        byte[] magic = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (var in = Files.newInputStream(p)) {
            byte[] head = in.readNBytes(magic.length);
            return head.length == 0 || java.util.Arrays.equals(head, magic);
        } catch (java.io.IOException e) {
            throw new BglException("--db: cannot read " + p + ": " + e.getMessage());
        }
    }
}
