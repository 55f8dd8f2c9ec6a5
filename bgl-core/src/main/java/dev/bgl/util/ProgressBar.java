package dev.bgl.util;

import java.io.PrintStream;

/**
 * A one-line progress bar with rate and ETA for long jobs, redrawn in place on a terminal (at most
 * a few times a second) and printed as occasional plain lines when the output is not a terminal.
 */
public final class ProgressBar {
    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean tty;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long done;
    /** Units already done when the bar started (a resumed job), so the ETA uses this run's rate only. */
    private long base = -1;
    private boolean finished;
    private String extra = "";

    public ProgressBar(String label, long total, PrintStream out) {
        this.label = label;
        this.total = Math.max(1, total);
        this.out = out;
        this.tty = System.console() != null;
    }

    /** Sets progress to {@code done} units and an optional status (e.g. "loss 1.23"). */
    public synchronized void update(long done, String extra) {
        if (base < 0) base = Math.max(0, done - 1);
        this.done = Math.min(done, total);
        this.extra = extra == null ? "" : extra;
        long now = System.nanoTime();
        if (now - lastDraw > (tty ? 200_000_000L : 5_000_000_000L)) {
            lastDraw = now;
            draw(false);
        }
    }

    public void step(long by) {
        update(done + by, extra);
    }

    /** Draws the final line once. */
    public synchronized void finish() {
        if (finished) return;
        finished = true;
        done = total;
        draw(true);
    }

    private void draw(boolean last) {
        double secs = (System.nanoTime() - start) / 1e9;
        double frac = (double) done / total;
        int width = 30, filled = (int) Math.round(frac * width);
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        long run = done - Math.max(0, base);
        String eta = run > 0 && done < total ? " ETA " + time(secs / run * (total - done)) : "";
        String line = String.format("%s [%s] %3.0f%% %s%s%s", label, bar, frac * 100, time(secs), eta,
                extra.isEmpty() ? "" : " " + extra);
        if (tty) out.print("\r" + line + (last ? "\n" : ""));
        else out.println(line);
        out.flush();
    }

    static String time(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%dh%02dm", t / 3600, t / 60 % 60) : String.format("%dm%02ds", t / 60, t % 60);
    }
}
