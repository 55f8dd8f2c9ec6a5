package dev.bgl.train.predictor;

import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each tensor of a budget predictor lives in one flat float array (parameters, gradients,
 * AdamW moments and transposed matrices share it). Matrices are row-major {@code [out][in]} as
 * PyTorch stores them. The two heads come last, so that everything before {@link #headsOffset()}
 * is the dense part a worker keeps its own gradient for, while head gradients are sparse (only
 * the rows of target tokens).
 */
public final class PredictorLayout {
    /** MATRIX: weight-decayed and read transposed by the forward pass; VECTOR: biases and LayerNorm (no decay). */
    public enum Kind { MATRIX, VECTOR, CLS, HEAD }

    public record View(String name, Kind kind, int offset, int rows, int cols) {
        public int size() {
            return rows * cols;
        }
    }

    /** Views of one BERT layer. */
    public record Layer(View qW, View qB, View kW, View kB, View vW, View vB, View oW, View oB, View ln1W, View ln1B,
                        View f1W, View f1B, View f2W, View f2B, View ln2W, View ln2B) {
    }

    private final PredictorConfig config;
    private final List<View> views = new ArrayList<>();
    private final View cls, inW, inB, alpha, lam;
    private final Layer[] layers;
    private int size;

    public PredictorLayout(PredictorConfig c) {
        this.config = c;
        int h = c.hidden(), d = c.width(), f = c.ffn();
        cls = add("cls_token", Kind.CLS, 1, h);
        inW = add("encoder.0.weight", Kind.MATRIX, d, h);
        inB = add("encoder.0.bias", Kind.VECTOR, 1, d);
        layers = new Layer[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            String p = "encoder.1.layer." + i + ".";
            layers[i] = new Layer(
                    add(p + "attention.self.query.weight", Kind.MATRIX, d, d), add(p + "attention.self.query.bias", Kind.VECTOR, 1, d),
                    add(p + "attention.self.key.weight", Kind.MATRIX, d, d), add(p + "attention.self.key.bias", Kind.VECTOR, 1, d),
                    add(p + "attention.self.value.weight", Kind.MATRIX, d, d), add(p + "attention.self.value.bias", Kind.VECTOR, 1, d),
                    add(p + "attention.output.dense.weight", Kind.MATRIX, d, d), add(p + "attention.output.dense.bias", Kind.VECTOR, 1, d),
                    add(p + "attention.output.LayerNorm.weight", Kind.VECTOR, 1, d), add(p + "attention.output.LayerNorm.bias", Kind.VECTOR, 1, d),
                    add(p + "intermediate.dense.weight", Kind.MATRIX, f, d), add(p + "intermediate.dense.bias", Kind.VECTOR, 1, f),
                    add(p + "output.dense.weight", Kind.MATRIX, d, f), add(p + "output.dense.bias", Kind.VECTOR, 1, d),
                    add(p + "output.LayerNorm.weight", Kind.VECTOR, 1, d), add(p + "output.LayerNorm.bias", Kind.VECTOR, 1, d));
        }
        alpha = add("alpha_head.weight", Kind.HEAD, c.vocab(), d);
        lam = add("lam_head.weight", Kind.HEAD, c.vocab(), d);
    }

    private View add(String name, Kind kind, int rows, int cols) {
        long end = (long) size + (long) rows * cols;
        if (end > Integer.MAX_VALUE - 16) throw new BglException("predictor too large for one float array: " + end + " parameters");
        View v = new View(name, kind, size, rows, cols);
        views.add(v);
        size = (int) end;
        return v;
    }

    public PredictorConfig config() {
        return config;
    }

    public int size() {
        return size;
    }

    /** Floats before the heads: the dense part of a gradient. */
    public int headsOffset() {
        return alpha.offset();
    }

    public List<View> views() {
        return List.copyOf(views);
    }

    public View cls() {
        return cls;
    }

    public View inW() {
        return inW;
    }

    public View inB() {
        return inB;
    }

    public Layer layer(int i) {
        return layers[i];
    }

    public View alpha() {
        return alpha;
    }

    public View lam() {
        return lam;
    }

    /** Writes every MATRIX of {@code p} transposed ([in][out]) into {@code pT} at the same offset, for the forward pass. */
    public void transposeMatrices(float[] p, float[] pT) {
        for (View v : views)
            if (v.kind() == Kind.MATRIX) dev.bgl.train.Linear.transpose(p, pT, v.offset(), v.rows(), v.cols());
    }

    /** The parameters as the weights container that {@code budget.predictor} saves and loads. */
    public PredictorWeights toWeights(float[] p) {
        List<PredictorWeights.Layer> ls = new ArrayList<>();
        for (Layer l : layers)
            ls.add(new PredictorWeights.Layer(get(p, l.qW), get(p, l.qB), get(p, l.kW), get(p, l.kB), get(p, l.vW), get(p, l.vB),
                    get(p, l.oW), get(p, l.oB), get(p, l.ln1W), get(p, l.ln1B), get(p, l.f1W), get(p, l.f1B),
                    get(p, l.f2W), get(p, l.f2B), get(p, l.ln2W), get(p, l.ln2B)));
        return new PredictorWeights(config, get(p, cls), get(p, inW), get(p, inB), ls, get(p, alpha), get(p, lam));
    }

    /** The flat parameters of a weights container of this layout's shape. */
    public float[] fromWeights(PredictorWeights w) {
        if (!w.config().equals(config)) throw new BglException("predictor: weights of shape " + w.config() + " do not fit " + config);
        float[] p = new float[size];
        put(p, cls, w.cls());
        put(p, inW, w.inW());
        put(p, inB, w.inB());
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            PredictorWeights.Layer s = w.layers().get(i);
            put(p, l.qW, s.qW());
            put(p, l.qB, s.qB());
            put(p, l.kW, s.kW());
            put(p, l.kB, s.kB());
            put(p, l.vW, s.vW());
            put(p, l.vB, s.vB());
            put(p, l.oW, s.attnOutW());
            put(p, l.oB, s.attnOutB());
            put(p, l.ln1W, s.attnLnW());
            put(p, l.ln1B, s.attnLnB());
            put(p, l.f1W, s.ffnInW());
            put(p, l.f1B, s.ffnInB());
            put(p, l.f2W, s.ffnOutW());
            put(p, l.f2B, s.ffnOutB());
            put(p, l.ln2W, s.outLnW());
            put(p, l.ln2B, s.outLnB());
        }
        put(p, alpha, w.alphaHead());
        put(p, lam, w.lamHead());
        return p;
    }

    private static float[] get(float[] p, View v) {
        return java.util.Arrays.copyOfRange(p, v.offset(), v.offset() + v.size());
    }

    private static void put(float[] p, View v, float[] a) {
        System.arraycopy(a, 0, p, v.offset(), v.size());
    }
}
