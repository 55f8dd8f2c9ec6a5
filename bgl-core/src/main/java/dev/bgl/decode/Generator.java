package dev.bgl.decode;

import dev.bgl.tokenizer.StreamingDecoder;
import dev.bgl.tokenizer.Tokenizer;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The decode loop: prefill, then per step the processor chain, the sampler, {@code accept} for
 * every processor, streaming of completed text, and the stop checks. It keeps the thinking state
 * ({@link ThinkingState}: the phase and the thinking spent), once, for the processors (in each
 * {@link Step}) and the listener. It knows nothing about budgets; processors steer it through
 * logits and {@link DecodeControl}.
 */
public final class Generator {
    private final Session session;
    private final Tokenizer tokenizer;

    public Generator(Session session, Tokenizer tokenizer) {
        this.session = session;
        this.tokenizer = tokenizer;
    }

    public GenerateResult generate(GenerateRequest req, TokenListener listener) {
        boolean hidden = req.processors().stream().anyMatch(LogitsProcessor::needsHiddenStates);
        int vocab = session.model().config().vocabSize();
        long t0 = System.nanoTime();
        session.feed(req.prompt(), 0, req.prompt().length, hidden);
        long t1 = System.nanoTime();

        Control control = new Control();
        ThinkingState thinking = new ThinkingState(req.thinking());
        Step start = new Step(0, session.length(), new int[0], session.hidden(), thinking.phase(), 0);
        for (LogitsProcessor p : req.processors()) p.begin(start, control);
        Sampler sampler = new Sampler(req.sampler());
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        StopMatcher stops = new StopMatcher(req.stopStrings());
        int[] out = new int[Math.max(16, Math.min(req.maxTokens(), 4096))];
        int n = 0, forcedCount = 0;
        StringBuilder text = new StringBuilder();
        StopReason reason = StopReason.MAX_TOKENS;
        String detail = "";

        while (n < req.maxTokens()) {
            if (req.cancellation().isCancelled()) {
                reason = StopReason.CANCELLED;
                break;
            }
            boolean forced = !control.pending.isEmpty();
            Step step = new Step(n, session.length(), out, session.hidden(), thinking.phase(), thinking.spent());
            int token;
            if (forced) {
                token = control.pending.poll();
            } else {
                if (control.stopReason != null) {
                    reason = StopReason.PROCESSOR;
                    detail = control.stopReason;
                    break;
                }
                float[] logits = session.logits();
                for (LogitsProcessor p : req.processors()) p.apply(step, logits);
                token = sampler.sample(logits, vocab);
            }
            if (token < 0 || token >= vocab) throw new IllegalStateException("token " + token + " outside the vocabulary");
            thinking.accept(token);
            Step after = new Step(n, step.position(), out, step.hidden(), thinking.phase(), thinking.spent());
            for (LogitsProcessor p : req.processors()) p.accept(after, token, forced, control);
            if (n == out.length) out = Arrays.copyOf(out, out.length * 2);
            out[n++] = token;
            if (forced) forcedCount++;

            if (!forced && req.stopAtEndOfGeneration() && tokenizer.isEndOfGeneration(token)) {
                reason = StopReason.END_OF_GENERATION;
                detail = tokenizer.tokenText(token);
                listener.onToken(token, "", false, thinking.phase());
                break;
            }
            String piece = decoder.accept(token);
            String emitted = stops.push(piece);
            text.append(emitted);
            listener.onToken(token, emitted, forced, thinking.phase());
            if (stops.matched() != null) {
                reason = StopReason.STOP_STRING;
                detail = stops.matched();
                break;
            }
            if (session.length() >= session.contextSize()) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            session.feed(token, hidden);
        }
        if (reason != StopReason.STOP_STRING) {
            String tail = stops.flush(decoder.flush());
            if (!tail.isEmpty()) {
                text.append(tail);
                listener.onToken(-1, tail, false, thinking.phase());
            }
        }
        long t2 = System.nanoTime();
        return new GenerateResult(Arrays.copyOf(out, n), text.toString(), reason, detail, req.prompt().length,
                forcedCount, t1 - t0, t2 - t1, thinking.from(), thinking.close());
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
