package dev.bgl.decode;

/** A flag another thread sets to stop a generation at its next step (client gone, user pressed stop). */
public final class Cancellation {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
