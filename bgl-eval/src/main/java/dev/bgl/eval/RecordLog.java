package dev.bgl.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The records of one evaluation directory: {@code run.json} (the settings) and {@code records.jsonl} (one
 * {@link EvalRecord} a line, appended and flushed as each sample finishes). Opening a directory resumes it: the
 * records already there are kept, a truncated last line (a killed run) is cut off, and a directory written with
 * other settings is refused unless {@code force}, which discards its records.
 */
public final class RecordLog implements AutoCloseable {
    public static final String RECORDS = "records.jsonl";
    public static final String SETTINGS = "run.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<EvalRecord.Key, EvalRecord> records = new LinkedHashMap<>();
    private final JsonLines out;
    private final int resumed;

    private RecordLog(JsonLines out, List<EvalRecord> existing) {
        this.out = out;
        for (EvalRecord r : existing) records.put(r.key(), r);
        this.resumed = records.size();
    }

    public static RecordLog open(Path dir, EvalSettings settings, boolean force) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BglException("cannot create output directory " + dir + ": " + e.getMessage());
        }
        Path file = dir.resolve(RECORDS), settingsFile = dir.resolve(SETTINGS);
        try {
            List<EvalRecord> existing = List.of();
            if (Files.exists(settingsFile) && !force) {
                EvalSettings old;
                try {
                    old = EvalSettings.fromJson(JSON, JSON.readTree(settingsFile.toFile()));
                } catch (IOException | BglException e) {
                    throw new BglException(settingsFile + ": unreadable run settings (" + e.getMessage() + "); use --force to start over");
                }
                String diff = settings.difference(old);
                if (diff != null)
                    throw new BglException(dir + " holds a run with other settings (" + diff.replaceFirst(": (.*) vs (.*)$", ": now $1, there $2")
                            + "); use another --out, or --force to discard its records");
                if (Files.exists(file)) existing = readAndRepair(file);
            } else if (!Files.exists(settingsFile) && Files.exists(file) && Files.size(file) > 0 && !force) {
                throw new BglException(dir + " holds " + RECORDS + " without " + SETTINGS + "; use another --out, or --force to discard it");
            }
            if (force || existing.isEmpty()) Files.deleteIfExists(file);
            JSON.writeValue(settingsFile.toFile(), settings.toJson(JSON));
            return new RecordLog(JsonLines.append(file), existing);
        } catch (IOException e) {
            throw new BglException("cannot use output directory " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Reads the records. An unterminated last line (a killed run's partial write) is dropped and cut from the
     * file so that appends start on a fresh line; a bad whole line is an error naming its number.
     */
    static List<EvalRecord> readAndRepair(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') end--; // bytes after the last newline: a partial line
        String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
        List<EvalRecord> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) continue;
            try {
                out.add(EvalRecord.fromJson(JSON.readTree(line)));
            } catch (IOException | BglException e) {
                String why = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("unreadable");
                throw new BglException(file + ":" + lineNo + ": bad record (" + why + "); fix or delete the line, or use --force");
            }
        }
        if (end < bytes.length) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(end);
            }
        }
        return out;
    }

    /** Whether a record for this key is already written. */
    public synchronized boolean has(EvalRecord.Key key) {
        return records.containsKey(key);
    }

    /** Appends a record and flushes it to the file at once (a killed run loses at most the samples in flight). */
    public synchronized void append(EvalRecord r) {
        out.write(r.toJson().toString());
        records.put(r.key(), r);
    }

    /** All records, resumed ones first, then in the order they finished. */
    public synchronized List<EvalRecord> records() {
        return Collections.unmodifiableList(new ArrayList<>(records.values()));
    }

    /** How many records were already in the file when it was opened. */
    public int resumed() {
        return resumed;
    }

    public Path file() {
        return out.file();
    }

    @Override
    public synchronized void close() {
        out.close();
    }
}
