package dev.bgl.decode;

import dev.bgl.model.HiddenStates;

/**
 * One token looked at ahead of a sequence, for a processor that weighs a candidate by where it
 * leads (budget guidance's lookahead): feeds {@code token} at the sequence's next position, writes
 * that position's logits and hidden states into the caller's buffers, and rewinds the cache, so the
 * sequence is as it was (its next token overwrites the position). The drivers hand one to the
 * steps of each sequence ({@link Step#probe}).
 */
@FunctionalInterface
public interface Probe {
    /** Returns false, writing nothing, when the context has no room for one more token. */
    boolean lookAhead(int token, float[] logits, HiddenStates hidden);
}
