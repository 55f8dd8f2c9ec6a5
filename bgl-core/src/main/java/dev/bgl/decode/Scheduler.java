package dev.bgl.decode;

import dev.bgl.model.Transformer;
import dev.bgl.util.BglException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Continuous batching: many sequences decoded together on one model, as vLLM's and llama.cpp's
 * servers do. Its thread keeps a set of running sequences and, at every step, feeds one token of
 * each decoding sequence in one forward pass ({@link Session#feedBatch}: the weights, which bound
 * a CPU's decode speed, are read once for all), plus at most {@code prefillChunk} prompt tokens
 * of newly admitted sequences (chunked prefill: a long prompt does not stall the others).
 * Sequences join and leave at any step. Admission is by a slot limit and by memory: the KV bytes
 * each running sequence may reach (its whole context) must fit the limit together.
 *
 * <p>Each sequence runs its own {@link DecodeLoop} (sampler, seed, stops, processors,
 * cancellation, listener) and its own session, and the batched forward pass gives each sequence
 * bitwise the numbers it gets alone, so a sequence's tokens are the same whether it runs alone
 * or among others. Listeners are called on the scheduler's thread: they must return quickly (a
 * slow one slows every sequence). A processor that throws ends its own sequence with that error;
 * the others go on.
 */
public final class Scheduler implements AutoCloseable {
    /**
     * @param maxSequences sequences decoded together at most (the batch's slots)
     * @param kvBytesLimit KV-cache bytes the running sequences may reach together (their contexts full)
     * @param prefillChunk prompt tokens prefilled per step, over all admitted sequences (a multiple of
     *                     {@link Transformer#MAX_CHUNK}, so chunks fall where a lone prefill puts them)
     */
    public record Config(int maxSequences, long kvBytesLimit, int prefillChunk) {
        public Config {
            if (maxSequences < 1) throw new BglException("the batch needs at least 1 slot, got " + maxSequences);
            if (kvBytesLimit < 1) throw new BglException("the KV-cache limit must be positive, got " + kvBytesLimit);
            if (prefillChunk < Transformer.MAX_CHUNK || prefillChunk % Transformer.MAX_CHUNK != 0)
                throw new BglException("the prefill chunk must be a multiple of " + Transformer.MAX_CHUNK + " tokens, got " + prefillChunk);
        }

        /** {@code maxSequences} slots, no memory limit beyond the heap, 64 prompt tokens per step. */
        public static Config slots(int maxSequences) {
            return new Config(maxSequences, Long.MAX_VALUE, 2 * Transformer.MAX_CHUNK);
        }
    }

    /** What the scheduler has done so far (for metrics): a snapshot. */
    /**
     * @param tokensPerSecond decode tokens per second of the whole batch over recent steps (a moving
     *                        average with a time constant of about a second; 0 when idle)
     */
    public record Stats(int running, int waiting, long steps, long decodedTokens, long prefilledTokens, int lastBatch,
                        long kvBytesReserved, long finished, long failed, double tokensPerSecond, long batchedWorks, long batchedWorkGroups) {
        /** Mean works per group run: how many sequences' predictor passes (say) ran together. */
        public double meanWorkGroup() {
            return batchedWorkGroups == 0 ? 0 : (double) batchedWorks / batchedWorkGroups;
        }

        /** Mean sequences per decode step. */
        public double meanBatch() {
            return steps == 0 ? 0 : (double) decodedTokens / steps;
        }
    }

    /**
     * A submitted sequence: its result when it ends, and its times (System.nanoTime; −1 until known).
     */
    public static final class Ticket {
        private final CompletableFuture<GenerateResult> result = new CompletableFuture<>();
        private final long submitted = System.nanoTime();
        private volatile long admitted = -1, firstToken = -1, kvBytesAtEnd;

        public CompletableFuture<GenerateResult> result() {
            return result;
        }

        /** Nanoseconds it waited for a slot (−1 while it still waits). */
        public long queueNanos() {
            long a = admitted;
            return a < 0 ? -1 : a - submitted;
        }

        /** KV-cache bytes its session held when it ended (0 if it never ran). */
        public long kvBytesAtEnd() {
            return kvBytesAtEnd;
        }

        /** Nanoseconds from submission to its first token (−1 before it). */
        public long firstTokenNanos() {
            long f = firstToken;
            return f < 0 ? -1 : f - submitted;
        }
    }

    private final LoadedModel model;
    private final Config config;
    private final Transformer.Batch batch;
    private final Thread thread;
    private final Object lock = new Object();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private boolean closed;
    private volatile long steps, decoded, prefilled, finished, failed, batchedWorks, batchedWorkGroups;
    private volatile int lastBatch;
    private volatile long reserved;
    /** Moving average of the batch's decode rate, and when the last step ended. */
    private volatile double rate;
    private volatile long lastStepEnd;

    public Scheduler(LoadedModel model, Config config) {
        this.model = model;
        this.config = config;
        this.batch = model.transformer().new Batch(config.maxSequences());
        this.thread = Thread.ofPlatform().name("bgl-scheduler").daemon().unstarted(this::loop);
        thread.start();
    }

    public Config config() {
        return config;
    }

    /** KV-cache bytes a sequence with a context of {@code contextSize} tokens may reach. */
    public long kvBytesFor(int contextSize) {
        return model.kvBytes(contextSize);
    }

    /**
     * Queues a sequence in a session of {@code contextSize} tokens. Refused at once (a BglException
     * naming the sizes) when it could never fit, alone, in the memory limit; otherwise it waits
     * for a slot and memory.
     */
    public Ticket submit(GenerateRequest req, int contextSize, TokenListener listener) {
        if (contextSize <= req.prompt().length)
            throw new BglException("prompt too long: " + req.prompt().length + " tokens do not leave room in a context of " + contextSize);
        long need = kvBytesFor(contextSize);
        if (need > config.kvBytesLimit())
            throw new BglException("a context of " + contextSize + " tokens needs " + need + " bytes of KV cache; the batch's limit is "
                    + config.kvBytesLimit() + " bytes");
        Sequence s = new Sequence(req, contextSize, listener == null ? TokenListener.NONE : listener);
        synchronized (lock) {
            if (closed) throw new BglException("the scheduler is closed");
            waiting.add(s);
            lock.notifyAll();
        }
        return s.ticket;
    }

    public Stats stats() {
        synchronized (lock) {
            boolean idle = running.isEmpty() || System.nanoTime() - lastStepEnd > 2_000_000_000L;
            return new Stats(running.size(), waiting.size(), steps, decoded, prefilled, idle ? 0 : lastBatch, reserved, finished, failed,
                    idle ? 0 : rate, batchedWorks, batchedWorkGroups);
        }
    }

    /** Stops taking work, ends the running and waiting sequences as cancelled, and stops the thread. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One sequence in the scheduler: its loop, its session once admitted, the token it feeds next. */
    private final class Sequence {
        final Ticket ticket = new Ticket();
        final GenerateRequest req;
        final int contextSize;
        final DecodeLoop loop;
        Session session;
        int prefilledUpTo;
        int next = -1;

        Sequence(GenerateRequest req, int contextSize, TokenListener listener) {
            this.req = req;
            this.contextSize = contextSize;
            this.loop = new DecodeLoop(req, listener, model.tokenizer(), model.transformer().config().vocabSize(), contextSize);
        }

        boolean prefilling() {
            return prefilledUpTo < req.prompt().length;
        }
    }

    private void loop() {
        while (true) {
            List<Sequence> dropped = new ArrayList<>();
            synchronized (lock) {
                while (!closed && waiting.isEmpty() && running.isEmpty()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        closed = true;
                    }
                }
                if (closed) break;
                admit(dropped);
            }
            for (Sequence s : dropped) { // cancelled before it started: its loop ends at its first step
                s.loop.step(new float[model.transformer().config().vocabSize()], null, 0);
                finish(s);
            }
            step();
        }
        synchronized (lock) {
            for (Sequence s : running) s.req.cancellation().cancel();
            for (Sequence s : waiting) s.req.cancellation().cancel();
            List<Sequence> all = new ArrayList<>(running);
            all.addAll(waiting);
            waiting.clear();
            running.clear();
            for (Sequence s : all) s.ticket.result.completeExceptionally(new BglException("the scheduler was closed"));
        }
    }

    /**
     * Moves waiting sequences into free slots while their KV cache fits (in order: no overtaking);
     * those cancelled while waiting go to {@code dropped}. Holds the lock.
     */
    private void admit(List<Sequence> dropped) {
        for (Iterator<Sequence> it = waiting.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.req.cancellation().isCancelled()) {
                it.remove();
                s.ticket.admitted = System.nanoTime();
                dropped.add(s);
                continue;
            }
            long need = kvBytesFor(s.contextSize);
            if (running.size() >= config.maxSequences() || reserved + need > config.kvBytesLimit()) break;
            it.remove();
            s.session = model.newSession(s.contextSize);
            s.loop.withProbe(s.session.probe());
            s.ticket.admitted = System.nanoTime();
            reserved += need;
            running.add(s);
        }
    }

    /** One step: prefill chunks, then one batched decode of every sequence that has a token to feed. */
    private void step() {
        long t0 = System.nanoTime();
        List<Sequence> now;
        synchronized (lock) {
            now = new ArrayList<>(running);
        }
        int budget = config.prefillChunk();
        for (Sequence s : now) {
            if (budget <= 0) break;
            if (!s.prefilling()) continue;
            int[] p = s.req.prompt();
            // whole chunks, so that they fall where a lone prefill puts them (the same numbers)
            int n = Math.min(budget / Transformer.MAX_CHUNK * Transformer.MAX_CHUNK, p.length - s.prefilledUpTo);
            if (n == 0) break;
            try {
                if (s.req.cancellation().isCancelled()) {
                    s.loop.step(s.session.logits(), null, s.session.length());
                    retire(s);
                    continue;
                }
                boolean last = s.prefilledUpTo + n == p.length;
                s.session.feed(p, s.prefilledUpTo, n, last && s.loop.wantsHidden(), last);
                s.prefilledUpTo += n;
                prefilled += n;
                budget -= n;
                if (last) {
                    s.loop.started(s.session.length(), s.session.hidden());
                    stepAll(List.of(s));
                }
            } catch (RuntimeException e) {
                fail(s, e);
            }
        }
        List<Sequence> decoding = new ArrayList<>();
        for (Sequence s : now) if (s.next >= 0) decoding.add(s);
        if (decoding.isEmpty()) return;
        int n = decoding.size();
        Session[] sessions = new Session[n];
        int[] tokens = new int[n];
        boolean[] hidden = new boolean[n];
        for (int i = 0; i < n; i++) {
            Sequence s = decoding.get(i);
            sessions[i] = s.session;
            tokens[i] = s.next;
            hidden[i] = s.loop.wantsHidden();
        }
        try {
            Session.feedBatch(batch, sessions, tokens, n, hidden);
        } catch (RuntimeException e) {
            for (Sequence s : decoding) fail(s, e);
            return;
        }
        steps++;
        decoded += n;
        lastBatch = n;
        long t1 = System.nanoTime();
        // a step's rate, prefill in it included; weighted by its length, so the average spans about a second
        double seconds = (t1 - t0) / 1e9, w = Math.min(1, seconds);
        rate = rate == 0 || t1 - lastStepEnd > 2_000_000_000L ? n / seconds : (1 - w) * rate + w * (n / seconds);
        lastStepEnd = t1;
        stepAll(decoding);
    }

    /**
     * Runs every sequence's loop on its fresh logits, their processors' batched works (a predictor's
     * pass) grouped by key and run once per group, then takes each one's next token.
     */
    private void stepAll(List<Sequence> seqs) {
        java.util.Map<Sequence, BatchedWork> pending = new java.util.LinkedHashMap<>();
        List<Sequence> stepped = new ArrayList<>();
        for (Sequence s : seqs) {
            try {
                BatchedWork w = s.loop.start(s.session.logits(), s.session.hidden(), s.session.length());
                stepped.add(s);
                if (w != null) pending.put(s, w);
            } catch (RuntimeException e) {
                fail(s, e);
            }
        }
        while (!pending.isEmpty()) {
            java.util.Map<Object, List<Sequence>> groups = new java.util.IdentityHashMap<>();
            for (var e : pending.entrySet()) groups.computeIfAbsent(e.getValue().batchKey(), k -> new ArrayList<>()).add(e.getKey());
            for (List<Sequence> g : groups.values()) {
                List<BatchedWork> works = new ArrayList<>();
                for (Sequence s : g) works.add(pending.get(s));
                try {
                    works.getFirst().runAll(works);
                    batchedWorks += works.size();
                    batchedWorkGroups++;
                } catch (RuntimeException e) {
                    for (Sequence s : g) {
                        pending.remove(s);
                        stepped.remove(s);
                        fail(s, e);
                    }
                }
            }
            java.util.Map<Sequence, BatchedWork> next = new java.util.LinkedHashMap<>();
            for (Sequence s : pending.keySet()) {
                try {
                    BatchedWork w = s.loop.resume();
                    if (w != null) next.put(s, w);
                } catch (RuntimeException e) {
                    stepped.remove(s);
                    fail(s, e);
                }
            }
            pending = next;
        }
        for (Sequence s : stepped) {
            s.next = s.loop.token();
            if (s.ticket.firstToken < 0 && s.loop.generated() > 0) s.ticket.firstToken = System.nanoTime();
            if (s.next < 0) retire(s);
        }
    }

    private void retire(Sequence s) {
        leave(s);
        finish(s);
    }

    /** Takes the sequence out of the batch; its session, and with it its KV cache, goes at once. */
    private void leave(Sequence s) {
        synchronized (lock) {
            if (running.remove(s)) reserved -= kvBytesFor(s.contextSize);
        }
        if (s.session != null) s.ticket.kvBytesAtEnd = s.session.kvBytes();
        s.session = null;
        s.next = -1;
        s.prefilledUpTo = s.req.prompt().length;
    }

    /** Completes the ticket (outside the lock: the caller's continuations may run here). */
    private void finish(Sequence s) {
        finished++;
        s.ticket.result.complete(s.loop.result());
    }

    private void fail(Sequence s, RuntimeException e) {
        leave(s);
        failed++;
        s.ticket.result.completeExceptionally(e);
    }
}
