package dev.bgl.budget;

import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.Step;

/**
 * Feeds a {@link BudgetController} its measurements from the decode loop: the end of the prefill
 * ({@code begin}) and every token that enters the sequence. It must come first in the chain so the
 * strategies after it read an R that already counts the token they are shown.
 */
public final class BudgetMeter implements LogitsProcessor {
    private final BudgetController controller;

    public BudgetMeter(BudgetController controller) {
        this.controller = controller;
    }

    @Override
    public void begin(DecodeControl control) {
        controller.afterPrefill();
    }

    @Override
    public void apply(Step step, float[] logits) {
    }

    @Override
    public boolean argmaxInvariant() {
        return true;
    }

    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        controller.onToken();
    }
}
