package dev.bgl.budget.predictor;

import dev.bgl.decode.LoadedModel;
import dev.bgl.model.HiddenStates;
import dev.bgl.model.ModelConfig;
import dev.bgl.tensor.Parallel;
import dev.bgl.tensor.VectorOps;
import dev.bgl.util.BglException;

import java.nio.file.Path;

/**
 * Inference of a budget predictor (Li et al. 2025) at one position of a model's decode.
 *
 * <p>The input is the position's hidden states in Hugging Face's {@code output_hidden_states}
 * convention, N+1 vectors for an N-layer model: the embedding, the residual after layers
 * 0..N−2, and the final-norm output (HF's last hidden state is normed, and replaces the raw
 * residual of the last layer). Each vector, and a learned CLS vector in front, is projected to the
 * encoder width by {@code encoder.0}; a post-LayerNorm BERT encoder (no mask, no position
 * embeddings) reads the N+2 rows, and z is its output at the CLS row. The heads then give
 * α = softplus(W_α z) and λ = softplus(W_λ z) per vocabulary token, for just the tokens asked for.
 *
 * <p>All buffers are allocated here; {@link #encode} and {@link #heads} allocate nothing but
 * the fork/join tasks of the parallel loops. Not thread-safe: one instance per decoding thread
 * ({@link #fork} shares the weights).
 */
public final class BudgetPredictor {
    /**
     * Multiply-adds below which a loop runs on the caller's thread: with the vectorised kernels a
     * million multiply-adds take tens of microseconds, about what a fork/join round trip costs.
     */
    private static final int PARALLEL_WORK = 1 << 20;
    /** Output columns per parallel task of a linear map: whole blocks of the kernel's four vectors. */
    private static final int COLUMN_BLOCK = 4 * VectorOps.LANES;

    private final PredictorWeights w;
    private final Transposed t;
    private final PredictorConfig c;
    private final int modelLayers;
    private final int modelVocab;
    private final int seq;
    private final float[] scores;

    // the operands of the linear map the parallel body runs (set just before it runs)
    private float[] opIn, opWt, opB, opOut;
    private int opRows, opInDim, opOutDim;
    private final Parallel.RangeBody linearBody = this::linearRange;
    // the operands of the head computation
    private float[] hZ, hAlphaOut, hLambdaOut;
    private int[] hTokens;
    private final Parallel.RangeBody headsBody = this::headsRange;

    /**
     * @param modelLayers layers N of the LLM whose hidden states will be read (the encoder reads N+2 rows)
     * @param modelVocab  rows of the LLM's logits; tokens at or beyond the predictor's vocabulary get no guidance
     */
    public BudgetPredictor(PredictorWeights weights, int modelLayers, int modelVocab) {
        this(weights, Transposed.of(weights), modelLayers, modelVocab);
    }

    private BudgetPredictor(PredictorWeights weights, Transposed transposed, int modelLayers, int modelVocab) {
        if (modelLayers < 1) throw new BglException("predictor: the model must have at least one layer, got " + modelLayers);
        this.w = weights;
        this.t = transposed;
        this.c = weights.config();
        this.modelLayers = modelLayers;
        this.modelVocab = modelVocab;
        this.seq = modelLayers + 2;
        this.scores = new float[seq];
    }

    /** A predictor for this model: its hidden size must equal the model's and its vocabulary cover the tokenizer's. */
    public static BudgetPredictor forModel(PredictorWeights weights, LoadedModel model) {
        ModelConfig mc = model.transformer().config();
        checkFits(weights.config(), mc.dim(), model.tokenizer().vocabSize(), model.name());
        return new BudgetPredictor(weights, mc.layers(), mc.vocabSize());
    }

    /** Reads a predictor file (see {@link PredictorWeights#load}) and checks it against the model. */
    public static BudgetPredictor load(Path file, LoadedModel model, int headsOverride) {
        return forModel(file, PredictorWeights.load(file, headsOverride), model);
    }

    /** {@link #forModel(PredictorWeights, LoadedModel)} for weights read from {@code file}: a misfit names the file. */
    public static BudgetPredictor forModel(Path file, PredictorWeights weights, LoadedModel model) {
        try {
            return forModel(weights, model);
        } catch (BglException e) {
            throw new BglException(file + ": " + e.getMessage(), e);
        }
    }

    static void checkFits(PredictorConfig pc, int modelDim, int tokenizerVocab, String modelName) {
        if (pc.hidden() != modelDim)
            throw new BglException("predictor reads hidden states of size " + pc.hidden() + " but model " + modelName
                    + " has hidden size " + modelDim + ": the predictor was trained for another model");
        if (pc.vocab() < tokenizerVocab)
            throw new BglException("predictor has heads for " + pc.vocab() + " tokens but model " + modelName
                    + "'s tokenizer has " + tokenizerVocab + ": the predictor was trained for another vocabulary");
    }

    /**
     * An instance for {@code model} on the same weights and their transposed copies, with its own
     * buffers: what a runner keeps for its model, without transposing the weights again. Checks
     * that the predictor fits the model, as {@link #forModel} does.
     */
    public BudgetPredictor forkFor(LoadedModel model) {
        ModelConfig mc = model.transformer().config();
        checkFits(c, mc.dim(), model.tokenizer().vocabSize(), model.name());
        return new BudgetPredictor(w, t, mc.layers(), mc.vocabSize());
    }

    /** Another instance on the same weights, with its own buffers (for another thread). */
    public BudgetPredictor fork() {
        return new BudgetPredictor(w, t, modelLayers, modelVocab);
    }

    public PredictorConfig config() {
        return c;
    }

    public PredictorWeights weights() {
        return w;
    }

    public int modelLayers() {
        return modelLayers;
    }

    public int modelVocab() {
        return modelVocab;
    }

    /** Tokens that can be guided: those with both a logit and a head row. */
    public int guidable() {
        return Math.min(modelVocab, c.vocab());
    }

    /** z at one position: the encoder's output at the CLS row, {@code width} values into {@code zOut}. */
    public void encode(HiddenStates h, float[] zOut) {
        one[0] = h;
        oneZ[0] = zOut;
        encodeBatch(one, oneZ, 1);
    }

    private final HiddenStates[] one = new HiddenStates[1];
    private final float[][] oneZ = new float[1][];

    /**
     * z of {@code n} positions (of different sequences) in one pass: the rows of all of them go
     * through each projection together, so the encoder's matrices are read once for the batch.
     * Each z is bitwise what {@link #encode} gives it alone (every row's arithmetic is the same).
     */
    public void encodeBatch(HiddenStates[] hs, float[][] zOut, int n) {
        int hd = c.hidden(), d = c.width();
        for (int i = 0; i < n; i++) {
            HiddenStates h = hs[i];
            if (h.layers().length != modelLayers || h.dim() != hd)
                throw new IllegalArgumentException("hidden states of " + h.layers().length + " layers x " + h.dim()
                        + " do not fit a predictor for " + modelLayers + " layers x " + hd);
        }
        Buffers b = buffers(n);
        // rows of sequence i from i * seq: CLS, embedding, residual after layers 0..N-2, final norm (HF's hidden_states tuple)
        for (int i = 0; i < n; i++) {
            HiddenStates h = hs[i];
            int o = i * seq * hd;
            System.arraycopy(w.cls(), 0, b.in, o, hd);
            System.arraycopy(h.embedding(), 0, b.in, o + hd, hd);
            for (int l = 0; l < modelLayers - 1; l++) System.arraycopy(h.layers()[l], 0, b.in, o + (l + 2) * hd, hd);
            System.arraycopy(h.finalNorm(), 0, b.in, o + (seq - 1) * hd, hd);
        }
        linear(b.in, n * seq, hd, t.inW(), w.inB(), d, b.x);
        int layers = c.layers();
        for (int l = 0; l < layers - 1; l++) layer(b, w.layers().get(l), t.layers()[l], n, false);
        // the last layer needs only the CLS rows: gathered into rows 0..n of cls
        for (int i = 0; i < n; i++) System.arraycopy(b.x, i * seq * d, b.cls, i * d, d);
        layer(b, w.layers().get(layers - 1), t.layers()[layers - 1], n, true);
        for (int i = 0; i < n; i++) System.arraycopy(b.cls, i * d, zOut[i], 0, d);
    }

    /** Scratch for {@code n} sequences' rows (grown on demand, kept). */
    private static final class Buffers {
        final int n;
        final float[] in, x, q, k, v, ctx, tmp, ffn, cls;

        Buffers(int n, int seq, PredictorConfig c) {
            this.n = n;
            int rows = n * seq, d = c.width();
            in = new float[rows * c.hidden()];
            x = new float[rows * d];
            q = new float[rows * d];
            k = new float[rows * d];
            v = new float[rows * d];
            ctx = new float[rows * d];
            tmp = new float[rows * d];
            ffn = new float[rows * c.ffn()];
            cls = new float[n * d];
        }
    }

    private Buffers buffers;

    private Buffers buffers(int n) {
        if (buffers == null || buffers.n < n) buffers = new Buffers(Math.max(n, buffers == null ? 1 : buffers.n), seq, c);
        return buffers;
    }

    /**
     * One post-LayerNorm BERT layer over the {@code n} sequences' rows in {@code b.x}. Keys and values
     * come from all rows of a sequence; {@code clsOnly} (the last layer) updates only the CLS rows,
     * gathered in {@code b.cls}, and leaves the result there.
     */
    private void layer(Buffers b, PredictorWeights.Layer L, LayerT T, int n, boolean clsOnly) {
        int d = c.width(), f = c.ffn(), nh = c.heads(), hdim = c.headDim();
        float[] xs = clsOnly ? b.cls : b.x;
        int rows = clsOnly ? n : n * seq, perSeq = clsOnly ? 1 : seq;
        linear(xs, rows, d, T.q(), L.qB(), d, b.q);
        linear(b.x, n * seq, d, T.k(), L.kB(), d, b.k);
        linear(b.x, n * seq, d, T.v(), L.vB(), d, b.v);
        float scale = (float) (1 / Math.sqrt(hdim));
        for (int s = 0; s < n; s++) {
            int kv0 = s * seq * d; // this sequence's keys and values
            for (int r = 0; r < perSeq; r++) {
                int i = s * perSeq + r;
                for (int h = 0; h < nh; h++) {
                    int qo = i * d + h * hdim;
                    for (int j = 0; j < seq; j++) scores[j] = VectorOps.dot(b.q, qo, b.k, kv0 + j * d + h * hdim, hdim) * scale;
                    VectorOps.softmax(scores, 0, seq);
                    java.util.Arrays.fill(b.ctx, qo, qo + hdim, 0f);
                    for (int j = 0; j < seq; j++) VectorOps.scaledAdd(b.ctx, qo, scores[j], b.v, kv0 + j * d + h * hdim, hdim);
                }
            }
        }
        linear(b.ctx, rows, d, T.attnOut(), L.attnOutB(), d, b.tmp);
        for (int i = 0; i < rows * d; i++) b.tmp[i] += xs[i];
        layerNorm(b.tmp, xs, rows, L.attnLnW(), L.attnLnB());

        linear(xs, rows, d, T.ffnIn(), L.ffnInB(), f, b.ffn);
        VectorOps.gelu(b.ffn, 0, rows * f);
        linear(b.ffn, rows, f, T.ffnOut(), L.ffnOutB(), d, b.tmp);
        for (int i = 0; i < rows * d; i++) b.tmp[i] += xs[i];
        layerNorm(b.tmp, xs, rows, L.outLnW(), L.outLnB());
    }

    /** LayerNorm of each of the first {@code rows} rows of src into dst (biased variance, in double). */
    private void layerNorm(float[] src, float[] dst, int rows, float[] gain, float[] bias) {
        int d = c.width();
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            double mean = 0;
            for (int i = 0; i < d; i++) mean += src[o + i];
            mean /= d;
            double var = 0;
            for (int i = 0; i < d; i++) {
                double t = src[o + i] - mean;
                var += t * t;
            }
            double inv = 1 / Math.sqrt(var / d + c.layerNormEps());
            for (int i = 0; i < d; i++) dst[o + i] = (float) ((src[o + i] - mean) * inv) * gain[i] + bias[i];
        }
    }

    /**
     * out[r][o] = b[o] + W[o]·in[r] for r < rows, o < outDim, with W given transposed ({@code wt},
     * inDim×outDim); parallel over blocks of output columns when large.
     */
    private void linear(float[] inBuf, int rows, int inDim, float[] wt, float[] b, int outDim, float[] out) {
        opIn = inBuf;
        opWt = wt;
        opB = b;
        opOut = out;
        opRows = rows;
        opInDim = inDim;
        opOutDim = outDim;
        long work = (long) rows * inDim * outDim;
        int blocks = (outDim + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
        if (work < PARALLEL_WORK) linearRange(0, blocks);
        else Parallel.forRange(blocks, (int) Math.max(1, PARALLEL_WORK / ((long) rows * inDim * COLUMN_BLOCK)), linearBody);
    }

    /**
     * Output-column blocks [b0, b1) of the current linear map, block by block with every row inside,
     * so a block's slice of the matrix is read from memory once and from cache for the other rows.
     */
    private void linearRange(int b0, int b1) {
        int outDim = opOutDim;
        for (int blk = b0; blk < b1; blk++) {
            int o0 = blk * COLUMN_BLOCK, o1 = Math.min(outDim, o0 + COLUMN_BLOCK);
            for (int r = 0; r < opRows; r++)
                VectorOps.matVecT(opWt, opInDim, outDim, opIn, r * opInDim, opB, opOut, r * outDim, o0, o1);
        }
    }

    /** One layer's projection matrices, transposed for {@link VectorOps#matVecT}. */
    private record LayerT(float[] q, float[] k, float[] v, float[] attnOut, float[] ffnIn, float[] ffnOut) {
    }

    /**
     * The encoder's matrices transposed once per weights (shared by {@link #fork}s). The weights
     * must not change afterwards: a trainer that updates them builds a new predictor.
     */
    private record Transposed(float[] inW, LayerT[] layers) {
        static Transposed of(PredictorWeights w) {
            PredictorConfig c = w.config();
            int d = c.width(), f = c.ffn();
            LayerT[] ls = new LayerT[w.layers().size()];
            for (int l = 0; l < ls.length; l++) {
                PredictorWeights.Layer L = w.layers().get(l);
                ls[l] = new LayerT(VectorOps.transpose(L.qW(), d, d), VectorOps.transpose(L.kW(), d, d),
                        VectorOps.transpose(L.vW(), d, d), VectorOps.transpose(L.attnOutW(), d, d),
                        VectorOps.transpose(L.ffnInW(), f, d), VectorOps.transpose(L.ffnOutW(), d, f));
            }
            return new Transposed(VectorOps.transpose(w.inW(), d, c.hidden()), ls);
        }
    }

    /**
     * α and λ for the {@code n} tokens {@code tokens[0..n)} only: the i-th results go to
     * {@code alphaOut[i]}, {@code lambdaOut[i]}. Tokens must be below {@link #guidable()}.
     */
    public void heads(float[] z, int[] tokens, int n, float[] alphaOut, float[] lambdaOut) {
        for (int i = 0; i < n; i++)
            if (tokens[i] < 0 || tokens[i] >= c.vocab())
                throw new IllegalArgumentException("token " + tokens[i] + " outside the predictor's " + c.vocab() + " heads");
        runHeads(z, tokens, n, alphaOut, lambdaOut);
    }

    /** α and λ for every token of the predictor's vocabulary (arrays of at least {@code vocab}). */
    public void headsAll(float[] z, float[] alphaOut, float[] lambdaOut) {
        runHeads(z, null, c.vocab(), alphaOut, lambdaOut);
    }

    private void runHeads(float[] z, int[] tokens, int n, float[] alphaOut, float[] lambdaOut) {
        hZ = z;
        hTokens = tokens;
        hAlphaOut = alphaOut;
        hLambdaOut = lambdaOut;
        int d = c.width();
        if ((long) n * d * 2 < PARALLEL_WORK) headsRange(0, n);
        else Parallel.forRange(n, Math.max(1, PARALLEL_WORK / (2 * d)), headsBody);
    }

    private void headsRange(int i0, int i1) {
        int d = c.width();
        float[] z = hZ, a = w.alphaHead(), l = w.lamHead();
        int[] tokens = hTokens;
        for (int i = i0; i < i1; i++) {
            int t = tokens == null ? i : tokens[i];
            hAlphaOut[i] = GammaMath.softplus(VectorOps.dot(a, t * d, z, 0, d));
            hLambdaOut[i] = GammaMath.softplus(VectorOps.dot(l, t * d, z, 0, d));
        }
    }
}
