package dev.bgl.client;

import java.util.ArrayList;
import java.util.List;

/** Whether the server's memory stayed flat under load: the trends of its memory series. */
final class MemoryTrends {
    /** Relative tolerance of a memory trend, and the floor under it (small series jitter by a few MB). */
    static final double FLAT_FRACTION = 0.05;
    static final double FLAT_FLOOR_BYTES = 8 << 20;

    private MemoryTrends() {
    }

    /**
     * Memory trends over the second half of the run (the first half warms up: JIT, heap sizing,
     * thread stacks): the server's RSS, and its heap after GC (young pools after their last
     * collection plus the old generation: the live data, without the garbage that "heap used"
     * swings through between collections). Flat: the least-squares change across the half is
     * within 5% of the mean, or 8 MiB, whichever is more.
     */
    static List<LoadTest.Trend> of(List<LoadTest.Sample> samples, double duration) {
        List<LoadTest.Sample> half = samples.stream().filter(x -> x.t() >= duration / 2).toList();
        List<LoadTest.Trend> out = new ArrayList<>();
        if (half.size() < 3) return out;
        double span = duration / 2;
        if (half.get(0).rss() >= 0) out.add(trend("rss", half.stream().map(x -> new double[]{x.t(), x.rss()}).toList(), span));
        if (half.get(0).heapAfterGc() >= 0)
            out.add(trend("heap_after_gc", half.stream().map(x -> new double[]{x.t(), x.heapAfterGc()}).toList(), span));
        return out;
    }

    static LoadTest.Trend trend(String name, List<double[]> pts, double span) {
        int n = pts.size();
        double mt = 0, mv = 0;
        for (double[] p : pts) {
            mt += p[0] / n;
            mv += p[1] / n;
        }
        double num = 0, den = 0;
        for (double[] p : pts) {
            num += (p[0] - mt) * (p[1] - mv);
            den += (p[0] - mt) * (p[0] - mt);
        }
        double slope = den == 0 ? 0 : num / den;
        double change = slope * span;
        double tol = Math.max(FLAT_FRACTION * mv, FLAT_FLOOR_BYTES);
        return new LoadTest.Trend(name, n, mv, change, tol, Math.abs(change) <= tol);
    }
}
