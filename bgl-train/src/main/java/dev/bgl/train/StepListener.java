package dev.bgl.train;

/** Receives a report after every optimiser step. */
@FunctionalInterface
public interface StepListener {
    /**
     * @param step          1-based step just done
     * @param loss          mean loss over the batch's counted positions
     * @param tokensPerSecond positions (forward + backward) processed per second in this step
     */
    record Stats(int step, int steps, double loss, double tokensPerSecond, float lr, double gradNorm, long examplesConsumed) {
    }

    void onStep(Stats stats);

    StepListener NONE = s -> {
    };
}
