package dev.bgl.model;

import dev.bgl.tensor.Activations;
import dev.bgl.tensor.Kernels;
import dev.bgl.tensor.Parallel;
import dev.bgl.tensor.Tensor;
import dev.bgl.tensor.VectorOps;

/**
 * The mixture-of-experts feed-forward of qwen3moe, in llama.cpp's order: router logits, softmax
 * over all experts, the top k by probability, their probabilities rescaled to sum to 1 (when the
 * model says so), each chosen expert's SwiGLU scaled by its weight, and the k results added in
 * rank order (the order ggml adds them, so F32 sums round alike).
 *
 * <p>gpt-oss ({@link Architecture#gptOss()}, llama.cpp's SOFTMAX_WEIGHT gating and
 * LLM_FFN_SWIGLU_OAI_MOE): the router's logits get a bias, the top k LOGITS are chosen and only
 * those k are softmaxed into the weights; each expert's three products get that expert's bias,
 * and the activation is the clamped {@link #swigluOai} instead of SiLU(gate)·up.
 *
 * <p>Tokens are grouped by expert: each expert's matrices are multiplied once with all the rows
 * of the chunk routed to it, and an expert no token chose is never read, which is what makes a
 * decode step read about the active parameters only.
 */
final class ExpertMixture {
    private final ExpertConfig e;
    private final int dim;
    final float[] logits;    // [n][count]
    final int[] chosen;      // [n][used], best first
    final float[] weights;   // [n][used]
    final float[] in;        // [n][dim]: the rows routed to one expert
    final float[] out;       // [n][dim]: that expert's output for them
    final float[] slots;     // [n][used][dim]: weighted expert outputs, summed in rank order at the end
    final int[] rows;        // [n * used]: (token * used + rank) of the rows routed to one expert
    private final Activations xScratch; // a decode token's input, encoded for its experts' gate and up products
    private Activations xEncoded;       // what xScratch holds in this forward, or null
    // a decode token's expert of rank r, on whichever thread runs it: gate and up products [2 * ffnDim],
    // the activation [ffnDim], the down product [dim], and the activation's encoding
    private final float[][] rankGateUp, rankHidden, rankOut;
    private final Activations[] rankActs;

    /** gpt-oss's routing, biases and activation (see the class comment). */
    private final boolean oss;

    /** The clamped SwiGLU of gpt-oss, as ggml's swiglu_oai with llama.cpp's alpha and limit. */
    static final float OAI_ALPHA = 1.702f, OAI_LIMIT = 7f;

    ExpertMixture(ExpertConfig e, int dim, int maxTokens) {
        this(e, dim, maxTokens, false);
    }

    ExpertMixture(ExpertConfig e, int dim, int maxTokens, boolean gptOss) {
        this.oss = gptOss;
        this.e = e;
        this.dim = dim;
        logits = new float[maxTokens * e.count()];
        chosen = new int[maxTokens * e.used()];
        weights = new float[maxTokens * e.used()];
        in = new float[maxTokens * dim];
        out = new float[maxTokens * dim];
        slots = new float[maxTokens * e.used() * dim];
        rows = new int[maxTokens * e.used()];
        xScratch = new Activations(dim);
        int k = e.used();
        rankGateUp = new float[k][2 * e.ffnDim()];
        rankHidden = new float[k][e.ffnDim()];
        rankOut = new float[k][dim];
        rankActs = new Activations[k];
        for (int r = 0; r < k; r++) rankActs[r] = new Activations(Math.max(dim, e.ffnDim()));
    }

    /**
     * Adds the mixture's output for {@code n} normalised rows {@code x} into the residual {@code residual}.
     * {@code gate}, {@code up} and {@code hidden} are scratch of at least {@code n * ffnDim} floats.
     * With {@code rowwise} (rows of different sequences decoded together) every row's products are
     * bitwise those it gets alone ({@link Kernels#matvecBatch}).
     */
    void forward(LayerWeights.Moe moe, float[] x, int n, float[] residual, float[] gate, float[] up, float[] hidden, Activations[] acts, boolean rowwise) {
        this.rowwise = rowwise;
        int count = e.count(), k = e.used(), f = e.ffnDim();
        xEncoded = null;
        matmul(moe.router(), x, n, logits, acts);
        if (moe.routerBias() != null) addRows(logits, moe.routerBias(), n);
        for (int t = 0; t < n; t++) {
            if (oss) routeTopKSoftmax(t);
            else route(t);
        }
        if (n == 1 && allStacked(moe)) {
            decodeToken(moe, x, residual);
            return;
        }
        for (int ex = 0; ex < count; ex++) {
            int m = 0;
            for (int s = 0; s < n * k; s++)
                if (chosen[s] == ex) {
                    rows[m] = s;
                    System.arraycopy(x, (s / k) * dim, in, m * dim, dim);
                    m++;
                }
            if (m == 0) continue; // this expert's weights are not touched
            if (n == 1) { // decode: the token's one input, encoded once for all its experts
                xEncoded = Kernels.matvecSharing(moe.gate()[ex], x, xEncoded, gate, xScratch);
                xEncoded = Kernels.matvecSharing(moe.up()[ex], x, xEncoded, up, xScratch);
            } else {
                matmul(moe.gate()[ex], in, m, gate, acts);
                matmul(moe.up()[ex], in, m, up, acts);
            }
            if (oss) {
                addRows(gate, moe.gateBias()[ex], m);
                addRows(up, moe.upBias()[ex], m);
                for (int i = 0; i < m * f; i++) hidden[i] = swigluOai(gate[i], up[i]);
            } else {
                VectorOps.siluMul(gate, up, hidden, m * f);
            }
            matmul(moe.down()[ex], hidden, m, out, acts);
            if (oss) addRows(out, moe.downBias()[ex], m);
            for (int r = 0; r < m; r++) {
                int s = rows[r];
                float w = weights[s];
                for (int j = 0; j < dim; j++) slots[s * dim + j] = out[r * dim + j] * w;
            }
        }
        sumSlots(n, residual);
    }

    /** Whether every expert's gate and up rows are packed as one matrix ({@link LayerWeights.Moe#gateUp}). */
    private static boolean allStacked(LayerWeights.Moe moe) {
        if (moe.gateUp() == null) return false;
        for (var p : moe.gateUp()) if (p == null) return false;
        return true;
    }

    /**
     * One decode token: its k experts, each a chain of two products (gate and up as one, then
     * down) run by one thread, the experts spread over the threads. The products of a chain are
     * not split further (a call from inside a region runs on its caller's thread), so a layer
     * holds one parallel region instead of two per expert: at decode an expert's matrices are
     * 0.3-0.8 MB, where the hand-over of a region costs a noticeable share of the product. The
     * token's input is encoded once, before. Every expert's result is the bits of the serial
     * loop's, and the k results are added in rank order as there.
     */
    private void decodeToken(LayerWeights.Moe moe, float[] x, float[] residual) {
        int k = e.used();
        Activations encoded = Kernels.encodeFor(moe.gate()[chosen[0]], x, xScratch);
        Parallel.forRange(k, 1, (start, end) -> {
            for (int r = start; r < end; r++) expert(moe, chosen[r], r, encoded);
        });
        sumSlots(1, residual);
    }

    /** Expert {@code ex} of rank {@code r} for the decode token (input encoded): its weighted output into slot r. */
    private void expert(LayerWeights.Moe moe, int ex, int r, Activations encoded) {
        int f = e.ffnDim();
        float[] gu = rankGateUp[r], h = rankHidden[r], o = rankOut[r];
        Kernels.matvec(moe.gateUp()[ex], encoded, gu); // gate rows, then up rows
        if (oss) {
            float[] gb = moe.gateBias()[ex], ub = moe.upBias()[ex];
            for (int i = 0; i < f; i++) h[i] = swigluOai(gu[i] + gb[i], gu[f + i] + ub[i]);
        } else {
            VectorOps.siluMul(gu, 0, gu, f, h, f);
        }
        Kernels.matvec(moe.down()[ex], h, o, rankActs[r]);
        if (oss) addRows(o, moe.downBias()[ex], 1);
        float w = weights[r];
        for (int j = 0; j < dim; j++) slots[r * dim + j] = o[j] * w;
    }

    /** Each token's k weighted expert outputs, added in rank order (ggml's order), into the residual. */
    private void sumSlots(int n, float[] residual) {
        int k = e.used();
        for (int t = 0; t < n; t++) {
            int base = t * k * dim;
            for (int j = 0; j < dim; j++) {
                float sum = slots[base + j];
                for (int r = 1; r < k; r++) sum += slots[base + r * dim + j];
                residual[t * dim + j] += sum;
            }
        }
    }

    /** Softmax of token t's router logits, its top k experts (best first) and their weights. */
    private void route(int t) {
        int count = e.count(), k = e.used(), lo = t * count;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) max = Math.max(max, logits[lo + i]);
        double sum = 0;
        for (int i = 0; i < count; i++) {
            float p = (float) Math.exp(logits[lo + i] - max);
            logits[lo + i] = p;
            sum += p;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < count; i++) logits[lo + i] *= inv;
        selectTopK(t);
        if (e.normTopK()) {
            float s = 0;
            for (int r = 0; r < k; r++) s += weights[t * k + r];
            s = Math.max(s, 6.103515625e-5f); // ggml clamps the sum to F16's smallest normal before dividing
            for (int r = 0; r < k; r++) weights[t * k + r] /= s;
        }
    }

    /**
     * Token t's k largest logits, best first, into {@code chosen} and their values into {@code weights}: k and
     * the expert count are small (8 of 128 at most in practice). The first expert not yet taken stands until a
     * larger one comes, so NaN logits still pick k experts.
     */
    private void selectTopK(int t) {
        int count = e.count(), k = e.used(), lo = t * count;
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (int i = 0; i < count; i++) {
                if (best >= 0 && !(logits[lo + i] > logits[lo + best])) continue;
                boolean taken = false;
                for (int q = 0; q < r; q++) taken |= chosen[t * k + q] == i;
                if (!taken) best = i;
            }
            chosen[t * k + r] = best;
            weights[t * k + r] = logits[lo + best];
        }
    }

    /**
     * ggml's swiglu_oai: the gate clamped above at the limit, the up value to ±limit, and
     * x·σ(alpha·x)·(y + 1), written as ggml writes it (x / (1 + e^(−alpha·x))).
     */
    static float swigluOai(float gate, float up) {
        float x = Math.min(gate, OAI_LIMIT);
        float y = Math.min(Math.max(up, -OAI_LIMIT), OAI_LIMIT);
        return x / (1f + (float) Math.exp(OAI_ALPHA * -x)) * (y + 1f);
    }

    /**
     * gpt-oss's routing: token t's k largest logits (best first; ggml's descending argsort) and
     * the softmax of those k alone as their weights (ggml's soft_max: e^(x − max) in float, summed
     * in double, times float(1/sum)).
     */
    private void routeTopKSoftmax(int t) {
        int count = e.count(), k = e.used(), lo = t * count;
        selectTopK(t);
        float max = Float.NEGATIVE_INFINITY;
        for (int r = 0; r < k; r++) max = Math.max(max, weights[t * k + r]);
        double sum = 0;
        for (int r = 0; r < k; r++) {
            float p = (float) Math.exp(weights[t * k + r] - max);
            weights[t * k + r] = p;
            sum += p;
        }
        float inv = (float) (1.0 / sum);
        for (int r = 0; r < k; r++) weights[t * k + r] *= inv;
    }

    /** Adds {@code b} to each of the first {@code n} rows of {@code x} (rows of b.length). */
    private static void addRows(float[] x, float[] b, int n) {
        int d = b.length;
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i * d + j] += b[j];
    }

    private boolean rowwise;

    private void matmul(Tensor w, float[] x, int n, float[] out, Activations[] acts) {
        if (n == 1) Kernels.matvec(w, x, out, acts[0]);
        else if (rowwise) Kernels.matvecBatch(w, x, n, out, acts);
        else Kernels.matmul(w, x, n, out, acts);
    }
}
