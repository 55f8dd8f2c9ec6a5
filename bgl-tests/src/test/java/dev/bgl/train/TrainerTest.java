package dev.bgl.train;

import dev.bgl.tensor.Parallel;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Training a tiny model on a trivially learnable task, and checkpoint/resume. */
class TrainerTest {
    @TempDir
    Path dir;

    /** A tiny model for a counting task over 16 symbols. */
    static TrainConfig tiny(int steps) {
        return new TrainConfig(32, 2, 4, 2, 8, 64, 20, 24, 10_000f, 1e-6f,
                1e-2f, 5, steps, 8, 0.1f, 1f, 42, 0);
    }

    /** Counting sequences: a random start, then each token is the previous one plus 1 (mod 16); loss after the start. */
    static Iterator<Example> countingTask(long seed, int count) {
        Rng rng = new Rng(seed);
        List<Example> out = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            int len = 6 + (int) (rng.nextDouble() * 16);
            int[] t = new int[len];
            boolean[] m = new boolean[len];
            t[0] = 17;
            t[1] = (int) (rng.nextDouble() * 16);
            for (int i = 2; i < len; i++) {
                t[i] = (t[i - 1] + 1) % 16;
                m[i] = true;
            }
            out.add(new Example(t, m));
        }
        return out.iterator();
    }

    @Test
    void lossFallsOnACountingTask() {
        List<Double> losses = new ArrayList<>();
        TrainState s = Trainer.train(tiny(60), countingTask(1, 60 * 8), null, st -> losses.add(st.loss()));
        assertEquals(60, s.step);
        assertEquals(60 * 8, s.examplesConsumed);
        double first = losses.getFirst(), last = (losses.get(57) + losses.get(58) + losses.get(59)) / 3;
        assertTrue(first > 2.5, "initial loss ~ln(20): " + first);
        assertTrue(last < first / 3, "loss " + first + " -> " + last);
    }

    @Test
    void resumeFromCheckpointContinuesTheSameRun() {
        TrainConfig c = tiny(12).withCheckpointEvery(5);
        TrainState whole = Trainer.train(c, countingTask(2, 1000), null, null);
        Path ck = dir.resolve("ck");
        // the first run's data ends after 7 batches: it stops there and checkpoints
        TrainState part = Trainer.train(c, countingTask(2, 7 * 8 + 3), ck, null);
        assertEquals(7, part.step);
        assertTrue(Files.exists(ck.resolve(Checkpoint.FILE_NAME)));
        TrainState resumed = Trainer.train(c, countingTask(2, 1000), ck, null);
        assertEquals(12, resumed.step);
        assertEquals(whole.examplesConsumed, resumed.examplesConsumed);
        // the same run, bit for bit: the training kernels round the same way interpreted and
        // compiled (TrainingDeterminismTest), so any difference is a resume bug
        assertSameBits(whole.params, resumed.params, "params");
        assertSameBits(whole.m, resumed.m, "Adam's first moments");
        assertSameBits(whole.v, resumed.v, "Adam's second moments");
    }

    static void assertSameBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++)
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i]))
                fail(what + " differ first at element " + i + ": " + want[i] + " in the whole run, " + got[i] + " resumed");
    }

    @Test
    void oneAndTwoThreadsAgreeClosely() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            TrainState one = Trainer.train(tiny(3), countingTask(3, 100), null, null);
            Parallel.setThreads(2);
            TrainState two = Trainer.train(tiny(3), countingTask(3, 100), null, null);
            // not bit for bit: two workers each sum their sequences' gradients, then the two sums
            // are added, which rounds differently from one running sum (a few float ulps of a
            // gradient); Adam turns that into parameter differences far below lr (1e-2) after 3 steps
            for (int i = 0; i < one.params.length; i++) assertEquals(one.params[i], two.params[i], 1e-4);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void badInputIsReported() {
        TrainConfig c = tiny(2);
        Iterator<Example> tooLong = List.of(new Example(new int[30], new boolean[30])).iterator();
        assertTrue(assertThrows(BglException.class, () -> Trainer.train(c.withSteps(1), repeat(tooLong, 8), null, null))
                .getMessage().contains("max-seq"));
        Iterator<Example> badToken = List.of(new Example(new int[]{1, 99}, new boolean[]{false, true})).iterator();
        assertTrue(assertThrows(BglException.class, () -> Trainer.train(c, repeat(badToken, 8), null, null))
                .getMessage().contains("99"));
        assertThrows(BglException.class, () -> new TrainConfig(32, 2, 3, 2, 8, 64, 20, 24, 1e4f, 1e-6f, 1e-2f, 0, 1, 1, 0, 1, 1, 0));
    }

    @Test
    void checkpointOfAnotherShapeIsRejected() throws Exception {
        Path ck = dir.resolve("other");
        Trainer.train(tiny(2), countingTask(4, 16), ck, null);
        TrainConfig wider = new TrainConfig(48, 2, 4, 2, 8, 64, 20, 24, 10_000f, 1e-6f, 1e-2f, 5, 4, 8, 0.1f, 1f, 42, 0);
        BglException e = assertThrows(BglException.class, () -> Trainer.train(wider, countingTask(4, 64), ck, null));
        assertTrue(e.getMessage().contains("dim 32"), e.getMessage());
        Files.write(ck.resolve(Checkpoint.FILE_NAME), new byte[]{1, 2, 3});
        assertThrows(BglException.class, () -> Trainer.train(tiny(2), countingTask(4, 64), ck, null));
    }

    private static Iterator<Example> repeat(Iterator<Example> one, int n) {
        Example e = one.next();
        List<Example> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(e);
        return l.iterator();
    }
}
