package dev.bgl.eval;

import dev.bgl.util.BglException;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A JSON-lines file opened for appending, each line flushed as it is written (a killed run loses at most the
 * lines in flight): what {@link RecordLog} and {@link TextLog} write through. Not synchronised: its owners are.
 */
final class JsonLines implements AutoCloseable {
    private final Path file;
    private final Writer out;

    private JsonLines(Path file, Writer out) {
        this.file = file;
        this.out = out;
    }

    /** Opens {@code file} for appending, creating it when missing. */
    static JsonLines append(Path file) throws IOException {
        return new JsonLines(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    /** Writes one line (a JSON value without line breaks) and flushes it. */
    void write(String json) {
        try {
            out.write(json);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new BglException("cannot write " + file + ": " + e.getMessage());
        }
    }

    Path file() {
        return file;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new BglException("cannot close " + file + ": " + e.getMessage());
        }
    }
}
