package dev.bgl.budget;

import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.InsertingProcessor;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.Step;

/**
 * Feeds a {@link BudgetController} its measurements from the decode loop: the end of the prefill
 * and every token that enters the sequence. It must come first in the chain so the strategies after it read
 * an R that already counts the token they are shown; its {@link #prefillEnd} goes last, so the work the
 * strategies do in their own {@code begin} (the predictor encoding the prompt) counts as prefill rather than
 * as a first decode step many times slower than the rest.
 */
public final class BudgetMeter implements InsertingProcessor {
    private final BudgetController controller;

    public BudgetMeter(BudgetController controller) {
        this.controller = controller;
    }

    /** Marks the end of the prefill once every processor before it has begun: put it last in the chain. */
    public static LogitsProcessor prefillEnd(BudgetController controller) {
        return new InsertingProcessor() {
            @Override
            public void begin(Step start, DecodeControl control) {
                controller.afterPrefill();
            }


        };
    }



    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        controller.onToken();
    }
}
