package dev.bgl.eval;

import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accuracy versus thinking budget per difficulty bucket, where a request's difficulty is the predictor's
 * expected thinking length before thinking ({@link EvalRecord#predictedThinking()}). Learned from evaluation
 * records of one budgeted method: each bucket's curve has that method's accuracy at every measured budget,
 * {@code nothink}'s accuracy at budget 0 (0 without such records), and {@code none}'s accuracy at the bucket's
 * mean {@code none} thinking length (more budget than the model wants buys nothing: the curve is flat beyond).
 *
 * @param cuts   ascending predicted lengths separating the buckets: bucket i holds cuts[i-1] <= p < cuts[i]
 * @param curves one per bucket ({@code cuts.length + 1})
 */
public record AccuracyCurves(String method, double[] cuts, List<AccuracyCurve> curves) {
    public AccuracyCurves {
        cuts = cuts.clone();
        curves = List.copyOf(curves);
        if (curves.size() != cuts.length + 1)
            throw new BglException("accuracy curves: " + cuts.length + " cuts need " + (cuts.length + 1) + " curves, got " + curves.size());
        for (int i = 1; i < cuts.length; i++)
            if (!(cuts[i] >= cuts[i - 1])) throw new BglException("accuracy curves: cuts must ascend, got " + Arrays.toString(cuts));
    }

    /** The bucket of a predicted thinking length (NaN, an unknown difficulty, goes to the middle bucket). */
    public int bucket(double predictedThinking) {
        if (Double.isNaN(predictedThinking)) return cuts.length / 2;
        int b = 0;
        while (b < cuts.length && predictedThinking >= cuts[b]) b++;
        return b;
    }

    public AccuracyCurve curve(double predictedThinking) {
        return curves.get(bucket(predictedThinking));
    }

    /**
     * Learns the curves of {@code method} from records, with {@code buckets} buckets cut at quantiles of the
     * problems' predicted lengths (read from that method's records). Errors name what is missing.
     */
    public static AccuracyCurves fromRecords(List<EvalRecord> records, String method, int buckets) {
        if (buckets < 1 || buckets > 100) throw new BglException("accuracy curves: buckets must be in 1..100, got " + buckets);
        Map<String, Double> predicted = new HashMap<>();
        for (EvalRecord r : records)
            if (r.method().equals(method) && r.hasBudget() && Double.isFinite(r.predictedThinking())) predicted.putIfAbsent(r.id(), r.predictedThinking());
        if (predicted.isEmpty())
            throw new BglException("accuracy curves: no '" + method + "' records with a budget and a predicted thinking length");
        double[] sorted = predicted.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int k = Math.min(buckets, sorted.length);
        double[] cuts = new double[k - 1];
        for (int i = 1; i < k; i++) cuts[i - 1] = sorted[(int) ((long) i * sorted.length / k)];
        AccuracyCurves shell = new AccuracyCurves(method, cuts, java.util.Collections.nCopies(k, new AccuracyCurve(new int[]{0}, new double[]{0})));

        // per bucket: budget -> {correct, count}; plus nothink and none tallies
        List<TreeMap<Integer, double[]>> points = new ArrayList<>();
        double[][] nothink = new double[k][2], none = new double[k][3]; // none: correct, count, thinking sum
        for (int i = 0; i < k; i++) points.add(new TreeMap<>());
        for (EvalRecord r : records) {
            Double p = predicted.get(r.id());
            if (p == null) continue; // a problem the method never ran: its difficulty is unknown
            int b = shell.bucket(p);
            if (r.method().equals(method) && r.hasBudget()) {
                double[] a = points.get(b).computeIfAbsent(r.budget(), x -> new double[2]);
                a[0] += r.correct() ? 1 : 0;
                a[1]++;
            } else if (r.method().equals("nothink")) {
                nothink[b][0] += r.correct() ? 1 : 0;
                nothink[b][1]++;
            } else if (r.method().equals("none")) {
                none[b][0] += r.correct() ? 1 : 0;
                none[b][1]++;
                none[b][2] += r.thinkingTokens();
            }
        }
        List<AccuracyCurve> curves = new ArrayList<>();
        for (int b = 0; b < k; b++) {
            TreeMap<Integer, double[]> pts = points.get(b);
            TreeMap<Integer, Double> acc = new TreeMap<>();
            acc.put(0, nothink[b][1] > 0 ? nothink[b][0] / nothink[b][1] : 0.0);
            pts.forEach((budget, a) -> acc.put(budget, a[0] / a[1])); // a measured budget 0 wins over nothink
            if (none[b][1] > 0) {
                int len = (int) Math.round(none[b][2] / none[b][1]);
                double noneAcc = none[b][0] / none[b][1];
                // none is the most the model gets: at its length, unless a measured budget beyond it says more
                acc.merge(Math.max(len, 1), noneAcc, Math::max);
            }
            int[] budgets = acc.keySet().stream().mapToInt(Integer::intValue).toArray();
            double[] accuracy = acc.values().stream().mapToDouble(Double::doubleValue).toArray();
            curves.add(new AccuracyCurve(budgets, accuracy));
        }
        return new AccuracyCurves(method, cuts, curves);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("accuracy curves of " + method + ":");
        for (int b = 0; b < curves.size(); b++) {
            String lo = b == 0 ? "-inf" : String.format(java.util.Locale.ROOT, "%.1f", cuts[b - 1]);
            String hi = b == cuts.length ? "inf" : String.format(java.util.Locale.ROOT, "%.1f", cuts[b]);
            s.append(System.lineSeparator()).append("  predicted [").append(lo).append(", ").append(hi).append("): ").append(curves.get(b));
        }
        return s.toString();
    }
}
