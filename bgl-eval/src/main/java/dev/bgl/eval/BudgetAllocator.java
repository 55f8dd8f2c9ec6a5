package dev.bgl.eval;

import dev.bgl.util.BglException;

import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;

/**
 * Shares one pool of thinking tokens among many requests. Budgets always sum to at most the pool.
 * <ul>
 *   <li>{@code uniform}: every request gets floor(pool / n).</li>
 *   <li>{@code proportional}: shares proportional to each request's predicted thinking length (at least 1).</li>
 *   <li>{@code marginal}: greedy on expected accuracy: chunk by chunk, the tokens go to the request whose
 *       {@link AccuracyCurve} gains most per token from its current budget; tokens nobody gains from stay in
 *       the pool.</li>
 * </ul>
 * Stateless; {@link Plan} re-plans as requests finish.
 */
public final class BudgetAllocator {

    public enum Policy {
        UNIFORM, PROPORTIONAL, MARGINAL;

        public static Policy parse(String name) {
            String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
            for (Policy p : values()) if (p.name().toLowerCase(Locale.ROOT).equals(n)) return p;
            throw new BglException("unknown allocation policy '" + name + "' (known: uniform, proportional, marginal)");
        }
    }

    /** A request to budget: its id and the predictor's expected thinking length (its difficulty). */
    public record Request(String id, double predictedThinking) {
    }

    private final Policy policy;
    private final AccuracyCurves curves;
    private final int chunk;

    /**
     * @param curves needed by {@code marginal} only (may be null otherwise)
     * @param chunk  tokens handed out per greedy step of {@code marginal} (1 = exact)
     */
    public BudgetAllocator(Policy policy, AccuracyCurves curves, int chunk) {
        if (policy == null) throw new BglException("budget allocator: no policy");
        if (policy == Policy.MARGINAL && curves == null) throw new BglException("the marginal policy needs accuracy curves (--curves RECORDS.jsonl)");
        if (chunk < 1) throw new BglException("budget allocator: chunk must be >= 1 token, got " + chunk);
        this.policy = policy;
        this.curves = curves;
        this.chunk = chunk;
    }

    public Policy policy() {
        return policy;
    }

    /** Budgets for these requests, in their order, summing to at most {@code pool}. */
    public int[] allocate(List<Request> requests, long pool) {
        if (pool < 0) throw new BglException("token pool must be >= 0, got " + pool);
        int n = requests.size();
        int[] out = new int[n];
        if (n == 0) return out;
        switch (policy) {
            case UNIFORM -> java.util.Arrays.fill(out, (int) Math.min(Integer.MAX_VALUE, pool / n));
            case PROPORTIONAL -> {
                double sum = 0;
                for (Request r : requests) sum += weight(r);
                for (int i = 0; i < n; i++) out[i] = (int) Math.min(Integer.MAX_VALUE, Math.floor(pool * (weight(requests.get(i)) / sum)));
                // floor keeps the sum <= pool, but rounding of the division may not; trim the largest if so
                long total = 0;
                for (int b : out) total += b;
                for (int i = 0; total > pool; i = (i + 1) % n) if (out[i] > 0) { out[i]--; total--; }
            }
            case MARGINAL -> marginal(requests, pool, out);
        }
        return out;
    }

    /** Unknown or non-positive predictions weigh as 1 token, so every request gets a share. */
    private static double weight(Request r) {
        double p = r.predictedThinking();
        return Double.isFinite(p) && p > 1 ? p : 1;
    }

    private void marginal(List<Request> requests, long pool, int[] out) {
        int n = requests.size();
        AccuracyCurve[] curve = new AccuracyCurve[n];
        // highest gain first; ties go to the earlier request so plans are reproducible
        PriorityQueue<double[]> queue = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Double.compare(b[0], a[0]) : Double.compare(a[1], b[1]));
        for (int i = 0; i < n; i++) {
            curve[i] = curves.curve(requests.get(i).predictedThinking());
            double g = curve[i].gainPerToken(0);
            if (g > 0) queue.add(new double[]{g, i});
        }
        long left = pool;
        while (left > 0 && !queue.isEmpty()) {
            int i = (int) queue.poll()[1];
            int give = (int) Math.min(chunk, left);
            out[i] += give;
            left -= give;
            double g = curve[i].gainPerToken(out[i]);
            if (g > 0) queue.add(new double[]{g, i});
        }
    }

    /**
     * A pool shared by requests run one after another: each starts with its planned budget, and when one
     * finishes, what it did not use goes back and the pool left is re-planned over the requests not yet started.
     */
    public Plan plan(List<Request> requests, long pool) {
        return new Plan(requests, pool);
    }

    public final class Plan {
        private final List<Request> requests;
        private final long pool;
        private final int[] budget;
        private final boolean[] started;
        private final java.util.BitSet done = new java.util.BitSet();
        private long spent;

        private Plan(List<Request> requests, long pool) {
            this.requests = List.copyOf(requests);
            this.pool = pool;
            this.budget = allocate(this.requests, pool);
            this.started = new boolean[this.requests.size()];
        }

        /** The budget request i gets now; it counts as started (its budget is no longer re-planned). */
        public int start(int i) {
            check(i);
            if (started[i]) throw new BglException("request " + requests.get(i).id() + " already started");
            started[i] = true;
            return budget[i];
        }

        /** The current budget of request i (planned, or fixed once started). */
        public int budget(int i) {
            check(i);
            return budget[i];
        }

        /**
         * Request i finished having used {@code used} thinking tokens: its unused budget returns to the pool,
         * which is re-planned over the requests not yet started. Returns the tokens returned (negative: it
         * overshot, and the others share less).
         */
        public long replan(int i, int used) {
            check(i);
            if (!started[i]) throw new BglException("request " + requests.get(i).id() + " finished before it started");
            if (done.get(i)) throw new BglException("request " + requests.get(i).id() + " already finished");
            if (used < 0) throw new BglException("tokens used must be >= 0, got " + used);
            long returned = (long) budget[i] - used;
            budget[i] = used;
            spent += used;
            List<Integer> pending = new java.util.ArrayList<>();
            long reserved = 0; // started and still running: their budgets stay theirs
            for (int j = 0; j < budget.length; j++) {
                if (!started[j]) pending.add(j);
            }
            for (int j = 0; j < budget.length; j++) if (started[j] && j != i && !finished(j)) reserved += budget[j];
            long left = Math.max(0, pool - spent - reserved);
            int[] fresh = allocate(pending.stream().map(requests::get).toList(), left);
            for (int k = 0; k < pending.size(); k++) budget[pending.get(k)] = fresh[k];
            finishedMark(i);
            return returned;
        }

        private boolean finished(int j) {
            return done.get(j);
        }

        private void finishedMark(int j) {
            done.set(j);
        }

        /** Tokens used by finished requests. */
        public long spent() {
            return spent;
        }

        /** Tokens neither used by finished requests nor held by started or pending ones. */
        public long unallocated() {
            long held = spent;
            for (int j = 0; j < budget.length; j++) if (!done.get(j)) held += budget[j];
            return pool - held;
        }

        private void check(int i) {
            if (i < 0 || i >= budget.length) throw new BglException("no request " + i + " (have " + budget.length + ")");
        }
    }
}
