package dev.bgl.decode;

import dev.bgl.model.HiddenStates;
import dev.bgl.tokenizer.StreamingDecoder;
import dev.bgl.tokenizer.Tokenizer;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * One sequence's decode loop, one step at a time, with the forward pass left to whoever drives
 * it: {@link Generator} feeds its own session, a {@link Scheduler} feeds many sequences in one
 * batch. Per step: the processor chain, the sampler, {@code accept} for every processor, streaming
 * of completed text, and the stop checks. It keeps the thinking state ({@link ThinkingState}: the
 * phase and the thinking spent) once, for the processors (in each {@link Step}) and the listener.
 * It knows nothing about budgets; processors steer it through logits and {@link DecodeControl}.
 * Both drivers run this same code, so a sequence's tokens do not depend on how it was driven.
 */
public final class DecodeLoop {
    private final GenerateRequest req;
    private final TokenListener listener;
    private final Tokenizer tokenizer;
    private final int vocab;
    private final int contextSize;
    private final boolean hidden;
    private final Control control = new Control();
    private final ThinkingState thinking;
    private final Sampler sampler;
    private final StreamingDecoder decoder;
    private final StopMatcher stops;
    private final StringBuilder text = new StringBuilder();
    private final long created = System.nanoTime();
    private long prefillEnd;
    private int[] out;
    private int n, forcedCount;
    private StopReason reason = StopReason.MAX_TOKENS;
    private String detail = "";
    private GenerateResult result;
    private Probe probe;

    /**
     * A loop for {@code req} whose tokens go to {@code listener}, on a model of {@code vocab} tokens,
     * in a session of {@code contextSize} tokens.
     */
    public DecodeLoop(GenerateRequest req, TokenListener listener, Tokenizer tokenizer, int vocab, int contextSize) {
        this.req = req;
        this.listener = listener;
        this.tokenizer = tokenizer;
        this.vocab = vocab;
        this.contextSize = contextSize;
        this.hidden = req.processors().stream().anyMatch(LogitsProcessor::needsHiddenStates);
        this.thinking = new ThinkingState(req.thinking());
        this.sampler = new Sampler(req.sampler());
        this.decoder = tokenizer.streamingDecoder();
        this.stops = new StopMatcher(req.stopStrings());
        this.out = new int[Math.max(16, Math.min(req.maxTokens(), 4096))];
    }

    /** Lets the processors look one token ahead through {@code p} (null: none); the driver sets it before {@link #started}. */
    public DecodeLoop withProbe(Probe p) {
        this.probe = p;
        return this;
    }

    /** The tokens to prefill. */
    public int[] prompt() {
        return req.prompt();
    }

    /** Whether the processors read hidden states: the driver must compute them at every fed position. */
    public boolean wantsHidden() {
        return hidden;
    }

    /** The prompt is in the cache ({@code position} tokens): the processors' {@code begin}. */
    public void started(int position, HiddenStates hiddenStates) {
        prefillEnd = System.nanoTime();
        Step start = new Step(0, position, new int[0], hiddenStates, thinking.phase(), 0, probe);
        for (LogitsProcessor p : req.processors()) p.begin(start, control);
    }

    /**
     * One step on the logits for the next position ({@code position} tokens in the cache): the
     * token the driver must feed next, or −1 when the sequence is finished ({@link #result}).
     * The logits are modified in place. Batched works of the processors run here, alone.
     */
    public int step(float[] logits, HiddenStates hiddenStates, int position) {
        for (BatchedWork w = start(logits, hiddenStates, position); w != null; w = resume()) w.runAll(List.of(w));
        return token();
    }

    // the step in progress: its state between start, resume and token
    private Step current;
    private float[] currentLogits;
    private int chainAt;
    private boolean prepared;
    private int stepToken;

    /**
     * Starts a step: runs the processor chain until a processor asks for a {@link BatchedWork}
     * (returned: the driver runs it, with other sequences' works if it likes, then calls
     * {@link #resume}), or to the end of the step (null: {@link #token} has the step's outcome).
     */
    public BatchedWork start(float[] logits, HiddenStates hiddenStates, int position) {
        if (result != null) throw new IllegalStateException("the sequence has finished");
        current = null;
        stepToken = -1;
        if (n >= req.maxTokens()) {
            finish();
            return null;
        }
        if (req.cancellation().isCancelled()) {
            reason = StopReason.CANCELLED;
            finish();
            return null;
        }
        boolean forced = !control.pending.isEmpty();
        Step step = new Step(n, position, out, hiddenStates, thinking.phase(), thinking.spent(), probe);
        if (forced) {
            stepToken = take(step, control.pending.poll(), true);
            return null;
        }
        if (control.stopReason != null) {
            reason = StopReason.PROCESSOR;
            detail = control.stopReason;
            finish();
            return null;
        }
        current = step;
        currentLogits = logits;
        chainAt = 0;
        prepared = false;
        return resume();
    }

    /** Goes on with the step after its batched work ran: the next work, or null when the step is done. */
    public BatchedWork resume() {
        Step step = current;
        if (step == null) return null;
        List<LogitsProcessor> chain = req.processors();
        for (; chainAt < chain.size(); chainAt++) {
            LogitsProcessor p = chain.get(chainAt);
            if (!prepared) {
                prepared = true;
                BatchedWork w = p.prepare(step, currentLogits);
                if (w != null) return w;
            }
            p.apply(step, currentLogits);
            prepared = false;
        }
        current = null;
        stepToken = take(step, sampler.sample(currentLogits, vocab), false);
        return null;
    }

    /** The outcome of the step {@link #start} began: the token to feed next, or −1 when the sequence has finished. */
    public int token() {
        return result != null ? -1 : stepToken;
    }

    /** The chosen (or inserted) token enters the sequence: processors, stream, stop checks. */
    private int take(Step step, int token, boolean forced) {
        if (token < 0 || token >= vocab) throw new IllegalStateException("token " + token + " outside the vocabulary");
        boolean wasThinking = thinking.thinking();
        thinking.accept(token);
        if (wasThinking && !thinking.thinking()) writeCloseTail();
        // no probe: the token accepted is not fed yet, so a look ahead would stand where it is about to go
        Step after = new Step(n, step.position(), out, step.hidden(), thinking.phase(), thinking.spent(), null);
        for (LogitsProcessor p : req.processors()) p.accept(after, token, forced, control);
        if (n == out.length) out = Arrays.copyOf(out, out.length * 2);
        out[n++] = token;
        if (forced) forcedCount++;

        if (!forced && req.stopAtEndOfGeneration() && tokenizer.isEndOfGeneration(token)) {
            reason = StopReason.END_OF_GENERATION;
            detail = tokenizer.tokenText(token);
            listener.onToken(token, "", false, thinking.phase());
            return finish();
        }
        String piece = decoder.accept(token);
        String emitted = stops.push(piece);
        text.append(emitted);
        listener.onToken(token, emitted, forced, thinking.phase());
        if (stops.matched() != null) {
            reason = StopReason.STOP_STRING;
            detail = stops.matched();
            return finish();
        }
        if (step.position() >= contextSize) {
            reason = StopReason.CONTEXT_FULL;
            return finish();
        }
        return token;
    }

    /**
     * The thinking just closed on the close marker's first token: the rest of the marker (harmony's final-channel
     * header after {@code <|end|>}) is queued first, unless what is queued already begins with it (a processor
     * inserted the whole marker). A one-token marker has no rest.
     */
    private void writeCloseTail() {
        int[] tail = req.thinking().closeTail();
        if (tail.length == 0) return;
        var queued = control.pending.iterator();
        boolean written = true;
        for (int t : tail) if (!queued.hasNext() || queued.next() != t) {
            written = false;
            break;
        }
        if (written) return;
        for (int i = tail.length - 1; i >= 0; i--) control.pending.addFirst(tail[i]);
    }

    /** Tokens generated so far. */
    public int generated() {
        return n;
    }

    /** The result, once {@link #step} has returned −1; null before. */
    public GenerateResult result() {
        return result;
    }

    private int finish() {
        if (reason != StopReason.STOP_STRING) {
            String tail = stops.flush(decoder.flush());
            if (!tail.isEmpty()) {
                text.append(tail);
                listener.onToken(-1, tail, false, thinking.phase());
            }
        }
        long end = System.nanoTime(), started = prefillEnd == 0 ? end : prefillEnd;
        result = new GenerateResult(Arrays.copyOf(out, n), text.toString(), reason, detail, req.prompt().length,
                forcedCount, started - created, end - started, thinking.from(), thinking.close(), thinking.answerFrom());
        return -1;
    }

    private final class Control implements DecodeControl {
        final ArrayDeque<Integer> pending = new ArrayDeque<>();
        String stopReason;

        @Override
        public void insert(int... tokens) {
            for (int t : tokens) pending.add(t);
        }

        @Override
        public void insertText(String text) {
            insert(tokenizer.encode(text, true));
        }

        @Override
        public void stop(String reason) {
            stopReason = reason == null ? "stopped" : reason;
        }
    }
}
