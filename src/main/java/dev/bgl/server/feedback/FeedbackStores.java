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

    /** The JDBC URL for a --db value; creates the folder of a SQLite file. */
    static String jdbcUrl(String db) {
        if (db == null || db.isBlank()) throw new BglException("--db: empty database path or URL");
        if (db.startsWith("jdbc:postgresql:")) return db;
        String file;
        if (db.startsWith("jdbc:sqlite:")) file = db.substring("jdbc:sqlite:".length());
        else if (db.startsWith("jdbc:")) throw new BglException("--db: unsupported database '" + SqlFeedbackStore.redact(db)
                + "' (use jdbc:sqlite:FILE, jdbc:postgresql://HOST/DB or a file path)");
        else file = db;
        if (file.isBlank() || file.equals(":memory:") || file.startsWith("file:"))
            throw new BglException("--db: give SQLite a file path (an in-memory database would lose every rating), got '" + db + "'");
        Path p = Path.of(file).toAbsolutePath();
        try {
            if (p.getParent() != null) Files.createDirectories(p.getParent());
        } catch (java.io.IOException e) {
            throw new BglException("--db: cannot create the folder of " + p + ": " + e.getMessage());
        }
        if (Files.isDirectory(p)) throw new BglException("--db: " + p + " is a folder, not a database file");
        return "jdbc:sqlite:" + p;
    }
}
