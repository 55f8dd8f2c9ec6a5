package dev.bgl.util;

import java.util.function.LongPredicate;

/** Searches over a condition that holds up to some count and not past it. */
public final class Monotone {
    private Monotone() {
    }

    /**
     * The largest k ≥ 0 with {@code fits(k)}, given that {@code fits(0)} holds and that once it fails it
     * fails for every larger k: by doubling, then bisection. Long.MAX_VALUE when it still holds past
     * {@code cap} (a cost that stops growing).
     */
    public static long largest(LongPredicate fits, long cap) {
        long lo = 0, hi = 1;
        while (fits.test(hi)) {
            if (hi > cap) return Long.MAX_VALUE;
            lo = hi;
            hi *= 2;
        }
        while (hi - lo > 1) { // fits(lo), !fits(hi)
            long mid = (lo + hi) >>> 1;
            if (fits.test(mid)) lo = mid;
            else hi = mid;
        }
        return lo;
    }
}
