package dev.bgl.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per key: {@code perMinute} tokens, refilled evenly over a minute, so a burst of a
 * minute's worth is allowed and then one every 60/perMinute seconds. Full buckets are forgotten
 * when the map grows, so fresh keys cannot fill memory.
 */
final class RateLimiter {
    private static final int FORGET_ABOVE = 10_000;
    private final int perMinute;
    private final String what;
    private final Map<String, double[]> buckets = new ConcurrentHashMap<>(); // {tokens, last nanoTime}

    /** @param what "requests" or "ratings", for the 429's message; perMinute 0: no limit */
    RateLimiter(int perMinute, String what) {
        this.perMinute = perMinute;
        this.what = what;
    }

    /** Takes one token for this key, or throws 429 with the seconds until one is back. */
    void acquire(String key) {
        if (perMinute == 0) return;
        long now = System.nanoTime();
        if (buckets.size() > FORGET_ABOVE) forgetFull(now);
        double[] b = buckets.computeIfAbsent(key, k -> new double[]{perMinute, now});
        int retry;
        synchronized (b) {
            refill(b, now);
            if (b[0] >= 1) {
                b[0] -= 1;
                return;
            }
            retry = (int) Math.ceil((1 - b[0]) * 60.0 / perMinute);
        }
        throw ApiError.principalRateLimited(what, perMinute, Math.max(1, retry));
    }

    private void refill(double[] b, long now) {
        b[0] = Math.min(perMinute, b[0] + (now - (long) b[1]) / 60e9 * perMinute);
        b[1] = now;
    }

    private void forgetFull(long now) {
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                refill(e.getValue(), now);
                return e.getValue()[0] >= perMinute;
            }
        });
    }
}
