package dev.bgl.fuzz;

import dev.bgl.util.BglException;

/**
 * The contract every fuzz target checks: an input either parses or fails with our
 * {@link BglException} carrying a one-line message. Any other throwable (a RuntimeException from
 * deep inside, OutOfMemoryError, StackOverflowError) escapes and is a finding.
 */
public final class Contract {
    private Contract() {
    }

    public interface Body {
        void run() throws Exception;
    }

    /** True when the input parsed, false when it was refused with a clear BglException. */
    public static boolean parsesOrFailsClearly(Body body) {
        try {
            body.run();
            return true;
        } catch (BglException e) {
            String m = e.getMessage();
            if (m == null || m.isBlank()) throw new AssertionError("BglException without a message", e);
            return false;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("checked exception escaped: " + e, e);
        }
    }
}
