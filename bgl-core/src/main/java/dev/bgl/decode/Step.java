package dev.bgl.decode;

import dev.bgl.decode.ThinkingFormat.Phase;
import dev.bgl.model.HiddenStates;

/**
 * What processors see at one step of the loop: how many tokens were generated so far, the
 * position of the next token in the context, the generated ids, the hidden states at the last
 * position when a processor asked for them (null otherwise), and the loop's {@link ThinkingState}:
 * the phase and the thinking tokens spent. In {@link LogitsProcessor#apply} these are the state
 * before the token about to be chosen; in {@link LogitsProcessor#accept}, after the token accepted;
 * in {@link LogitsProcessor#begin}, where the prompt left the model. {@code probe} looks one token
 * ahead of the tokens fed so far, in {@code begin} and {@code apply} (null in {@code accept}, whose
 * token is not fed yet, and where the driver offers none).
 */
public record Step(int generated, int position, int[] tokens, HiddenStates hidden, Phase phase, int thinkingSpent, Probe probe) {

    /** A step without a probe. */
    public Step(int generated, int position, int[] tokens, HiddenStates hidden, Phase phase, int thinkingSpent) {
        this(generated, position, tokens, hidden, phase, thinkingSpent, null);
    }

    /** Whether the model is inside its thinking. */
    public boolean thinking() {
        return phase == Phase.THINKING;
    }
}
