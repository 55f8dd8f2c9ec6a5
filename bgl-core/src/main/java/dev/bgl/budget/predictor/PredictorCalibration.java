package dev.bgl.budget.predictor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An online correction of the predictor, learned from finished traces: per difficulty bucket (the predicted
 * thinking length at the first step), a scale s on the predicted log-length. The predictor models
 * X = log(1 + remaining) as Gamma(α, rate λ); s·X is Gamma(α, λ/s), so guidance applies the correction by dividing
 * every λ by s. After each trace, s is refit by exponentially weighted least squares of the true log-length on
 * the predicted mean α/λ at each guided step along the path actually taken:
 * {@code s = Σ w·x·m / Σ w·m²}, older traces weighing (1 − rate) less per trace.
 *
 * <p>It also keeps the mean absolute error of the log predicted remaining length, raw (s = 1) and as corrected
 * before each trace's own update (prequential: never scored on what it has already learned from).
 * Thread-safe: one instance may be shared by the runners of an evaluation.
 */
public final class PredictorCalibration {
    /** Bucket edges on the predicted thinking length at the first step: below 32, 32–64, 64–128, 128 and up. */
    public static final double[] DEFAULT_EDGES = {32, 64, 128};
    public static final double DEFAULT_RATE = 0.1;
    /** A fitted scale is kept within [1/MAX_SCALE, MAX_SCALE]: one odd trace must not wreck guidance. */
    public static final double MAX_SCALE = 4;

    private final double[] edges;
    private final double rate;
    private final double[] num, den;
    private long traces, steps;
    private double rawAbsError, correctedAbsError;

    public PredictorCalibration(double[] edges, double rate) {
        if (!(rate > 0 && rate <= 1)) throw new BglException("calibration: rate must be in (0, 1], got " + rate);
        for (int i = 1; i < edges.length; i++)
            if (!(edges[i] > edges[i - 1])) throw new BglException("calibration: bucket edges must ascend, got " + Arrays.toString(edges));
        this.edges = edges.clone();
        this.rate = rate;
        this.num = new double[edges.length + 1];
        this.den = new double[edges.length + 1];
    }

    public PredictorCalibration() {
        this(DEFAULT_EDGES, DEFAULT_RATE);
    }

    /** The bucket of a predicted thinking length (NaN: the middle one, as no difficulty is known). */
    public int bucket(double predictedThinking) {
        if (Double.isNaN(predictedThinking)) return edges.length / 2;
        int b = 0;
        while (b < edges.length && predictedThinking >= edges[b]) b++;
        return b;
    }

    public int buckets() {
        return num.length;
    }

    /** The scale on log-length for a bucket (1 until the bucket has seen a trace). */
    public synchronized double scale(int bucket) {
        if (den[bucket] <= 0) return 1;
        return Math.max(1 / MAX_SCALE, Math.min(MAX_SCALE, num[bucket] / den[bucket]));
    }

    /**
     * A finished trace: at each guided step i, the thinking tokens spent so far {@code spent[i]} and the raw
     * predicted mean log-length of what remains {@code meanLog[i]} (α/λ of the token taken, before any scale);
     * {@code thinking} the thinking length the trace ended with. Scores, then updates the trace's bucket.
     */
    public synchronized void observe(double predictedThinking, int[] spent, double[] meanLog, int count, int thinking) {
        if (count == 0) return;
        int b = bucket(predictedThinking);
        double s = scale(b), n = 0, d = 0;
        for (int i = 0; i < count; i++) {
            if (!Double.isFinite(meanLog[i])) continue;
            double x = Math.log1p(Math.max(0, thinking - spent[i]));
            rawAbsError += Math.abs(meanLog[i] - x);
            correctedAbsError += Math.abs(s * meanLog[i] - x);
            steps++;
            n += x * meanLog[i];
            d += meanLog[i] * meanLog[i];
        }
        num[b] = (1 - rate) * num[b] + n;
        den[b] = (1 - rate) * den[b] + d;
        traces++;
    }

    /** Mean |log predicted remaining − log true remaining| over the steps seen, raw (s = 1). */
    public synchronized double rawMae() {
        return steps == 0 ? Double.NaN : rawAbsError / steps;
    }

    /** The same with the correction each trace saw before its own update. */
    public synchronized double correctedMae() {
        return steps == 0 ? Double.NaN : correctedAbsError / steps;
    }

    public synchronized long traces() {
        return traces;
    }

    public synchronized long steps() {
        return steps;
    }

    /** {@code NAME.predictor.calibration.json} beside {@code NAME.predictor.safetensors}. */
    public static Path pathFor(Path predictor) {
        String name = predictor.getFileName().toString();
        String base = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return predictor.resolveSibling(base + ".calibration.json");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public synchronized void save(Path file) {
        ObjectNode o = JSON.createObjectNode();
        o.put("rate", rate);
        edges(o.putArray("edges"), edges);
        edges(o.putArray("num"), num);
        edges(o.putArray("den"), den);
        o.put("traces", traces);
        var scales = o.putArray("scales");
        for (int b = 0; b < num.length; b++) scales.add(scale(b));
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), o);
        } catch (IOException e) {
            throw new BglException("cannot write calibration " + file + ": " + e.getMessage());
        }
    }

    private static void edges(com.fasterxml.jackson.databind.node.ArrayNode a, double[] v) {
        for (double x : v) a.add(x);
    }

    /** Reads a file written by {@link #save}; a missing or mistyped field is an error naming the file. */
    public static PredictorCalibration load(Path file) {
        try {
            JsonNode o = JSON.readTree(file.toFile());
            double[] edges = doubles(o, "edges", file);
            PredictorCalibration c = new PredictorCalibration(edges, need(o, "rate", file).asDouble());
            double[] n = doubles(o, "num", file), d = doubles(o, "den", file);
            if (n.length != c.num.length || d.length != c.den.length)
                throw new BglException("calibration " + file + ": num and den need " + c.num.length + " values (edges + 1)");
            System.arraycopy(n, 0, c.num, 0, n.length);
            System.arraycopy(d, 0, c.den, 0, d.length);
            c.traces = need(o, "traces", file).asLong();
            return c;
        } catch (IOException e) {
            throw new BglException("cannot read calibration " + file + ": " + e.getMessage());
        }
    }

    private static JsonNode need(JsonNode o, String f, Path file) {
        JsonNode n = o.get(f);
        if (n == null || n.isNull()) throw new BglException("calibration " + file + ": missing field '" + f + "'");
        return n;
    }

    private static double[] doubles(JsonNode o, String f, Path file) {
        JsonNode a = need(o, f, file);
        if (!a.isArray()) throw new BglException("calibration " + file + ": field '" + f + "' must be an array of numbers");
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            if (!a.get(i).isNumber()) throw new BglException("calibration " + file + ": field '" + f + "' must be an array of numbers");
            v[i] = a.get(i).asDouble();
        }
        return v;
    }
}
