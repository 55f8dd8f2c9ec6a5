package dev.bgl.train;

import java.util.Arrays;

/**
 * Trains {@link TrainingDeterminismTest}'s model and prints a digest of the final parameters and
 * Adam moments, for the test to compare across JVMs whose JIT compiles differently.
 */
public final class DeterminismMain {
    private DeterminismMain() {
    }

    /** A model wide enough that every training kernel runs whole vectors and a scalar tail (head 24, ffn 100). */
    static TrainConfig config() {
        return new TrainConfig(48, 2, 4, 2, 24, 100, 20, 24, 10_000f, 1e-6f, 1e-2f, 1, 3, 4, 0.1f, 1f, 7, 0);
    }

    static String digest() {
        TrainState s = Trainer.train(config(), TrainerTest.countingTask(5, 1000), null, null);
        return "params " + Arrays.hashCode(s.params) + " m " + Arrays.hashCode(s.m) + " v " + Arrays.hashCode(s.v);
    }

    public static void main(String[] args) {
        System.out.println(digest());
    }
}
