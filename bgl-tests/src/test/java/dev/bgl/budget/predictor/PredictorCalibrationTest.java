package dev.bgl.budget.predictor;

import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The online correction on synthetic traces from a predictor with a known bias. */
class PredictorCalibrationTest {

    /**
     * A trace of {@code length} thinking tokens guided at every step, from a predictor whose mean log-length is
     * {@code bias} times the truth (times a little noise).
     */
    static void feed(PredictorCalibration c, double predictedThinking, int length, double bias, SplittableRandom rnd) {
        int[] spent = new int[length];
        double[] meanLog = new double[length];
        for (int i = 0; i < length; i++) {
            spent[i] = i + 1;
            meanLog[i] = bias * Math.log1p(length - spent[i]) * (1 + 0.05 * (rnd.nextDouble() - 0.5));
        }
        c.observe(predictedThinking, spent, meanLog, length, length);
    }

    @Test
    void scaleMovesTowardTheTruthAndTheErrorFalls() {
        var c = new PredictorCalibration();
        var rnd = new SplittableRandom(3);
        assertEquals(1.0, c.scale(c.bucket(100)));
        // hard problems (bucket 64-128) the predictor thinks shorter than they are: log-length at 0.6x the truth
        for (int t = 0; t < 40; t++) feed(c, 100, 150 + rnd.nextInt(100), 0.6, rnd);
        double s = c.scale(c.bucket(100));
        assertEquals(1 / 0.6, s, 0.05, "the scale undoes the bias");
        assertEquals(1.0, c.scale(c.bucket(10)), "other buckets are untouched");
        assertTrue(c.correctedMae() < 0.5 * c.rawMae(), "raw " + c.rawMae() + " corrected " + c.correctedMae());
        // the raw error is what the bias costs: mean |0.4·log1p(r)| over the steps, far above zero
        assertTrue(c.rawMae() > 1, "raw " + c.rawMae());
    }

    @Test
    void anUnbiasedPredictorStaysAtOne() {
        var c = new PredictorCalibration();
        var rnd = new SplittableRandom(5);
        for (int t = 0; t < 20; t++) feed(c, 20, 10 + rnd.nextInt(20), 1.0, rnd);
        assertEquals(1.0, c.scale(c.bucket(20)), 0.02);
    }

    @Test
    void newerTracesWeighMore() {
        var c = new PredictorCalibration(PredictorCalibration.DEFAULT_EDGES, 0.3);
        var rnd = new SplittableRandom(7);
        for (int t = 0; t < 30; t++) feed(c, 40, 60, 2.0, rnd); // first too long
        for (int t = 0; t < 30; t++) feed(c, 40, 60, 0.5, rnd); // then too short: the scale follows the newer traces
        assertEquals(2.0, c.scale(c.bucket(40)), 0.1);
    }

    @Test
    void scaleIsBounded() {
        var c = new PredictorCalibration();
        feed(c, 40, 60, 0.01, new SplittableRandom(1));
        assertEquals(PredictorCalibration.MAX_SCALE, c.scale(c.bucket(40)));
    }

    @Test
    void savesAndLoadsBesideThePredictor(@TempDir Path dir) throws Exception {
        var c = new PredictorCalibration();
        var rnd = new SplittableRandom(9);
        for (int t = 0; t < 10; t++) feed(c, 100, 200, 0.7, rnd);
        Path file = PredictorCalibration.pathFor(dir.resolve("bgl-reasoner.predictor.safetensors"));
        assertEquals("bgl-reasoner.predictor.calibration.json", file.getFileName().toString());
        c.save(file);
        var back = PredictorCalibration.load(file);
        for (int b = 0; b < c.buckets(); b++) assertEquals(c.scale(b), back.scale(b), 1e-12);
        assertEquals(10, back.traces());
        Files.writeString(file, "{\"rate\":0.1,\"edges\":[32,64,128],\"num\":[1],\"den\":[1,1,1,1],\"traces\":1}");
        var e = assertThrows(BglException.class, () -> PredictorCalibration.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        Files.writeString(file, "not json");
        assertThrows(BglException.class, () -> PredictorCalibration.load(file));
    }
}
