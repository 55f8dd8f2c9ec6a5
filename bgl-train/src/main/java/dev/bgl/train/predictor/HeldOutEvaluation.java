package dev.bgl.train.predictor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.model.Transformer;
import dev.bgl.tensor.Parallel;
import dev.bgl.util.BglException;
import org.apache.commons.math3.distribution.GammaDistribution;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How well a predictor does on the held-out traces: the mean Gamma NLL and, with a calibration
 * path, the error of its predicted median and mean remaining length and one JSON line per held-out
 * position (the calibration file the guidance reads).
 *
 * @param nll        mean NLL per position
 * @param maeMedian  mean |median − true remaining length|
 * @param maeMean    the same for the mean, over the positions where the mean is finite (λ > 1)
 * @param finiteMean the share of positions whose mean is finite
 */
record HeldOutEvaluation(double nll, double maeMedian, double maeMean, double finiteMean) {
    /** Positions per forward pass of the evaluation nets. */
    private static final int CHUNK = 64;

    /** Held-out NLL; with a calibration path also the remaining-length errors and the calibration file. */
    static HeldOutEvaluation of(Transformer transformer, PredictorLayout lay, float[] p, List<TrainingSequence> test,
                                Path calibration) {
        float[] pT = new float[lay.size()];
        lay.transposeMatrices(p, pT);
        int nIn = HiddenPositions.inputs(transformer);
        double nll = 0, absMedian = 0, absMean = 0;
        long n = 0, finite = 0;
        BufferedWriter w = null;
        ObjectMapper json = new ObjectMapper();
        try {
            if (calibration != null) w = Files.newBufferedWriter(calibration, StandardCharsets.UTF_8);
            for (int g = 0; g < test.size(); g += PredictorTrainer.GROUP) {
                List<TrainingSequence> group = test.subList(g, Math.min(test.size(), g + PredictorTrainer.GROUP));
                HiddenPositions pos = HiddenPositions.extract(transformer, group);
                float[] alpha = new float[pos.count], lambda = new float[pos.count];
                double[] loss = new double[pos.count];
                int chunks = (pos.count + CHUNK - 1) / CHUNK;
                Parallel.forRange(chunks, 1, (lo, hi) -> {
                    PredictorNet net = new PredictorNet(lay, nIn, CHUNK);
                    for (int c = lo; c < hi; c++) {
                        int a = c * CHUNK, bn = Math.min(CHUNK, pos.count - a);
                        pos.load(net, null, a, bn);
                        net.forward(p, pT, bn);
                        for (int b = 0; b < bn; b++) {
                            alpha[a + b] = net.alpha[b];
                            lambda[a + b] = net.lambda[b];
                            loss[a + b] = GammaNll.nll(net.alpha[b], net.lambda[b], net.x[b]);
                        }
                    }
                });
                for (int i = 0; i < pos.count; i++) {
                    nll += loss[i];
                    n++;
                    if (w == null) continue;
                    double a = alpha[i], l = lambda[i];
                    double median = Math.expm1(new GammaDistribution(null, a, 1 / l,
                            GammaDistribution.DEFAULT_INVERSE_ABSOLUTE_ACCURACY).inverseCumulativeProbability(0.5));
                    // E[L] = E[e^x] − 1 = (λ/(λ−1))^α − 1, finite only for λ > 1
                    double mean = l > 1 ? Math.exp(-a * Math.log1p(-1 / l)) - 1 : Double.POSITIVE_INFINITY;
                    int truth = pos.remaining[i];
                    absMedian += Math.abs(median - truth);
                    if (Double.isFinite(mean)) {
                        absMean += Math.abs(mean - truth);
                        finite++;
                    }
                    ObjectNode row = json.createObjectNode();
                    row.put("id", group.get(pos.sequence[i]).id());
                    row.put("position", pos.offset[i]);
                    row.put("true_remaining", truth);
                    if (Double.isFinite(mean)) row.put("predicted_mean", round(mean));
                    else row.putNull("predicted_mean");
                    row.put("predicted_median", round(median));
                    row.put("alpha", round(a));
                    row.put("lambda", round(l));
                    w.write(json.writeValueAsString(row));
                    w.write('\n');
                }
            }
            if (w != null) w.close();
        } catch (IOException e) {
            throw new BglException("cannot write " + calibration + ": " + e.getMessage(), e);
        }
        return new HeldOutEvaluation(nll / n, absMedian / n, finite == 0 ? Double.NaN : absMean / finite, (double) finite / n);
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    /** MAE of always predicting the training positions' median remaining length: what a predictor must beat. */
    static double constantBaseline(List<TrainingSequence> train, List<TrainingSequence> test) {
        List<Integer> ls = new ArrayList<>();
        for (TrainingSequence s : train) for (int j = s.open(); j < s.close(); j++) ls.add(s.close() - j);
        ls.sort(null);
        int median = ls.get(ls.size() / 2);
        double sum = 0;
        long n = 0;
        for (TrainingSequence s : test)
            for (int j = s.open(); j < s.close(); j++) {
                sum += Math.abs(median - (s.close() - j));
                n++;
            }
        return sum / n;
    }
}
