package dev.bgl.format;

import dev.bgl.util.BglException;

import java.nio.file.Path;

/** A model file that cannot be read: truncated, corrupt, or of an unsupported kind. */
public final class FormatException extends BglException {
    public FormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public FormatException(String message) {
        super(message);
    }
}
