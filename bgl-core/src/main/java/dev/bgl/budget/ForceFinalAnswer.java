package dev.bgl.budget;

import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.Sampler;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Step;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The official evaluation's {@code force_final_answer} for guidance: when guided thinking would end
 * with {@code </think>}, the final-answer text ({@link GuidanceOptions#finalAnswerText}) is written in
 * its place, and the model finishes its thinking unguided (it then closes it itself). It comes after
 * {@link GuidanceReweight} in the chain, so it sees the guided logits.
 *
 * <p>Whether {@code </think>} would be drawn is decided from those logits: greedy, it is the argmax;
 * sampling, a draw with its probability at temperature 1, from its own seeded generator (so the
 * request's sampler draws as it would without this option). If so, the text's first token becomes
 * the only choice and the rest is inserted when it is accepted; if not, {@code </think>} is removed
 * so the sampler draws from the rest.
 *
 * <p>Accounting: the text's tokens are thinking tokens (its first one sampled, the rest inserted);
 * once it is written, guidance stops for the rest of the thinking.
 */
final class ForceFinalAnswer implements LogitsProcessor {
    private final int closeId;
    private final int[] text;
    private final boolean greedy;
    private final SplittableRandom random;
    private boolean pending, written;

    /** @param text the final-answer text's tokens (at least one) */
    ForceFinalAnswer(int closeId, int[] text, SamplerConfig sampler) {
        if (text.length == 0) throw new IllegalArgumentException("the final answer text encodes to no tokens");
        this.closeId = closeId;
        this.text = text;
        this.greedy = sampler.greedy();
        this.random = new SplittableRandom(sampler.seed() ^ 0x5DEECE66DL);
    }

    @Override
    public void apply(Step step, float[] logits) {
        if (!step.thinking() || written) return;
        if (closeId >= logits.length || logits[closeId] == Float.NEGATIVE_INFINITY) return;
        boolean trigger;
        if (greedy) {
            trigger = Sampler.argmax(logits, logits.length) == closeId;
        } else {
            float max = Float.NEGATIVE_INFINITY;
            for (float l : logits) max = Math.max(max, l);
            double sum = 0;
            for (float l : logits) sum += Math.exp(l - max);
            trigger = random.nextDouble() < Math.exp(logits[closeId] - max) / sum;
        }
        if (trigger) {
            Arrays.fill(logits, Float.NEGATIVE_INFINITY);
            logits[text[0]] = 0f;
            pending = true;
        } else if (!greedy) {
            logits[closeId] = Float.NEGATIVE_INFINITY;
        }
    }

    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        if (forced || !pending) return;
        pending = false;
        if (token == text[0]) {
            written = true;
            if (text.length > 1) control.insert(Arrays.copyOfRange(text, 1, text.length));
        }
    }

    /** Whether the final-answer text was written in place of a {@code </think>}. */
    boolean written() {
        return written;
    }
}
