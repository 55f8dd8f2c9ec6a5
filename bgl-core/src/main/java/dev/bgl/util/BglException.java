package dev.bgl.util;

/**
 * An error meant for the user: its message names the problem (file, field, value) in one line.
 * The CLI prints only the message (no stack trace unless --debug) and exits non-zero.
 */
public class BglException extends RuntimeException {
    public BglException(String message) {
        super(message);
    }

    public BglException(String message, Throwable cause) {
        super(message, cause);
    }
}
