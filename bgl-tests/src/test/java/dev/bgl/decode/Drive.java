package dev.bgl.decode;

import dev.bgl.decode.ThinkingFormat.Phase;
import dev.bgl.model.HiddenStates;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Drives a processor by hand as the decode loop does: a {@link ThinkingState} per processor sees
 * each accepted token, and the processor gets steps that carry it (before the token in
 * {@code apply}, after it in {@code accept}). {@code begin} is called with the start state before
 * the first step unless the test calls it itself.
 */
public final class Drive {
    private static final Map<LogitsProcessor, Drive> RUNS = Collections.synchronizedMap(new IdentityHashMap<>());
    private static final DecodeControl IGNORED = new DecodeControl() {
        public void insert(int... tokens) {
        }

        public void insertText(String text) {
        }

        public void stop(String reason) {
        }
    };

    private final ThinkingState state;
    private boolean begun;

    private Drive(ThinkingFormat format) {
        this.state = new ThinkingState(format);
    }

    /** Registers {@code p} with a fresh thinking state that starts in {@code start}; returns {@code p}. */
    public static <P extends LogitsProcessor> P track(P p, int openId, int closeId, Phase start) {
        RUNS.put(p, new Drive(new ThinkingFormat(openId, closeId, start)));
        return p;
    }

    public static <P extends LogitsProcessor> P track(P p, int openId, int closeId, boolean promptOpensThinking) {
        return track(p, openId, closeId, promptOpensThinking ? Phase.THINKING : Phase.BEFORE);
    }

    /** A step with no thinking state yet (the drive fills it in). */
    public static Step base(int generated, int position, int[] tokens, HiddenStates hidden) {
        return new Step(generated, position, tokens, hidden, Phase.BEFORE, 0);
    }

    public static ThinkingState state(LogitsProcessor p) {
        return of(p).state;
    }

    public static void begin(LogitsProcessor p, DecodeControl control) {
        Drive d = of(p);
        d.begun = true;
        p.begin(d.step(null), control);
    }

    public static void apply(LogitsProcessor p, Step base, float[] logits) {
        Drive d = started(p);
        p.apply(d.step(base), logits);
    }

    public static void accept(LogitsProcessor p, Step base, int token, boolean forced, DecodeControl control) {
        Drive d = started(p);
        d.state.accept(token);
        p.accept(d.step(base), token, forced, control);
    }

    private static Drive started(LogitsProcessor p) {
        Drive d = of(p);
        if (!d.begun) begin(p, IGNORED);
        return d;
    }

    private static Drive of(LogitsProcessor p) {
        Drive d = RUNS.get(p);
        if (d == null) throw new IllegalStateException("processor not tracked: call Drive.track first");
        return d;
    }

    private Step step(Step base) {
        if (base == null) return new Step(0, 0, new int[1], null, state.phase(), state.spent());
        return new Step(base.generated(), base.position(), base.tokens(), base.hidden(), state.phase(), state.spent());
    }
}
