package dev.bgl.decode;

import dev.bgl.model.HiddenStates;

/**
 * What processors see at one step of the loop: how many tokens were generated so far, the
 * position of the next token in the context, the generated ids, and the hidden states at the
 * last position when a processor asked for them (null otherwise).
 */
public record Step(int generated, int position, int[] tokens, HiddenStates hidden) {

    /** The id of the last token in the sequence (prompt or generated), or −1 at the very start. */
    public int lastToken() {
        return generated > 0 ? tokens[generated - 1] : -1;
    }
}
