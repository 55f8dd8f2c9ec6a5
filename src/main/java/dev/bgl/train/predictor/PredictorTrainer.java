package dev.bgl.train.predictor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.model.Transformer;
import dev.bgl.tensor.Parallel;
import dev.bgl.train.Rng;
import dev.bgl.train.StepListener;
import dev.bgl.tasks.Split;
import dev.bgl.util.BglException;
import org.apache.commons.math3.distribution.GammaDistribution;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trains a budget predictor (Li et al. 2025) on the frozen LLM's own traces: at every thinking
 * position, the Gamma NLL of x = log(L + 1) for the token that actually came next (see
 * {@link TrainingSequence} for the positions and L, {@link PredictorNet} for the network). The
 * LLM's hidden states are computed as needed, a group of traces at a time, whose positions are
 * shuffled together into batches. 10% of the traces (by a hash of their id) are held out to measure
 * the NLL and the error of the predicted remaining length; a calibration file of the held-out
 * positions is written beside the weights.
 *
 * <p>AdamW (β 0.9/0.999, eps 1e-8) with gradient clipping at 1, constant learning rate after a
 * linear warm-up, as the official recipe (lr 1e-4, 5% warm-up, HF's default weight decay 0 and
 * clipping 1). Deterministic for a seed: the batch is cut into a fixed number of shards whose
 * gradients are summed in order, whatever the thread count.
 */
public final class PredictorTrainer {
    /** Shards per batch: fixed so that the result does not depend on the thread count. */
    static final int SHARDS = 4;
    /** Traces whose hidden states are computed together; their positions are shuffled together. */
    static final int GROUP = 64;
    static final float BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-8f;

    /**
     * @param ffn           FFN inner size (0: 4·width, as BERT)
     * @param warmup        fraction of the steps with a linear warm-up
     * @param weightDecay   AdamW decay of the matrices, CLS vector and heads (not of biases and LayerNorms)
     * @param clip          global gradient-norm limit (0: none)
     * @param heldOut       fraction of traces held out for evaluation
     */
    public record Options(int width, int layers, int heads, int ffn, int epochs, float lr, float warmup, float weightDecay,
                          float clip, int batch, boolean concise, long seed, double heldOut) {
        public Options {
            if (width < 1 || layers < 1 || heads < 1)
                throw new BglException("predictor: width, layers and heads must be >= 1 (got " + width + ", " + layers + ", " + heads
                        + "); with no layer the CLS output would not see the hidden states");
            if (width % heads != 0) throw new BglException("predictor: --width " + width + " is not a multiple of --heads " + heads);
            if (ffn < 0) throw new BglException("predictor: --ffn must be >= 0, got " + ffn);
            if (epochs < 1) throw new BglException("predictor: --epochs must be >= 1, got " + epochs);
            if (!(lr > 0)) throw new BglException("predictor: --lr must be > 0, got " + lr);
            if (!(warmup >= 0 && warmup < 1)) throw new BglException("predictor: warm-up fraction must be in [0, 1), got " + warmup);
            if (!(weightDecay >= 0)) throw new BglException("predictor: --weight-decay must be >= 0, got " + weightDecay);
            if (batch < 1) throw new BglException("predictor: --batch must be >= 1, got " + batch);
            if (!(heldOut >= 0 && heldOut < 1)) throw new BglException("predictor: held-out fraction must be in [0, 1), got " + heldOut);
        }

        /** The official recipe: lr 1e-4 constant after 5% warm-up, 1 epoch, no weight decay, clip 1 (BERT-base shape: 768/12/12). */
        public static Options paper(long seed) {
            return new Options(768, 12, 12, 0, 1, 1e-4f, 0.05f, 0f, 1f, 64, false, seed, 0.1);
        }

        /** bgl's defaults for its small model: see the CLI's help for why. */
        public static Options defaults(long seed) {
            return new Options(64, 2, 4, 0, 2, 1e-3f, 0.05f, 0f, 1f, 64, false, seed, 0.1);
        }

        PredictorConfig config(int hidden, int vocab) {
            return new PredictorConfig(hidden, width, layers, heads, ffn > 0 ? ffn : 4 * width, vocab, PredictorConfig.BERT_EPS);
        }
    }

    /** Figures of a run. NaN where not measured (no held-out traces). */
    public record Report(int traces, int unusable, int trainSequences, int heldOutTraces, long trainPositionsPerEpoch,
                         long heldOutPositions, int steps, double seconds, double positionsPerSecond,
                         double firstLoss, double lastLoss, double heldOutNllBefore, double heldOutNll,
                         double maeMedian, double maeMean, double finiteMeanFraction, double maeConstant,
                         double initAlpha, double initLambda, String weights, String calibration) {
    }

    private final LoadedModel model;
    private final Options o;
    private final PredictorLayout lay;
    private final int llmLayers, hidden, nIn;
    private final Transformer transformer;

    PredictorTrainer(LoadedModel model, Options o) {
        this.model = model;
        this.o = o;
        this.transformer = model.transformer();
        this.llmLayers = transformer.config().layers();
        this.hidden = transformer.config().dim();
        this.nIn = llmLayers + 1;
        this.lay = new PredictorLayout(o.config(hidden, transformer.config().vocabSize()));
    }

    /** Trains on {@code traces}, saves the weights to {@code out} and the calibration file beside it. */
    public static Report train(LoadedModel model, List<Trace> traces, Options o, Path out, StepListener listener) {
        if (!model.isThinkingModel()) throw new BglException("model " + model.name() + " has no </think> token: no predictor to train");
        return new PredictorTrainer(model, o).run(traces, out, listener == null ? StepListener.NONE : listener);
    }

    static boolean heldOut(String id, double fraction) {
        return fraction > 0 && Split.of("predictor-holdout:" + id, fraction) == Split.TEST;
    }

    private Report run(List<Trace> traces, Path out, StepListener listener) {
        long t0 = System.nanoTime();
        int vocab = transformer.config().vocabSize();
        List<TrainingSequence> train = new ArrayList<>(), test = new ArrayList<>();
        int unusable = 0, heldOutTraces = 0;
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Trace t : traces) {
            TraceFile.check(t, vocab, "trace " + t.id());
            if (!ids.add(t.id())) throw new BglException("trace id " + t.id() + " appears twice in the traces");
            TrainingSequence s = TrainingSequence.of(t, model.thinkOpenId(), model.thinkCloseId());
            if (s == null) {
                unusable++;
                continue;
            }
            if (heldOut(t.id(), o.heldOut())) {
                test.add(s);
                heldOutTraces++;
            } else {
                train.add(s);
                if (o.concise()) {
                    TrainingSequence c = TrainingSequence.concise(t, model.tokenizer(), model.thinkOpenId(), model.thinkCloseId());
                    if (c != null) train.add(c);
                }
            }
        }
        if (train.isEmpty()) throw new BglException("no usable training traces: " + traces.size() + " traces, " + unusable
                + " without closed thinking, " + heldOutTraces + " held out");

        float[] p = init(train);
        double initAlpha = GammaNll.softplus(p[lay.alpha().offset()]), initLambda = GammaNll.softplus(p[lay.lam().offset()]);
        double nllBefore = test.isEmpty() ? Double.NaN : evaluate(p, test, null).nll;

        // the schedule: epochs × groups of shuffled traces, each group's positions cut into batches
        Rng rng = new Rng(o.seed());
        List<int[]> epochOrders = new ArrayList<>();
        int steps = 0;
        long perEpoch = 0;
        for (TrainingSequence s : train) perEpoch += s.positions();
        for (int e = 0; e < o.epochs(); e++) {
            int[] order = permutation(train.size(), rng);
            epochOrders.add(order);
            for (int g = 0; g < order.length; g += GROUP) {
                long n = 0;
                for (int i = g; i < Math.min(order.length, g + GROUP); i++) n += train.get(order[i]).positions();
                steps += (int) ((n + o.batch() - 1) / o.batch());
            }
        }
        int warmupSteps = (int) Math.ceil(o.warmup() * steps);

        float[] pT = new float[lay.size()], grad = new float[lay.size()], m = new float[lay.size()], v = new float[lay.size()];
        int shards = Math.min(SHARDS, o.batch()), perShard = (o.batch() + shards - 1) / shards;
        PredictorNet[] nets = new PredictorNet[shards];
        float[][] shardGrads = new float[shards][lay.headsOffset()];
        double[] shardLoss = new double[shards];
        for (int s = 0; s < shards; s++) nets[s] = new PredictorNet(lay, nIn, perShard);

        int step = 0;
        double firstLoss = Double.NaN;
        double lastSum = 0;
        int lastCount = 0, lastFrom = Math.max(0, steps - Math.max(1, steps / 20));
        long positionsDone = 0, trainNanos = 0;
        for (int e = 0; e < o.epochs(); e++) {
            int[] order = epochOrders.get(e);
            for (int g = 0; g < order.length; g += GROUP) {
                List<TrainingSequence> group = new ArrayList<>();
                for (int i = g; i < Math.min(order.length, g + GROUP); i++) group.add(train.get(order[i]));
                Positions pos = extract(group);
                int[] perm = permutation(pos.count, rng);
                for (int b0 = 0; b0 < pos.count; b0 += o.batch()) {
                    long s0 = System.nanoTime();
                    int bn = Math.min(o.batch(), pos.count - b0), from = b0;
                    lay.transposeMatrices(p, pT);
                    float scale = 1f / bn;
                    Parallel.forRange(shards, 1, (lo, hi) -> {
                        for (int s = lo; s < hi; s++) {
                            int a = from + (int) ((long) bn * s / shards), z = from + (int) ((long) bn * (s + 1) / shards);
                            Arrays.fill(shardGrads[s], 0f);
                            shardLoss[s] = 0;
                            if (z <= a) {
                                nets[s].reset();
                                continue;
                            }
                            load(nets[s], pos, perm, a, z - a);
                            shardLoss[s] = nets[s].forward(p, pT, z - a);
                            nets[s].backward(p, scale, shardGrads[s]);
                        }
                    });
                    double loss = 0;
                    for (int s = 0; s < shards; s++) {
                        loss += shardLoss[s];
                        float[] sg = shardGrads[s];
                        for (int i = 0; i < sg.length; i++) grad[i] += sg[i];
                        nets[s].addHeadGradients(grad);
                    }
                    loss /= bn;
                    float lr = step < warmupSteps ? o.lr() * (step + 1) / warmupSteps : o.lr();
                    double norm = adamw(p, grad, m, v, step + 1, lr);
                    clearGradient(grad, nets);
                    step++;
                    positionsDone += bn;
                    trainNanos += System.nanoTime() - s0;
                    if (step == 1) firstLoss = loss;
                    if (step > lastFrom) {
                        lastSum += loss;
                        lastCount++;
                    }
                    listener.onStep(new StepListener.Stats(step, steps, loss, positionsDone / (trainNanos / 1e9), lr, norm, positionsDone));
                }
            }
        }

        PredictorWeights w = lay.toWeights(p);
        try {
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
        } catch (IOException ex) {
            throw new BglException("cannot create the folder of " + out + ": " + ex.getMessage(), ex);
        }
        w.save(out);
        Path calibration = sibling(out, ".calibration.jsonl");
        Eval ev = test.isEmpty() ? null : evaluate(p, test, calibration);
        double constant = test.isEmpty() ? Double.NaN : constantBaseline(train, test);
        long heldOutPositions = 0;
        for (TrainingSequence s : test) heldOutPositions += s.positions();
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Report(traces.size(), unusable, train.size(), heldOutTraces, perEpoch, heldOutPositions, steps, secs,
                positionsDone / Math.max(1e-9, trainNanos / 1e9), firstLoss, lastCount == 0 ? Double.NaN : lastSum / lastCount,
                nllBefore, ev == null ? Double.NaN : ev.nll, ev == null ? Double.NaN : ev.maeMedian,
                ev == null ? Double.NaN : ev.maeMean, ev == null ? Double.NaN : ev.finiteMean,
                constant, initAlpha, initLambda, out.toString(), ev == null ? null : calibration.toString());
    }

    static Path sibling(Path out, String suffix) {
        String name = out.getFileName().toString().replaceFirst("\\.safetensors$", "");
        return out.resolveSibling(name + suffix);
    }

    /**
     * BERT initialisation (N(0, 0.02) matrices and heads, zero biases and CLS, unit LayerNorm gains),
     * except that the last LayerNorm's channel 0 starts as the constant 1 and the heads' column 0
     * holds softplus⁻¹ of the Gamma fitted by moments to the training x: the predictor starts
     * from the marginal distribution of the remaining length instead of α = λ ≈ 0.7 (L ≈ 2).
     */
    float[] init(List<TrainingSequence> train) {
        Rng rng = new Rng(o.seed() ^ 0x5DEECE66DL);
        float[] p = new float[lay.size()];
        for (PredictorLayout.View v : lay.views()) {
            boolean gain = v.name().endsWith("LayerNorm.weight");
            for (int i = 0; i < v.size(); i++)
                p[v.offset() + i] = switch (v.kind()) {
                    case MATRIX, HEAD -> (float) (rng.nextGaussian() * 0.02);
                    case VECTOR -> gain ? 1f : 0f;
                    case CLS -> 0f;
                };
        }
        double sum = 0, sq = 0;
        long n = 0;
        for (TrainingSequence s : train)
            for (int j = s.open(); j < s.close(); j++) {
                double x = GammaNll.encode(s.close() - j);
                sum += x;
                sq += x * x;
                n++;
            }
        double mean = sum / n, var = Math.max(1e-6, sq / n - mean * mean);
        double alpha = Math.min(1e3, Math.max(0.1, mean * mean / var)), lambda = alpha / mean;
        PredictorLayout.Layer last = lay.layer(lay.config().layers() - 1);
        p[last.ln2W().offset()] = 0f;
        p[last.ln2B().offset()] = 1f;
        int d = lay.config().width();
        for (int r = 0; r < lay.config().vocab(); r++) {
            p[lay.alpha().offset() + r * d] = (float) GammaNll.softplusInverse(alpha);
            p[lay.lam().offset() + r * d] = (float) GammaNll.softplusInverse(lambda);
        }
        return p;
    }

    /** AdamW as PyTorch's (decoupled decay lr·wd·p), after clipping; returns the gradient norm before clipping. */
    private double adamw(float[] p, float[] g, float[] m, float[] v, int t, float lr) {
        double ss = 0;
        for (float x : g) ss += (double) x * x;
        double norm = Math.sqrt(ss);
        float gs = o.clip() > 0 && norm > o.clip() ? (float) (o.clip() / (norm + 1e-6)) : 1f;
        float c1 = 1f / (1f - (float) Math.pow(BETA1, t)), c2 = 1f / (1f - (float) Math.pow(BETA2, t));
        for (PredictorLayout.View view : lay.views()) {
            float decay = view.kind() == PredictorLayout.Kind.VECTOR ? 0f : o.weightDecay();
            int end = view.offset() + view.size();
            for (int i = view.offset(); i < end; i++) {
                float gi = g[i] * gs;
                float mi = m[i] = BETA1 * m[i] + (1 - BETA1) * gi;
                float vi = v[i] = BETA2 * v[i] + (1 - BETA2) * gi * gi;
                p[i] -= lr * decay * p[i];
                p[i] -= lr * (mi * c1) / ((float) Math.sqrt(vi * c2) + EPS);
            }
        }
        return norm;
    }

    /** Zeroes the dense part and the head rows the last batch touched. */
    private void clearGradient(float[] grad, PredictorNet[] nets) {
        Arrays.fill(grad, 0, lay.headsOffset(), 0f);
        int d = lay.config().width(), ao = lay.alpha().offset(), lo = lay.lam().offset();
        for (PredictorNet net : nets)
            for (int b = 0; b < net.batch(); b++) {
                int r = net.target[b];
                Arrays.fill(grad, ao + r * d, ao + (r + 1) * d, 0f);
                Arrays.fill(grad, lo + r * d, lo + (r + 1) * d, 0f);
            }
    }

    /** The positions of a group of sequences: hidden vectors [count][nIn][hidden], targets, x and L. */
    static final class Positions {
        final float[] hidden;
        final int[] target, remaining, sequence, offset;
        final float[] x;
        final int count;

        Positions(int count, int nIn, int hidden) {
            this.count = count;
            this.hidden = new float[count * nIn * hidden];
            target = new int[count];
            remaining = new int[count];
            sequence = new int[count];
            offset = new int[count];
            x = new float[count];
        }
    }

    /** Runs the frozen LLM over the sequences (in parallel) and gathers the inputs of every thinking position. */
    Positions extract(List<TrainingSequence> seqs) {
        int total = 0;
        int[] first = new int[seqs.size()];
        for (int i = 0; i < seqs.size(); i++) {
            first[i] = total;
            total += seqs.get(i).positions();
        }
        Positions pos = new Positions(total, nIn, hidden);
        int per = (llmLayers + 2) * hidden, in = nIn * hidden;
        Parallel.forRange(seqs.size(), 1, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                TrainingSequence s = seqs.get(i);
                int n = s.positions();
                Transformer.State st = transformer.newState(s.close(), true);
                if (s.open() > 0) transformer.forward(st, s.tokens(), 0, s.open(), null, false, null);
                float[] all = new float[n * per];
                transformer.forwardHiddenAll(st, s.tokens(), s.open(), n, all);
                for (int k = 0; k < n; k++) {
                    int at = first[i] + k, j = s.open() + k;
                    // HF output_hidden_states: embedding, layers 0..N-2, final norm (the last layer's raw residual is not used)
                    System.arraycopy(all, k * per, pos.hidden, at * in, llmLayers * hidden);
                    System.arraycopy(all, k * per + (llmLayers + 1) * hidden, pos.hidden, at * in + llmLayers * hidden, hidden);
                    pos.target[at] = s.tokens()[j + 1];
                    pos.remaining[at] = s.close() - j;
                    pos.x[at] = (float) GammaNll.encode(s.close() - j);
                    pos.sequence[at] = i;
                    pos.offset[at] = k;
                }
            }
        });
        return pos;
    }

    private void load(PredictorNet net, Positions pos, int[] perm, int from, int n) {
        int in = nIn * hidden;
        for (int b = 0; b < n; b++) {
            int at = perm == null ? from + b : perm[from + b];
            System.arraycopy(pos.hidden, at * in, net.x0, net.inputOffset(b), in);
            net.target[b] = pos.target[at];
            net.x[b] = pos.x[at];
        }
    }

    private record Eval(double nll, double maeMedian, double maeMean, double finiteMean) {
    }

    /** Held-out NLL; with a calibration path also the remaining-length errors and the calibration file. */
    private Eval evaluate(float[] p, List<TrainingSequence> test, Path calibration) {
        float[] pT = new float[lay.size()];
        lay.transposeMatrices(p, pT);
        int chunk = 64;
        PredictorNet[] nets = new PredictorNet[Parallel.threads()];
        double nll = 0, absMedian = 0, absMean = 0;
        long n = 0, finite = 0;
        BufferedWriter w = null;
        ObjectMapper json = new ObjectMapper();
        try {
            if (calibration != null) w = Files.newBufferedWriter(calibration, StandardCharsets.UTF_8);
            for (int g = 0; g < test.size(); g += GROUP) {
                List<TrainingSequence> group = test.subList(g, Math.min(test.size(), g + GROUP));
                Positions pos = extract(group);
                float[] alpha = new float[pos.count], lambda = new float[pos.count];
                double[] loss = new double[pos.count];
                int chunks = (pos.count + chunk - 1) / chunk;
                Parallel.forRange(chunks, 1, (lo, hi) -> {
                    PredictorNet net = new PredictorNet(lay, nIn, chunk);
                    for (int c = lo; c < hi; c++) {
                        int a = c * chunk, bn = Math.min(chunk, pos.count - a);
                        load(net, pos, null, a, bn);
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
        return new Eval(nll / n, absMedian / n, finite == 0 ? Double.NaN : absMean / finite, (double) finite / n);
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    /** MAE of always predicting the training positions' median remaining length: what a predictor must beat. */
    private static double constantBaseline(List<TrainingSequence> train, List<TrainingSequence> test) {
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

    private static int[] permutation(int n, Rng rng) {
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
