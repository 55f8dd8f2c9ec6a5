package dev.bgl.eval;

import dev.bgl.util.BglException;

import java.nio.file.Path;

/** A benchmark task file that cannot be used; the message names the file and, where known, the line. */
public final class TaskFileException extends BglException {
    public TaskFileException(Path file, int line, String problem) {
        super(file + ":" + line + ": " + problem);
    }

    public TaskFileException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
