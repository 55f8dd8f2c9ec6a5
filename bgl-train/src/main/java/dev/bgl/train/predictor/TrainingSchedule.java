package dev.bgl.train.predictor;

import dev.bgl.train.Rng;

import java.util.ArrayList;
import java.util.List;

/**
 * The order of training: for each epoch a shuffle of the training sequences, taken
 * {@link PredictorTrainer#GROUP} at a time, each group's positions cut into batches. Made before the
 * first step so that the warm-up can be a fraction of the whole run's steps.
 *
 * @param epochOrders       per epoch, the sequences' indices in the order they are trained on
 * @param steps             the batches of the whole run
 * @param positionsPerEpoch the thinking positions of one pass over the training sequences
 */
record TrainingSchedule(List<int[]> epochOrders, int steps, long positionsPerEpoch) {

    static TrainingSchedule of(List<TrainingSequence> train, int epochs, int batch, Rng rng) {
        List<int[]> epochOrders = new ArrayList<>();
        int steps = 0;
        long perEpoch = 0;
        for (TrainingSequence s : train) perEpoch += s.positions();
        for (int e = 0; e < epochs; e++) {
            int[] order = permutation(train.size(), rng);
            epochOrders.add(order);
            for (int g = 0; g < order.length; g += PredictorTrainer.GROUP) {
                long n = 0;
                for (int i = g; i < Math.min(order.length, g + PredictorTrainer.GROUP); i++) n += train.get(order[i]).positions();
                steps += (int) ((n + batch - 1) / batch);
            }
        }
        return new TrainingSchedule(epochOrders, steps, perEpoch);
    }

    /** The sequences of group {@code g} (its first index in the order) of epoch {@code e}. */
    List<TrainingSequence> group(List<TrainingSequence> train, int e, int g) {
        int[] order = epochOrders.get(e);
        List<TrainingSequence> group = new ArrayList<>();
        for (int i = g; i < Math.min(order.length, g + PredictorTrainer.GROUP); i++) group.add(train.get(order[i]));
        return group;
    }

    /** A Fisher–Yates shuffle of 0..n-1 drawn from {@code rng}. */
    static int[] permutation(int n, Rng rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int) (rng.nextDouble() * (i + 1));
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
