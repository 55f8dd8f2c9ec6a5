package dev.bgl.budget.predictor;

import dev.bgl.format.FormatException;
import dev.bgl.format.SafetensorsDtype;
import dev.bgl.format.SafetensorsTensorInfo;
import dev.bgl.format.SafetensorsWriter;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a budget predictor, under the key names of the official code
 * (UMass-Embodied-AGI/BudgetGuidance), so that the authors' released heads load as they are:
 * <pre>
 * cls_token                                   [1, 1, H] (or [H])
 * encoder.0.{weight [d, H], bias [d]}         input projection
 * encoder.1.layer.{i}.attention.self.{query,key,value}.{weight [d, d], bias [d]}
 * encoder.1.layer.{i}.attention.output.dense.{weight, bias}, attention.output.LayerNorm.{weight, bias}
 * encoder.1.layer.{i}.intermediate.dense.{weight [f, d], bias [f]}
 * encoder.1.layer.{i}.output.dense.{weight [d, f], bias [d]}, output.LayerNorm.{weight, bias}
 * alpha_head.weight [V, d], lam_head.weight [V, d]
 * </pre>
 * Matrices are row-major {@code [out][in]} as PyTorch stores them. The number of heads is not in
 * the shapes: bgl writes it as metadata {@code bgl.heads}; files without it get BERT's 12.
 */
public record PredictorWeights(PredictorConfig config, float[] cls, float[] inW, float[] inB, List<Layer> layers,
                               float[] alphaHead, float[] lamHead) {
    public static final String HEADS_KEY = "bgl.heads";
    public static final String EPS_KEY = "bgl.layer_norm_eps";
    public static final int DEFAULT_HEADS = 12;
    /** Guidance settings the predictor was validated with (bgl's own files; the paper's have none). */
    public static final String EVERY_TOKEN_KEY = "bgl.guidance.every_token";
    public static final String MIN_P_KEY = "bgl.guidance.min_p";
    /** The guidance strength γ (p′ ∝ p·c^γ). */
    public static final String SCALE_KEY = "bgl.guidance.scale";
    /** Candidates looked at one token ahead at a line start. */
    public static final String LOOKAHEAD_KEY = "bgl.guidance.lookahead";
    /** The validity mask as "LAMBDA,ALPHA,MODE". */
    public static final String MASK_KEY = "bgl.guidance.mask";

    /** One BERT layer: self-attention with output projection and LayerNorm, then the FFN with its LayerNorm. */
    public record Layer(float[] qW, float[] qB, float[] kW, float[] kB, float[] vW, float[] vB,
                        float[] attnOutW, float[] attnOutB, float[] attnLnW, float[] attnLnB,
                        float[] ffnInW, float[] ffnInB, float[] ffnOutW, float[] ffnOutB,
                        float[] outLnW, float[] outLnB) {
        static Layer zeros(PredictorConfig c) {
            int d = c.width(), f = c.ffn();
            return new Layer(new float[d * d], new float[d], new float[d * d], new float[d], new float[d * d], new float[d],
                    new float[d * d], new float[d], ones(d), new float[d],
                    new float[f * d], new float[f], new float[d * f], new float[d], ones(d), new float[d]);
        }
    }

    public PredictorWeights {
        layers = List.copyOf(layers);
        int h = config.hidden(), d = config.width(), v = config.vocab();
        need("cls_token", cls, h);
        need("encoder.0.weight", inW, (long) d * h);
        need("encoder.0.bias", inB, d);
        need("alpha_head.weight", alphaHead, (long) v * d);
        need("lam_head.weight", lamHead, (long) v * d);
        if (layers.size() != config.layers())
            throw new IllegalArgumentException("predictor: " + layers.size() + " layers given, config says " + config.layers());
        for (int i = 0; i < layers.size(); i++) {
            for (var e : layerTensors(layers.get(i)).entrySet())
                need(layerKey(i, e.getKey()), e.getValue(), elements(layerShape(config, e.getKey())));
        }
    }

    /** All zeros except LayerNorm gains (1): a starting point for initialisation. */
    public static PredictorWeights zeros(PredictorConfig c) {
        List<Layer> ls = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) ls.add(Layer.zeros(c));
        return new PredictorWeights(c, new float[c.hidden()], new float[c.width() * c.hidden()], new float[c.width()], ls,
                new float[c.vocab() * c.width()], new float[c.vocab() * c.width()]);
    }

    /** Random weights (N(0, 0.02), LayerNorm gains 1): for benchmarks and tests, never for guidance. */
    public static PredictorWeights random(PredictorConfig c, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        PredictorWeights w = zeros(c);
        List<float[]> all = new ArrayList<>(List.of(w.cls, w.inW, w.inB, w.alphaHead, w.lamHead));
        for (Layer l : w.layers)
            for (var e : layerTensors(l).entrySet()) if (!e.getKey().contains("LayerNorm")) all.add(e.getValue());
        for (float[] a : all) for (int i = 0; i < a.length; i++) a[i] = (float) (0.02 * nextGaussian(r));
        return w;
    }

    private static double nextGaussian(java.util.SplittableRandom r) {
        double u = 1 - r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    private static void need(String key, float[] a, long n) {
        if (a == null || a.length != n)
            throw new IllegalArgumentException("predictor: " + key + " has " + (a == null ? "no" : a.length) + " values, needs " + n);
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long x : shape) n *= x;
        return n;
    }

    static String layerKey(int i, String suffix) {
        return "encoder.1.layer." + i + "." + suffix;
    }

    /** Per-layer tensors by official key suffix, in a fixed order. */
    static Map<String, float[]> layerTensors(Layer l) {
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("attention.self.query.weight", l.qW());
        m.put("attention.self.query.bias", l.qB());
        m.put("attention.self.key.weight", l.kW());
        m.put("attention.self.key.bias", l.kB());
        m.put("attention.self.value.weight", l.vW());
        m.put("attention.self.value.bias", l.vB());
        m.put("attention.output.dense.weight", l.attnOutW());
        m.put("attention.output.dense.bias", l.attnOutB());
        m.put("attention.output.LayerNorm.weight", l.attnLnW());
        m.put("attention.output.LayerNorm.bias", l.attnLnB());
        m.put("intermediate.dense.weight", l.ffnInW());
        m.put("intermediate.dense.bias", l.ffnInB());
        m.put("output.dense.weight", l.ffnOutW());
        m.put("output.dense.bias", l.ffnOutB());
        m.put("output.LayerNorm.weight", l.outLnW());
        m.put("output.LayerNorm.bias", l.outLnB());
        return m;
    }

    /** The PyTorch shape of a per-layer tensor. */
    static long[] layerShape(PredictorConfig c, String suffix) {
        long d = c.width(), f = c.ffn();
        return switch (suffix) {
            case "intermediate.dense.weight" -> new long[]{f, d};
            case "intermediate.dense.bias" -> new long[]{f};
            case "output.dense.weight" -> new long[]{d, f};
            default -> suffix.endsWith(".weight") && !suffix.contains("LayerNorm") ? new long[]{d, d} : new long[]{d};
        };
    }

    /** Writes the weights as F32 safetensors with the official names, heads and epsilon as metadata. */
    public void save(Path file) {
        save(file, Map.of());
    }

    /** Writes the weights with extra metadata entries (e.g. the guidance settings the predictor was validated with). */
    public void save(Path file, Map<String, String> extraMetadata) {
        PredictorConfig c = config;
        SafetensorsWriter w = new SafetensorsWriter();
        extraMetadata.forEach(w::metadata);
        w
                .metadata("format", "pt")
                .metadata(HEADS_KEY, Integer.toString(c.heads()))
                .metadata(EPS_KEY, Float.toString(c.layerNormEps()));
        w.tensorF32("cls_token", new long[]{1, 1, c.hidden()}, cls);
        w.tensorF32("encoder.0.weight", new long[]{c.width(), c.hidden()}, inW);
        w.tensorF32("encoder.0.bias", new long[]{c.width()}, inB);
        for (int i = 0; i < layers.size(); i++)
            for (var e : layerTensors(layers.get(i)).entrySet())
                w.tensorF32(layerKey(i, e.getKey()), layerShape(c, e.getKey()), e.getValue());
        w.tensorF32("alpha_head.weight", new long[]{c.vocab(), c.width()}, alphaHead);
        w.tensorF32("lam_head.weight", new long[]{c.vocab(), c.width()}, lamHead);
        try {
            w.write(file);
        } catch (IOException e) {
            throw new FormatException(file, "cannot write predictor: " + e.getMessage());
        }
    }

    /**
     * The guidance settings this predictor file recommends (bgl's {@code train-predictor
     * --recommend-*} records them): guidance every token or after newlines, the min-p floor and the
     * validity mask; a file without any (the paper's) recommends nothing, and a model folder (the
     * paper's released checkpoints) heads over the whole vocabulary. A malformed value is an error
     * naming the file and the value.
     */
    public static RecommendedGuidance recommendation(Path file) {
        try (PredictorTensors f = PredictorTensors.open(file)) {
            return recommendation(file, f);
        }
    }

    /** The weights and what the file recommends, from one opening of the file. */
    public record Loaded(PredictorWeights weights, RecommendedGuidance recommended) {
    }

    /** {@link #load} and {@link #recommendation} at once: the file is opened (and a folder's index read) once. */
    public static Loaded loadWithRecommendation(Path file, int headsOverride) {
        try (PredictorTensors f = PredictorTensors.open(file)) {
            return new Loaded(read(file, f, headsOverride), recommendation(file, f));
        }
    }

    /**
     * Whether {@code folder} is a Hugging Face model folder whose state dict holds a predictor beside
     * the LLM (the paper's released {@code *-BG} checkpoints); false for anything else.
     */
    public static boolean inModelFolder(Path folder) {
        return PredictorTensors.inFolder(folder);
    }

    private static RecommendedGuidance recommendation(Path file, PredictorTensors f) {
        // A model folder holding a predictor is the paper's release, run as the official code
        // runs it: heads over the whole vocabulary. Candidates only differ once the budget is
        // spent, where a token under the candidate floor (p 4e-5) whose Gamma fits can outweigh
        // every candidate (c 1e5 times the argmax's): the official code takes it, candidates cannot.
        return recommendation(file, f.metadata(), f instanceof PredictorTensors.Folder);
    }

    static RecommendedGuidance recommendation(Path file, Map<String, String> meta, boolean modelFolder) {
        boolean everyToken = Boolean.parseBoolean(meta.getOrDefault(EVERY_TOKEN_KEY, "false").strip());
        double minP = number(file, MIN_P_KEY, meta.getOrDefault(MIN_P_KEY, "0"));
        double scale = number(file, SCALE_KEY, meta.getOrDefault(SCALE_KEY, "1"));
        String look = meta.getOrDefault(LOOKAHEAD_KEY, "0").strip();
        int lookahead;
        try {
            lookahead = Integer.parseInt(look);
        } catch (NumberFormatException e) {
            throw new FormatException(file, "metadata " + LOOKAHEAD_KEY + " is not a whole number: '" + look + "'");
        }
        String mask = meta.get(MASK_KEY);
        if (mask == null) return new RecommendedGuidance(file, everyToken, minP, scale, lookahead, null, null, modelFolder);
        String[] parts = mask.split(",", -1);
        if (parts.length != 3)
            throw new FormatException(file, "metadata " + MASK_KEY + " needs three numbers LAMBDA,ALPHA,MODE, got '" + mask + "'");
        double[] m = {number(file, MASK_KEY, parts[0]), number(file, MASK_KEY, parts[1]), number(file, MASK_KEY, parts[2])};
        return new RecommendedGuidance(file, everyToken, minP, scale, lookahead, mask, m, modelFolder);
    }

    /** The value of {@link #MASK_KEY} for a mask (what {@link #recommendation} reads back). */
    public static String maskText(double minLambda, double minAlpha, double minModeLength) {
        return minLambda + "," + minAlpha + "," + minModeLength;
    }

    private static double number(Path file, String key, String text) {
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new FormatException(file, "metadata " + key + " is not a number: '" + text.strip() + "'");
        }
    }

    /**
     * Reads a predictor from safetensors (F32, F16 or BF16 tensors): one file, or a model folder
     * (one {@code model.safetensors} or shards with an index) whose state dict holds the predictor's
     * keys at its top level beside the LLM's, as the paper's released checkpoints do; the LLM's keys
     * are ignored here. Sizes come from the shapes; the head count from metadata {@code bgl.heads},
     * else {@code headsOverride} when > 0, else 12. Every missing or misshapen tensor is an error
     * that names the file (the shard, in a folder) and the key.
     */
    public static PredictorWeights load(Path file, int headsOverride) {
        try (PredictorTensors f = PredictorTensors.open(file)) {
            return read(file, f, headsOverride);
        }
    }

    private static PredictorWeights read(Path file, PredictorTensors f, int headsOverride) {
        SafetensorsTensorInfo in = require(f, "encoder.0.weight", 2);
        int d = Math.toIntExact(in.shape()[0]), h = Math.toIntExact(in.shape()[1]);
        SafetensorsTensorInfo alpha = require(f, "alpha_head.weight", 2);
        int v = Math.toIntExact(alpha.shape()[0]);
        int layers = 0;
        while (f.tensors().containsKey(layerKey(layers, "attention.self.query.weight"))) layers++;
        int ffn = layers == 0 ? 4 * d : Math.toIntExact(require(f, layerKey(0, "intermediate.dense.weight"), 2).shape()[0]);
        String hm = f.metadata().get(HEADS_KEY);
        int heads;
        try {
            heads = headsOverride > 0 ? headsOverride : hm != null ? Integer.parseInt(hm.strip()) : DEFAULT_HEADS;
        } catch (NumberFormatException e) {
            throw new FormatException(file, "metadata " + HEADS_KEY + " is not a number: '" + hm + "'");
        }
        String em = f.metadata().get(EPS_KEY);
        float eps;
        try {
            eps = em != null ? Float.parseFloat(em.strip()) : PredictorConfig.BERT_EPS;
        } catch (NumberFormatException e) {
            throw new FormatException(file, "metadata " + EPS_KEY + " is not a number: '" + em + "'");
        }
        PredictorConfig c;
        try {
            c = new PredictorConfig(h, d, layers, heads, ffn, v, eps);
        } catch (RuntimeException e) {
            throw new FormatException(file, e.getMessage());
        }
        float[] cls = read(f, "cls_token", new long[]{h});
        float[] inW = read(f, "encoder.0.weight", new long[]{d, h});
        float[] inB = read(f, "encoder.0.bias", new long[]{d});
        List<Layer> ls = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            Map<String, float[]> m = new LinkedHashMap<>();
            for (String suffix : layerTensors(Layer.zeros(c)).keySet())
                m.put(suffix, read(f, layerKey(i, suffix), layerShape(c, suffix)));
            ls.add(new Layer(m.get("attention.self.query.weight"), m.get("attention.self.query.bias"),
                    m.get("attention.self.key.weight"), m.get("attention.self.key.bias"),
                    m.get("attention.self.value.weight"), m.get("attention.self.value.bias"),
                    m.get("attention.output.dense.weight"), m.get("attention.output.dense.bias"),
                    m.get("attention.output.LayerNorm.weight"), m.get("attention.output.LayerNorm.bias"),
                    m.get("intermediate.dense.weight"), m.get("intermediate.dense.bias"),
                    m.get("output.dense.weight"), m.get("output.dense.bias"),
                    m.get("output.LayerNorm.weight"), m.get("output.LayerNorm.bias")));
        }
        float[] a = read(f, "alpha_head.weight", new long[]{v, d});
        float[] l = read(f, "lam_head.weight", new long[]{v, d});
        return new PredictorWeights(c, cls, inW, inB, ls, a, l);
    }

    private static SafetensorsTensorInfo require(PredictorTensors f, String key, int rank) {
        SafetensorsTensorInfo t = f.tensors().get(key);
        if (t == null) throw new FormatException(f.path(), "predictor tensor '" + key + "' is missing");
        if (t.shape().length != rank)
            throw new FormatException(f.fileOf(key), "predictor tensor '" + key + "' has shape " + t.shapeString() + ", expected rank " + rank);
        return t;
    }

    /** Reads a tensor whose shape, leading 1s dropped, equals {@code shape}, converting to F32. */
    private static float[] read(PredictorTensors f, String key, long[] shape) {
        SafetensorsTensorInfo t = f.tensors().get(key);
        if (t == null) throw new FormatException(f.path(), "predictor tensor '" + key + "' is missing");
        long[] s = t.shape();
        int lead = 0;
        while (s.length - lead > shape.length && s[lead] == 1) lead++;
        if (!Arrays.equals(Arrays.copyOfRange(s, lead, s.length), shape))
            throw new FormatException(f.fileOf(key), "predictor tensor '" + key + "' has shape " + t.shapeString()
                    + ", expected " + Arrays.toString(shape));
        int n = Math.toIntExact(t.elements());
        float[] out = new float[n];
        var seg = f.data(t);
        switch (t.dtype()) {
            case F32 -> seg.asByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i) & 0xffff) << 16);
            }
            default -> throw new FormatException(f.fileOf(key), "predictor tensor '" + key + "' has dtype " + t.dtype() + "; F32, F16 or BF16 expected");
        }
        return out;
    }
}
