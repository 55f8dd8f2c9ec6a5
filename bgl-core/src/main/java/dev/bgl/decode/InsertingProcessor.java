package dev.bgl.decode;

/**
 * A processor that steers only by what it inserts through {@link DecodeControl} (a cut at the
 * budget, a ceiling, a meter that only counts): it never touches the logits, so a greedy loop may
 * skip it when choosing the argmax.
 */
public interface InsertingProcessor extends LogitsProcessor {
    @Override
    default void apply(Step step, float[] logits) {
        // nothing: this processor acts by insertion or not at all
    }

    @Override
    default boolean argmaxInvariant() {
        return true;
    }
}
