package dev.bgl.model;

import dev.bgl.tensor.Activations;
import dev.bgl.tensor.Kernels;
import dev.bgl.tensor.Parallel;
import dev.bgl.tensor.Tensor;
import dev.bgl.tensor.VectorOps;

/**
 * The decoder-only transformer shared by llama, qwen2, qwen3, qwen3moe and gpt-oss: RMSNorm, RoPE attention with
 * grouped KV heads (optional QKV bias, optional per-head QK norm; gpt-oss's output bias, sinks and
 * sliding-window layers), a SwiGLU feed-forward or a
 * mixture of SwiGLU experts ({@link ExpertMixture}), and a tied
 * or separate output head. Architectures differ only in the switches of {@link Architecture}.
 *
 * <p>The model is immutable and may be shared by many sessions; each session owns a
 * {@link State} (KV cache and scratch buffers).
 */
public final class Transformer {
    /** Tokens processed together in one prefill chunk (matrix-matrix products). */
    public static final int MAX_CHUNK = 32;

    private final ModelConfig c;
    private final Weights w;
    private final ModelSource source;
    private final RopeAngles rope;

    public Transformer(ModelSource source) {
        this.source = source;
        this.c = source.config();
        this.rope = new RopeAngles(c);
        this.w = Weights.load(source);
    }

    /** What packing the weight matrices for products adds to resident memory (see {@link dev.bgl.tensor.PackedRows}). */
    public long packedExtraBytes() {
        return w.packedExtraBytes();
    }

    public ModelConfig config() {
        return c;
    }

    /** Compiles the attention kernels before real work (a second or two of CPU; see {@code Kernels.warmUp}). */
    public static void warmUpAttention() {
        TiledAttention.warmUp();
    }

    /** Score rows the attention keeps for a full context of {@code context} tokens (one thread; see {@link TiledAttention}). */
    public static long attentionScratchBytes(ModelConfig c, int context) {
        return 4L * TiledAttention.ROW_BLOCK * c.kvHeads() * (context + context / 2);
    }

    /**
     * Stored weight bytes a decode step leaves unread: the experts the router does not pick (0 for
     * a dense model), for a roofline that counts only the bytes actually read.
     */
    public long unusedExpertBytesPerToken() {
        return w.unusedExpertBytes(c.experts());
    }

    public ModelSource source() {
        return source;
    }

    /** Per-session state: a KV cache for {@code capacity} tokens and the scratch the forward pass reuses. */
    public State newState(int capacity, boolean kvF16) {
        return new State(capacity, kvF16 ? KvCacheType.F16 : KvCacheType.F32);
    }

    /** Per-session state with keys and values stored as {@code kv}. */
    public State newState(int capacity, KvCacheType kv) {
        return new State(capacity, kv);
    }

    public final class State {
        public final KvCache cache;
        final Scratch scratch;

        State(int capacity, KvCacheType kv) {
            this.cache = new KvCache(c, capacity, kv);
            this.scratch = new Scratch(MAX_CHUNK);
        }

        public ModelConfig config() {
            return c;
        }
    }

    /**
     * The buffers a forward pass reuses, for up to {@code rows} rows (tokens of one sequence, or
     * one token of each of several sequences).
     */
    final class Scratch {
        final int rows;
        final float[] x, xb, q, k, v, att, gate, up, hb, tmp;
        /** One token's products with a stacked matrix (q, k, v or gate, up: {@link LayerWeights#qkv}), before they are split. */
        final float[] stacked;
        final TiledAttention attention;
        final Activations[] acts;
        /** cos/sin of each row's angles, [rows][headDim / 2], filled once per chunk for all layers. */
        final float[] ropeCos, ropeSin;
        /** Routing and per-expert scratch of a mixture-of-experts model; null for a dense one. */
        final ExpertMixture moe;

        Scratch(int n) {
            this.rows = n;
            x = new float[n * c.dim()];
            xb = new float[n * c.dim()];
            q = new float[n * c.qDim()];
            k = new float[n * c.kvDim()];
            v = new float[n * c.vDim()];
            att = new float[n * c.heads() * c.valueHeadDim()];
            int ffn = Math.max(c.ffnDim(), c.widestFfn());
            gate = new float[n * ffn];
            up = new float[n * ffn];
            hb = new float[n * ffn];
            tmp = new float[Math.max(c.dim(), ffn)];
            stacked = new float[Math.max(c.qDim() + c.kvDim() + c.vDim(), 2 * ffn)];
            attention = new TiledAttention(c, Parallel.threads());
            int widest = Math.max(Math.max(c.dim(), ffn), c.heads() * c.valueHeadDim());
            acts = new Activations[n];
            for (int i = 0; i < n; i++) acts[i] = new Activations(widest);
            ropeCos = new float[n * (c.headDim() / 2)];
            ropeSin = new float[n * (c.headDim() / 2)];
            moe = c.experts() == null ? null : new ExpertMixture(c.experts(), c.dim(), n, c.architecture().gptOss());
        }
    }

    /**
     * A batch of sequences decoded together ({@link #forwardBatch}): scratch for up to
     * {@code capacity} sequences. One per scheduler; not thread-safe.
     */
    public final class Batch {
        final Scratch scratch;
        final float[] logits;
        /** One sequence's query and attention output, for its own attention over its own cache. */
        final float[] qOne, attOne;

        public Batch(int capacity) {
            if (capacity < 1) throw new IllegalArgumentException("batch capacity must be >= 1, got " + capacity);
            this.scratch = new Scratch(capacity);
            this.logits = new float[capacity * c.vocabSize()];
            this.qOne = new float[c.qDim()];
            this.attOne = new float[c.heads() * c.valueHeadDim()];
        }

        public int capacity() {
            return scratch.rows;
        }
    }

    /**
     * Runs {@code n} tokens from {@code tokens[off..]} at the next positions of {@code s.cache}.
     *
     * @param logits   receives the logits of the last token ({@code vocab} floats), or of every
     *                 token ({@code n * vocab}) when {@code allLogits}; may be null to skip the head
     * @param hidden   when non-null, receives the hidden states at the last token
     */
    public void forward(State s, int[] tokens, int off, int n, float[] logits, boolean allLogits, HiddenStates hidden) {
        if (n <= 0) throw new IllegalArgumentException("no tokens");
        checkFits(s, tokens, off, n);
        for (int done = 0; done < n; ) {
            int m = Math.min(MAX_CHUNK, n - done);
            boolean last = done + m == n;
            chunk(s, tokens, off + done, m, new ChunkOutputs(logits, allLogits ? done : -1, last, last ? hidden : null, null, 0));
            done += m;
        }
    }

    /**
     * Runs {@code n} teacher-forced tokens like {@link #forward} and writes the hidden states at
     * EVERY position into {@code out}, laid out {@code [n][layers + 2][dim]}: for position i the
     * embedding, the residual after each layer, then the final-norm output (the order of
     * {@link HiddenStates}). No logits are computed. This is what a budget predictor trains on.
     */
    public void forwardHiddenAll(State s, int[] tokens, int off, int n, float[] out) {
        if (n <= 0) throw new IllegalArgumentException("no tokens");
        long need = (long) n * (c.layers() + 2) * c.dim();
        if (out.length < need) throw new IllegalArgumentException("hidden-state buffer has " + out.length + " floats, needs " + need);
        checkFits(s, tokens, off, n);
        for (int done = 0; done < n; ) {
            int m = Math.min(MAX_CHUNK, n - done);
            chunk(s, tokens, off + done, m, new ChunkOutputs(null, -1, false, null, out, done));
            done += m;
        }
    }

    /** Copies row i of a [n][dim] buffer into slot {@code k} of position {@code base + i} of a [.][layers+2][dim] buffer. */
    private void putHidden(float[] all, int base, int n, int k, float[] src) {
        int dim = c.dim(), per = (c.layers() + 2) * dim;
        for (int i = 0; i < n; i++) System.arraycopy(src, i * dim, all, (base + i) * per + k * dim, dim);
    }

    /** The tokens fit the session's context and the vocabulary; a clear error naming the first that does not. */
    private void checkFits(State s, int[] tokens, int off, int n) {
        KvCache cache = s.cache;
        if (cache.length + n > cache.capacity)
            throw new dev.bgl.util.BglException("context full: " + (cache.length + n) + " tokens exceed the session's context of " + cache.capacity);
        for (int i = 0; i < n; i++) {
            int t = tokens[off + i];
            if (t < 0 || t >= c.vocabSize()) throw new dev.bgl.util.BglException("token id " + t + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
        }
    }

    /**
     * What one chunk writes besides the KV cache: logits (of its last token, or of every token from
     * row {@code logitsRow} when that is >= 0; null: none), whether it is the forward's last chunk,
     * the hidden states at its last token (null: none), and every position's hidden states into
     * {@code all} from position {@code allBase} (null: none).
     */
    private record ChunkOutputs(float[] logits, int logitsRow, boolean lastChunk, HiddenStates hidden, float[] all, int allBase) {
    }

    /**
     * Runs one token of each of {@code n} sequences in one pass: {@code tokens[i]} at the next
     * position of {@code states[i]}'s cache. Every weight product takes all {@code n} rows at once
     * ({@link Kernels#matvecBatch}: the weights are read once for the batch); attention is each
     * sequence's own. Sequence i's logits land in {@code logits[i]} ({@code vocab} floats) and, where
     * {@code hidden[i]} is not null, its hidden states there. Each sequence's numbers are bitwise
     * those of {@link #forward} on its state alone, so its tokens do not depend on its company.
     */
    public void forwardBatch(Batch batch, State[] states, int[] tokens, int n, float[][] logits, HiddenStates[] hidden) {
        if (n <= 0) throw new IllegalArgumentException("no sequences");
        if (n > batch.capacity()) throw new IllegalArgumentException(n + " sequences exceed the batch's capacity of " + batch.capacity());
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++)
                if (states[j] == states[i]) throw new IllegalArgumentException("sequence " + i + " is in the batch twice");
            checkFits(states[i], tokens, i, 1);
        }
        Scratch s = batch.scratch;
        int dim = c.dim(), half = c.headDim() / 2, vocab = c.vocabSize();
        float[] row = s.tmp;
        for (int i = 0; i < n; i++) {
            w.tokenEmbd().row(tokens[i], row);
            System.arraycopy(row, 0, s.x, i * dim, dim);
            if (hidden[i] != null) System.arraycopy(row, 0, hidden[i].embedding(), 0, dim);
            rope.fill(states[i].cache.length, s.ropeCos, s.ropeSin, i * half);
        }
        int qd = c.qDim(), ad = c.heads() * c.valueHeadDim();
        float[] qOne = batch.qOne, attOne = batch.attOne;
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            for (int i = 0; i < n; i++) rmsnorm(s.xb, i * dim, s.x, i * dim, lw.attnNorm(), dim);
            Kernels.matvecBatch(lw.wq(), s.xb, n, s.q, s.acts);
            Kernels.matvecBatch(lw.wk(), s.xb, n, s.k, s.acts);
            Kernels.matvecBatch(lw.wv(), s.xb, n, s.v, s.acts);
            if (lw.bq() != null) {
                addBias(s.q, lw.bq(), n);
                addBias(s.k, lw.bk(), n);
                addBias(s.v, lw.bv(), n);
            }
            for (int i = 0; i < n; i++) {
                KvCache cache = states[i].cache;
                int pos = cache.length;
                qkNormRopeStore(s, lw, l, i, pos, cache);
                // the sequence's own attention, over its own cache, as when it runs alone
                System.arraycopy(s.q, i * qd, qOne, 0, qd);
                states[i].scratch.attention.run(cache, l, pos, 1, qOne, attOne, lw.window(), lw.sinks());
                if (lw.window() > 0) cache.releaseBefore(l, pos + 1 - lw.window());
                System.arraycopy(attOne, 0, s.att, i * ad, ad);
            }
            Kernels.matvecBatch(lw.wo(), s.att, n, s.xb, s.acts);
            if (lw.bo() != null) addBias(s.xb, lw.bo(), n);
            for (int i = 0; i < n * dim; i++) s.x[i] += s.xb[i];
            for (int i = 0; i < n; i++) rmsnorm(s.xb, i * dim, s.x, i * dim, lw.ffnNorm(), dim);
            if (lw.moe() != null) {
                s.moe.forward(lw.moe(), s.xb, n, s.x, s.gate, s.up, s.hb, s.acts, true);
            } else {
                Kernels.matvecBatch(lw.wGate(), s.xb, n, s.gate, s.acts);
                Kernels.matvecBatch(lw.wUp(), s.xb, n, s.up, s.acts);
                swiglu(s, n);
                Kernels.matvecBatch(lw.wDown(), s.hb, n, s.xb, s.acts);
                for (int i = 0; i < n * dim; i++) s.x[i] += s.xb[i];
            }
            for (int i = 0; i < n; i++) if (hidden[i] != null) System.arraycopy(s.x, i * dim, hidden[i].layers()[l], 0, dim);
        }
        for (int i = 0; i < n; i++) {
            states[i].cache.length++;
            rmsnorm(s.xb, i * dim, s.x, i * dim, w.outputNorm(), dim);
            if (hidden[i] != null) System.arraycopy(s.xb, i * dim, hidden[i].finalNorm(), 0, dim);
        }
        Kernels.matvecBatch(w.output(), s.xb, n, batch.logits, s.acts);
        for (int i = 0; i < n; i++) System.arraycopy(batch.logits, i * vocab, logits[i], 0, vocab);
    }

    /** Row i's per-head Q/K norms and rotation (the rope table's row i), and its K and V into the cache at {@code pos}. */
    private void qkNormRopeStore(Scratch s, LayerWeights lw, int layer, int i, int pos, KvCache cache) {
        int half = c.headDim() / 2;
        if (lw.qNorm() != null) {
            for (int h = 0; h < c.heads(); h++) rmsnorm(s.q, i * c.qDim() + h * c.headDim(), s.q, i * c.qDim() + h * c.headDim(), lw.qNorm(), c.headDim());
            for (int h = 0; h < c.kvHeads(); h++) rmsnorm(s.k, i * c.kvDim() + h * c.headDim(), s.k, i * c.kvDim() + h * c.headDim(), lw.kNorm(), c.headDim());
        }
        for (int h = 0; h < c.heads(); h++) rotate(s, s.q, i * c.qDim() + h * c.headDim(), i * half);
        for (int h = 0; h < c.kvHeads(); h++) rotate(s, s.k, i * c.kvDim() + h * c.headDim(), i * half);
        cache.store(layer, pos, s.k, i * c.kvDim(), s.v, i * c.vDim());
    }

    private void swiglu(Scratch s, int n) {
        VectorOps.siluMul(s.gate, s.up, s.hb, n * c.ffnDim());
    }

    private void chunk(State st, int[] tokens, int off, int n, ChunkOutputs o) {
        Scratch s = st.scratch;
        float[] logits = o.logits(), all = o.all();
        int logitsRowBase = o.logitsRow(), allBase = o.allBase();
        boolean lastChunk = o.lastChunk();
        HiddenStates hidden = o.hidden();
        int dim = c.dim();
        int pos0 = st.cache.length;
        float[] row = s.tmp;
        for (int i = 0; i < n; i++) {
            w.tokenEmbd().row(tokens[off + i], row);
            System.arraycopy(row, 0, s.x, i * dim, dim);
        }
        if (hidden != null) System.arraycopy(s.x, (n - 1) * dim, hidden.embedding(), 0, dim);
        if (all != null) putHidden(all, allBase, n, 0, s.x);
        int half = c.headDim() / 2;
        for (int i = 0; i < n; i++) rope.fill(pos0 + i, s.ropeCos, s.ropeSin, i * half);

        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            for (int i = 0; i < n; i++) rmsnorm(s.xb, i * dim, s.x, i * dim, lw.attnNorm(), dim);
            if (n == 1 && lw.qkv() != null) { // one input, one product over the three matrices packed as one
                Kernels.matvec(lw.qkv(), Kernels.encodeFor(lw.wq(), s.xb, s.acts[0]), s.stacked);
                System.arraycopy(s.stacked, 0, s.q, 0, c.qDim());
                System.arraycopy(s.stacked, c.qDim(), s.k, 0, c.kvDim());
                System.arraycopy(s.stacked, c.qDim() + c.kvDim(), s.v, 0, c.vDim());
            } else if (n == 1) { // one input for three products: encoded once
                Activations a = Kernels.matvecSharing(lw.wq(), s.xb, null, s.q, s.acts[0]);
                a = Kernels.matvecSharing(lw.wk(), s.xb, a, s.k, s.acts[0]);
                Kernels.matvecSharing(lw.wv(), s.xb, a, s.v, s.acts[0]);
            } else {
                matmul(lw.wq(), s.xb, n, s.q, s);
                matmul(lw.wk(), s.xb, n, s.k, s);
                matmul(lw.wv(), s.xb, n, s.v, s);
            }
            if (lw.bq() != null) {
                addBias(s.q, lw.bq(), n);
                addBias(s.k, lw.bk(), n);
                addBias(s.v, lw.bv(), n);
            }
            for (int i = 0; i < n; i++) qkNormRopeStore(s, lw, l, i, pos0 + i, st.cache);
            s.attention.run(st.cache, l, pos0, n, s.q, s.att, lw.window(), lw.sinks());
            // what this chunk's first query did not see, no later query will (the chunk's own
            // window start, not the next one's: a chunk fed again after a failure still finds its keys)
            if (lw.window() > 0) st.cache.releaseBefore(l, pos0 + 1 - lw.window());
            matmul(lw.wo(), s.att, n, s.xb, s);
            if (lw.bo() != null) addBias(s.xb, lw.bo(), n);
            for (int i = 0; i < n * dim; i++) s.x[i] += s.xb[i];

            for (int i = 0; i < n; i++) rmsnorm(s.xb, i * dim, s.x, i * dim, lw.ffnNorm(), dim);
            if (lw.moe() != null) {
                s.moe.forward(lw.moe(), s.xb, n, s.x, s.gate, s.up, s.hb, s.acts, false);
                if (hidden != null) System.arraycopy(s.x, (n - 1) * dim, hidden.layers()[l], 0, dim);
                if (all != null) putHidden(all, allBase, n, l + 1, s.x);
                continue;
            }
            if (n == 1 && lw.gateUp() != null) {
                Kernels.matvec(lw.gateUp(), Kernels.encodeFor(lw.wGate(), s.xb, s.acts[0]), s.stacked);
                System.arraycopy(s.stacked, 0, s.gate, 0, c.ffnDim());
                System.arraycopy(s.stacked, c.ffnDim(), s.up, 0, c.ffnDim());
            } else if (n == 1) {
                Kernels.matvecSharing(lw.wUp(), s.xb, Kernels.matvecSharing(lw.wGate(), s.xb, null, s.gate, s.acts[0]), s.up, s.acts[0]);
            } else {
                matmul(lw.wGate(), s.xb, n, s.gate, s);
                matmul(lw.wUp(), s.xb, n, s.up, s);
            }
            swiglu(s, n);
            matmul(lw.wDown(), s.hb, n, s.xb, s);
            for (int i = 0; i < n * dim; i++) s.x[i] += s.xb[i];
            if (hidden != null) System.arraycopy(s.x, (n - 1) * dim, hidden.layers()[l], 0, dim);
            if (all != null) putHidden(all, allBase, n, l + 1, s.x);
        }
        st.cache.length = pos0 + n;
        if (all != null) {
            for (int i = 0; i < n; i++) rmsnorm(s.xb, i * dim, s.x, i * dim, w.outputNorm(), dim);
            putHidden(all, allBase, n, c.layers() + 1, s.xb);
        }

        if (logits == null) return;
        int vocab = c.vocabSize();
        if (logitsRowBase >= 0) {
            for (int i = 0; i < n; i++) rmsnorm(s.xb, i * dim, s.x, i * dim, w.outputNorm(), dim);
            float[] out = new float[n * vocab];
            matmul(w.output(), s.xb, n, out, s);
            System.arraycopy(out, 0, logits, logitsRowBase * vocab, n * vocab);
            if (hidden != null && lastChunk) System.arraycopy(s.xb, (n - 1) * dim, hidden.finalNorm(), 0, dim);
        } else if (lastChunk) {
            rmsnorm(s.xb, 0, s.x, (n - 1) * dim, w.outputNorm(), dim);
            if (hidden != null) System.arraycopy(s.xb, 0, hidden.finalNorm(), 0, dim);
            Kernels.matvec(w.output(), s.xb, logits, s.acts[0]);
        }
    }

    private void matmul(Tensor t, float[] in, int n, float[] out, Scratch s) {
        if (n == 1) Kernels.matvec(t, in, out, s.acts[0]);
        else Kernels.matmul(t, in, n, out, s.acts);
    }

    private static void addBias(float[] x, float[] b, int n) {
        int d = b.length;
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i * d + j] += b[j];
    }

    /** RMSNorm as ggml computes it: the mean of squares accumulated in double. */
    private void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) ss += (double) x[xOff + i] * x[xOff + i];
        float scale = (float) (1.0 / Math.sqrt((float) (ss / n) + c.rmsEps()));
        for (int i = 0; i < n; i++) out[outOff + i] = x[xOff + i] * scale * weight[i];
    }

    /** Rotates one head at {@code off} by the angles at {@code t} of the chunk's table (see {@link RopeAngles}). */
    private void rotate(Scratch s, float[] x, int off, int t) {
        int half = c.headDim() / 2;
        float[] cos = s.ropeCos, sin = s.ropeSin;
        if (c.architecture().ropeStyle() == Architecture.RopeStyle.NEOX) {
            for (int i = 0; i < half; i++) {
                float a = x[off + i], b = x[off + i + half];
                x[off + i] = a * cos[t + i] - b * sin[t + i];
                x[off + i + half] = a * sin[t + i] + b * cos[t + i];
            }
        } else {
            for (int i = 0; i < half; i++) {
                float a = x[off + 2 * i], b = x[off + 2 * i + 1];
                x[off + 2 * i] = a * cos[t + i] - b * sin[t + i];
                x[off + 2 * i + 1] = a * sin[t + i] + b * cos[t + i];
            }
        }
    }

}
