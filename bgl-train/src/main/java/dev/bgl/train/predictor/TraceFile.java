package dev.bgl.train.predictor;

import dev.bgl.util.BglException;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code traces.jsonl}: one {@link Trace} per line, appended as each finishes. A last line without
 * its newline is what an interrupted writer leaves; readers skip it (and the collector cuts it off
 * before resuming), while a bad line anywhere else is an error naming its line number.
 */
public final class TraceFile {
    public static final String NAME = "traces.jsonl";

    /** What was read: the traces, and whether an unfinished last line was skipped. */
    public record Contents(List<Trace> traces, boolean truncatedTail, long completeBytes) {
    }

    private TraceFile() {
    }

    /** The traces file of a folder (a path to a {@code .jsonl} file is taken as it is). */
    public static Path in(Path dirOrFile) {
        return dirOrFile.toString().endsWith(".jsonl") ? dirOrFile : dirOrFile.resolve(NAME);
    }

    /**
     * Reads all traces; {@code vocab} > 0 checks each against the model that will use it (its
     * recorded vocabulary size and every token id).
     */
    public static Contents read(Path file, int vocab) {
        if (!Files.isRegularFile(file)) throw new BglException(file + ": no traces file (run 'bgl collect-traces' first)");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BglException(file + ": cannot read: " + e.getMessage(), e);
        }
        List<Trace> out = new ArrayList<>();
        int start = 0, lineNo = 0;
        long complete = 0;
        boolean truncated = false;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') end++;
            lineNo++;
            boolean hasNewline = end < bytes.length;
            String line = new String(bytes, start, end - start, StandardCharsets.UTF_8).strip();
            if (!line.isEmpty()) {
                String where = file + " line " + lineNo;
                try {
                    Trace t = Trace.parse(line, where);
                    if (vocab > 0) check(t, vocab, where);
                    out.add(t);
                } catch (BglException e) {
                    if (hasNewline) throw e;
                    truncated = true; // an interrupted write: the collector redoes it
                    break;
                }
            }
            if (hasNewline) complete = end + 1;
            else complete = bytes.length;
            start = end + 1;
        }
        return new Contents(out, truncated, complete);
    }

    static void check(Trace t, int vocab, String where) {
        if (t.vocab() > 0 && t.vocab() != vocab)
            throw new BglException(where + ": trace " + t.id() + " was made with a model of vocabulary " + t.vocab()
                    + " (" + t.model() + "), but this model has " + vocab + " tokens");
        for (int[] ids : new int[][]{t.promptTokens(), t.tokens()})
            for (int id : ids)
                if (id >= vocab) throw new BglException(where + ": trace " + t.id() + " has token id " + id
                        + ", outside this model's vocabulary of " + vocab + " (traces of another model?)");
    }

    /** Cuts an unfinished last line off so that appending continues on a clean line. */
    static void cutTo(Path file, long bytes) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            if (f.length() > bytes) f.setLength(bytes);
            if (bytes > 0) {
                f.seek(bytes - 1);
                if (f.read() != '\n') {
                    f.seek(bytes);
                    f.write('\n');
                }
            }
        } catch (IOException e) {
            throw new BglException(file + ": cannot repair the unfinished last line: " + e.getMessage(), e);
        }
    }
}
