package dev.bgl.decode;

import dev.bgl.model.HiddenStates;
import dev.bgl.model.Transformer;
import dev.bgl.util.BglException;

/**
 * One conversation's state on a model: the KV cache, the tokens in it, and the logits (and, on
 * request, hidden states) for the next position. Not thread-safe; many sessions may share a model.
 */
public final class Session implements AutoCloseable {
    private final Transformer model;
    private final Transformer.State state;
    private final float[] logits;
    private final HiddenStates hidden;
    private int[] tokens;
    private final int[] one = new int[1];
    private int length;
    private boolean hiddenValid;

    public Session(Transformer model, int contextSize, boolean kvF16) {
        this(model, contextSize, kvF16 ? dev.bgl.model.KvCacheType.F16 : dev.bgl.model.KvCacheType.F32);
    }

    public Session(Transformer model, int contextSize, dev.bgl.model.KvCacheType kv) {
        if (contextSize < 1) throw new BglException("context size must be >= 1, got " + contextSize);
        this.model = model;
        this.state = model.newState(contextSize, kv);
        this.logits = new float[model.config().vocabSize()];
        this.hidden = HiddenStates.allocate(model.config());
        this.tokens = new int[Math.min(contextSize, 1024)];
    }

    public Transformer model() {
        return model;
    }

    public int contextSize() {
        return state.cache.capacity();
    }

    /** Tokens in the context. */
    public int length() {
        return length;
    }

    public int[] tokens() {
        return java.util.Arrays.copyOf(tokens, length);
    }

    /** Bytes the KV cache holds for the tokens in it. */
    public long kvBytes() {
        return state.cache.bytesUsed();
    }

    /** Bytes the KV cache has allocated: whole pages, up to the furthest position used so far. */
    public long kvBytesReserved() {
        return state.cache.bytesReserved();
    }

    /**
     * Feeds tokens (a prompt in chunks, or one generated token) and computes the next logits;
     * with {@code wantHidden} also the hidden states at the last position.
     */
    public void feed(int[] ids, int off, int n, boolean wantHidden) {
        feed(ids, off, n, wantHidden, true);
    }

    /**
     * Feeds tokens; with {@code wantLogits} false nothing is computed for the next position (a
     * prompt's chunk before its last): the logits and hidden states are stale until the next feed.
     */
    public void feed(int[] ids, int off, int n, boolean wantHidden, boolean wantLogits) {
        if (n == 0) return;
        if (length + n > contextSize())
            throw new BglException("prompt too long: " + (length + n) + " tokens exceed the context size of " + contextSize());
        model.forward(state, ids, off, n, wantLogits ? logits : null, false, wantLogits && wantHidden ? hidden : null);
        if (tokens.length < length + n) tokens = java.util.Arrays.copyOf(tokens, Math.min(contextSize(), Math.max(2 * tokens.length, length + n)));
        System.arraycopy(ids, off, tokens, length, n);
        length += n;
        hiddenValid = wantLogits && wantHidden;
    }

    /** Feeds one generated token; no allocation, as this runs once per decoded token. */
    public void feed(int token, boolean wantHidden) {
        one[0] = token;
        feed(one, 0, 1, wantHidden);
    }

    /**
     * Feeds one token to each of {@code n} sessions of the same model in one forward pass
     * ({@link Transformer#forwardBatch}): each session's logits, hidden states (where
     * {@code wantHidden[i]}) and tokens are then what {@link #feed(int, boolean)} would have left.
     */
    public static void feedBatch(Transformer.Batch batch, Session[] sessions, int[] tokens, int n, boolean[] wantHidden) {
        Transformer model = sessions[0].model;
        Transformer.State[] states = new Transformer.State[n];
        float[][] logits = new float[n][];
        HiddenStates[] hidden = new HiddenStates[n];
        for (int i = 0; i < n; i++) {
            Session s = sessions[i];
            if (s.model != model) throw new IllegalArgumentException("a batch runs sessions of one model");
            if (s.length + 1 > s.contextSize())
                throw new BglException("context full: " + (s.length + 1) + " tokens exceed the context size of " + s.contextSize());
            states[i] = s.state;
            logits[i] = s.logits;
            hidden[i] = wantHidden[i] ? s.hidden : null;
        }
        model.forwardBatch(batch, states, tokens, n, logits, hidden);
        for (int i = 0; i < n; i++) {
            Session s = sessions[i];
            if (s.tokens.length < s.length + 1) s.tokens = java.util.Arrays.copyOf(s.tokens, Math.min(s.contextSize(), 2 * s.tokens.length));
            s.tokens[s.length++] = tokens[i];
            s.hiddenValid = wantHidden[i];
        }
    }

    /**
     * A {@link Probe} on this session: it feeds a token at the next position into the caller's
     * buffers and rewinds the cache. A sliding-window layer releases, as the probe writes, only the
     * pages its query at that position no longer sees, which are those the next real token would
     * release: the rewind never needs them.
     */
    public Probe probe() {
        return this::lookAhead;
    }

    private final int[] probeToken = new int[1];

    private boolean lookAhead(int token, float[] logitsOut, HiddenStates hiddenOut) {
        if (length + 1 > contextSize()) return false;
        probeToken[0] = token;
        model.forward(state, probeToken, 0, 1, logitsOut, false, hiddenOut);
        state.cache.truncate(length);
        return true;
    }

    /** Next-token logits after the last feed. The array is reused: copy it to keep it. */
    public float[] logits() {
        return logits;
    }

    /** Hidden states at the last fed position, or null if they were not asked for. */
    public HiddenStates hidden() {
        return hiddenValid ? hidden : null;
    }

    /** Whether {@link #truncate}{@code (n)} can rewind there: always to 0, and elsewhere unless a sliding-window layer released what position n sees. */
    public boolean canTruncate(int n) {
        return state.cache.canTruncate(n);
    }

    /** Rewinds to the first {@code n} tokens (the logits are stale until the next feed). */
    public void truncate(int n) {
        state.cache.truncate(n);
        length = n;
        hiddenValid = false;
    }

    @Override
    public void close() {
        // The cache is on the heap; dropping the session frees it. Kept for symmetry with off-heap caches.
    }
}
