package dev.bgl.budget;

import dev.bgl.budget.predictor.GammaMath;
import dev.bgl.decode.Sampler;

import java.util.Arrays;

/**
 * The arithmetic of one guided step, without state: the model's distribution, the candidates
 * whose Gamma heads are computed, the validity mask, and p′ ∝ p·c written back into the logits.
 * {@link GuidanceReweight} runs it; kept apart so each rule is one small function to test.
 */
final class GuidanceMath {
    private GuidanceMath() {
    }

    /**
     * Whether guidance cannot change the choice: with a plausibility floor minP &gt; 0, no token
     * below {@code n} other than the most likely one has p ≥ minP·p_max, and the token spared from
     * the floor ({@code spared}, −1: none) is the most likely one or impossible. Reweighting then
     * keeps the most likely token alone, or falls back to it when its weight is 0; either way it is
     * the only choice (tokens from {@code n} on are never candidates).
     */
    static boolean settled(double[] p, int n, double minP, int spared) {
        if (!(minP > 0)) return false;
        int best = 0;
        for (int v = 1; v < p.length; v++) if (p[v] > p[best]) best = v;
        if (spared >= 0 && spared < n && spared != best && p[spared] > 0) return false;
        double plausible = minP * p[best];
        for (int v = 0; v < n; v++) if (v != best && p[v] >= plausible) return false;
        return true;
    }

    /** p = softmax(logits) in double, over the whole array. */
    static void softmax(float[] logits, double[] p) {
        int n = logits.length;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = logits[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp(logits[i] - max);
        for (int i = 0; i < n; i++) p[i] /= sum;
    }

    /**
     * The candidate tokens below {@code n} into {@code out}, returning their count: every token with
     * p ≥ floor, then (if their mass is short of top-p) the next most likely ones until it is
     * reached, at most top-k in all (the most likely kept); and {@code </think>} ({@code closeId})
     * whatever its probability, as the full vocabulary would weigh it: it is the token guidance
     * exists to promote, and mid-thought the model rarely gives it 1e-4.
     */
    static int selectCandidates(double[] p, int n, GuidanceOptions o, int[] out, long[] keys, int closeId) {
        int m = selectLikely(p, n, o, out, keys);
        if (closeId < 0 || closeId >= n || !(p[closeId] > 0)) return m;
        for (int i = 0; i < m; i++) if (out[i] == closeId) return m;
        out[m] = closeId;
        return m + 1;
    }

    private static int selectLikely(double[] p, int n, GuidanceOptions o, int[] out, long[] keys) {
        double floor = o.candidateFloor(), topP = o.candidateTopP();
        int cap = o.candidateTopK(), m = 0;
        double mass = 0;
        for (int v = 0; v < n; v++) {
            if (p[v] >= floor) {
                out[m++] = v;
                mass += p[v];
            }
        }
        if (m > cap) {
            for (int i = 0; i < m; i++) keys[i] = key(p[out[i]], out[i]);
            Arrays.sort(keys, 0, m);
            for (int i = 0; i < cap; i++) out[i] = (int) keys[i];
            return cap;
        }
        if (mass >= topP || m == cap) return m;
        int r = 0;
        for (int v = 0; v < n; v++) if (p[v] < floor && p[v] > 0) keys[r++] = key(p[v], v);
        Arrays.sort(keys, 0, r);
        for (int i = 0; i < r && mass < topP && m < cap; i++) {
            int v = (int) keys[i];
            out[m++] = v;
            mass += p[v];
        }
        return m;
    }

    /** A sort key: ascending keys are descending probabilities, ties by id. */
    private static long key(double prob, int id) {
        return ((long) ~Float.floatToIntBits((float) prob) << 32) | id;
    }

    /**
     * Writes log p′ into the logits: p′ ∝ p·c over the candidates {@code ids[0..m)}, whose α and λ are
     * {@code alpha[i]}, {@code lambda[i]}; every other token gets −∞, and so does a candidate below
     * the plausibility floor minP·p_max other than {@code spared} (−1: none). When no candidate
     * keeps any mass, the argmax of the logits gets all of it. Returns whether that fallback was taken.
     * Overwrites {@code p} at the candidates.
     */
    static boolean reweight(float[] logits, double[] p, int[] ids, int m, float[] alpha, float[] lambda, int remaining,
                            GuidanceOptions o, int spared) {
        return reweight(logits, p, ids, m, alpha, lambda, null, remaining, o, spared);
    }

    /**
     * {@link #reweight} where {@code chance[i]}, when not NaN (and {@code chance} not null), is candidate i's
     * chance to fit as measured ahead of it ({@link #chanceAhead}), used in place of its own Gamma's.
     */
    static boolean reweight(float[] logits, double[] p, int[] ids, int m, float[] alpha, float[] lambda, double[] chance,
                            int remaining, GuidanceOptions o, int spared) {
        double x = GammaMath.encode(fittingLength(remaining));
        int best = Sampler.argmax(logits, logits.length);
        double plausible = o.minP() * p[best];
        double total = 0;
        for (int i = 0; i < m; i++) {
            int v = ids[i];
            double w = p[v] < plausible && v != spared ? 0
                    : p[v] * (chance != null && !Double.isNaN(chance[i]) ? strength(chance[i], o) : weight(alpha[i], lambda[i], x, o));
            p[v] = w;
            total += w;
        }
        Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        if (!(total > 0)) {
            logits[best] = 0f;
            return true;
        }
        for (int i = 0; i < m; i++) {
            int v = ids[i];
            logits[v] = p[v] > 0 ? (float) Math.log(p[v] / total) : Float.NEGATIVE_INFINITY;
        }
        return false;
    }

    /**
     * The longest remaining length L that fits when {@code remaining} thinking tokens are left: L counts
     * the candidate and every token after it up to and including the close marker (the predictor's
     * label), and the budget counts the thinking strictly inside the markers, so the close is free:
     * L ≤ R + 1. With nothing left only the close itself fits (L = 1). The paper's budget counts every
     * generated token, the close too, and its condition is L ≤ R: taken as it is here, a guided thought
     * was held one token short of its budget (a 30-token budget was planned as 29).
     */
    static int fittingLength(int remaining) {
        return Math.max(remaining, 0) + 1;
    }

    /** c^γ, c = P(X ≤ x) under Gamma(α, λ), when the Gamma passes the official validity mask, else 0 (γ: {@link GuidanceOptions#scale}). */
    static double weight(double alpha, double lambda, double x, GuidanceOptions o) {
        return strength(chance(alpha, lambda, x, o), o);
    }

    /** c = P(X ≤ x) under Gamma(α, λ) when the Gamma passes the validity mask, else 0. */
    static double chance(double alpha, double lambda, double x, GuidanceOptions o) {
        return valid(alpha, lambda, o) ? GammaMath.cdf(alpha, lambda, x) : 0;
    }

    /** c^γ (γ: {@link GuidanceOptions#scale}). */
    static double strength(double c, GuidanceOptions o) {
        return o.scale() == 1 ? c : Math.pow(c, o.scale());
    }

    /**
     * A candidate's chance to fit, read one token ahead of it: at the position after it, the next
     * step's candidates {@code ids[0..m)} with α, λ from the predictor there and probabilities
     * {@code p} from the model there; the mean of their chances with {@code remaining} thinking
     * tokens left, weighted by p over those counted. {@code excluded} (−1: none) is left out: the
     * close marker where the thought cannot close (mid-line). 0 when nothing is counted.
     */
    static double chanceAhead(double[] p, int[] ids, int m, float[] alpha, float[] lambda, int remaining, GuidanceOptions o, int excluded) {
        double x = GammaMath.encode(fittingLength(remaining)), sum = 0, mass = 0;
        for (int i = 0; i < m; i++) {
            int v = ids[i];
            if (v == excluded) continue;
            sum += p[v] * chance(alpha[i], lambda[i], x, o);
            mass += p[v];
        }
        return mass > 0 ? sum / mass : 0;
    }

    /** The official mask: λ ≥ 10, α > 1 and a mode length exp((α−1)/λ) − 1 ≥ 0.9 (thresholds from the options). */
    static boolean valid(double alpha, double lambda, GuidanceOptions o) {
        return lambda >= o.minLambda() && alpha > o.minAlpha() && GammaMath.modeLength(alpha, lambda) >= o.minModeLength();
    }
}
