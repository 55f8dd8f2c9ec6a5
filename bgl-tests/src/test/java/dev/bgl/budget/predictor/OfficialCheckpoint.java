package dev.bgl.budget.predictor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.format.GgmlType;
import dev.bgl.format.SafetensorsDtype;
import dev.bgl.format.SafetensorsWriter;
import dev.bgl.model.Architecture;
import dev.bgl.model.GgufModelSource;
import dev.bgl.model.HfConfig;
import dev.bgl.model.HfTensorNames;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A model folder laid out as the paper's released checkpoints are ({@code senfu/*-BG}): the official
 * code's {@code save_pretrained} of the whole guided model writes one state dict, so the LLM
 * ({@code model.*}, {@code lm_head.weight}) and the predictor ({@code cls_token} [1,1,H],
 * {@code encoder.0.*}, {@code encoder.1.layer.*} a BERT encoder, {@code alpha_head.weight},
 * {@code lam_head.weight} [V, d]) sit at the top level of the same shards, all BF16, with
 * {@code model.safetensors.index.json}; V is the LLM's padded vocabulary (more rows than the
 * tokenizer has tokens, as Qwen's 151,936), and the folder has no tokenizer: the README gives the
 * base model's separately, here in its own folder.
 *
 * <p>The weights are random, shaped so that guidance has something to do: the LLM's head gives
 * logits of std ~5 to real tokens and 0 to the padding rows (which a trained model never picks);
 * the predictor's heads give each real token a Gamma whose mean log-length lies between 1.5 and
 * 5.5 and whose rate is 5..30 (so the validity mask drops some), varying with the hidden state, and
 * the padding rows 0 (softplus 0.69: masked, as untrained rows would be).
 */
public final class OfficialCheckpoint {
    static final float NEWLINE_GAIN = 2.2f;
    public static final int DIM = 64, LAYERS = 2, WIDTH = 48, PREDICTOR_LAYERS = 2, HEADS = 12;
    /** A template that opens the thinking, as DeepSeek-R1's does. */
    public static final String TEMPLATE = ByteLevelVocab.CHAT_TEMPLATE.replace("{{- '<|im_start|>assistant\\n' }}",
            "{{- '<|im_start|>assistant\\n<think>\\n' }}");
    /** The split of Qwen's tokenizer.json, as its file writes it. */
    static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /**
     * @param model     the checkpoint folder (no tokenizer)
     * @param tokenizer the base model's tokenizer folder
     * @param predictor the predictor as stored (BF16 values)
     * @param shards    the shard files
     */
    public record Written(Path model, Path tokenizer, PredictorWeights predictor, List<Path> shards, int vocab, int tokenizerVocab) {
    }

    private OfficialCheckpoint() {
    }

    public static Written write(Path dir, Architecture arch, long seed) throws IOException {
        Files.createDirectories(dir);
        TokenizerSpec spec = ByteLevelVocab.spec();
        int tokVocab = spec.tokens().length, vocab = (tokVocab + 63) / 64 * 64 + 64; // padded past the tokenizer
        Path gguf = dir.resolve("base-" + arch.ggufName() + ".gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(arch, GgmlType.F32, LAYERS, DIM, 2, 1, 32, 96, vocab, 512,
                1e6f, 1e-6f, false, seed, "official-fixture"), w -> { }, gguf);
        SplittableRandom r = new SplittableRandom(seed * 31 + 7);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        dev.bgl.model.ModelConfig config;
        try (GgufModelSource src = GgufModelSource.open(gguf)) {
            config = src.config();
            for (String name : src.tensorNames()) {
                String hf = HfTensorNames.toHf(name);
                if (hf == null || name.equals("output.weight")) continue;
                long[] dims = src.file().tensor(name).dims();
                long[] shape = new long[dims.length];
                for (int i = 0; i < dims.length; i++) shape[i] = dims[dims.length - 1 - i];
                bf16(w, hf, shape, src.tensor(name).toFloats());
            }
        }
        float[] head = new float[vocab * DIM];
        double s = 5 / Math.sqrt(DIM);
        for (int t = 0; t < tokVocab; t++) for (int i = 0; i < DIM; i++) head[t * DIM + i] = (float) (s * r.nextGaussian());
        // a louder "\n" (byte 10, id 10): lines end now and then, and the official schedule guides after them
        for (int i = 0; i < DIM; i++) head['\n' * DIM + i] *= NEWLINE_GAIN;
        bf16(w, "lm_head.weight", new long[]{vocab, DIM}, head);

        int close = tokVocab - 1; // </think> is the last special of the built-in vocabulary
        PredictorWeights stored = roundBf16(predictor(vocab, tokVocab, close, r));
        for (var e : stateDict(stored)) bf16(w, e.key, e.shape, e.values);

        Path model = dir.resolve("DeepSeek-R1-Distill-" + arch.ggufName() + "-BG");
        long total = 0;
        for (var e : stateDict(stored)) total += 2L * e.values.length;
        // half the bytes plus the largest tensor: the greedy split then makes exactly two shards
        List<Path> shards = w.writeSharded(model, (totalBytes(gguf, vocab) + total) / 2 + 2L * vocab * DIM);
        ObjectNode cfg = HfConfig.toJson(config, "bfloat16");
        Files.write(model.resolve("config.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg));
        Path tok = writeTokenizer(dir.resolve("base-tokenizer-" + arch.ggufName()), spec);
        return new Written(model, tok, stored, shards, vocab, tokVocab);
    }

    private static long totalBytes(Path gguf, int vocab) throws IOException {
        try (GgufModelSource src = GgufModelSource.open(gguf)) {
            long n = 0;
            for (String name : src.tensorNames()) n += 2L * src.tensor(name).rows() * src.tensor(name).cols();
            return n;
        }
    }

    /** Random BERT body; heads shaped as the class comment says. */
    static PredictorWeights predictor(int vocab, int tokVocab, int close, SplittableRandom r) {
        PredictorConfig c = PredictorConfig.bert(DIM, WIDTH, PREDICTOR_LAYERS, HEADS, vocab);
        PredictorWeights base = Fixtures.random(c, r.nextLong());
        List<PredictorWeights.Layer> ls = new ArrayList<>(base.layers());
        PredictorWeights.Layer L = ls.getLast();
        float[] bias = L.outLnB().clone();
        bias[0] = 4; // z[0] ≈ 4 ± 1: a component the heads can scale
        ls.set(ls.size() - 1, new PredictorWeights.Layer(L.qW(), L.qB(), L.kW(), L.kB(), L.vW(), L.vB(), L.attnOutW(), L.attnOutB(),
                L.attnLnW(), L.attnLnB(), L.ffnInW(), L.ffnInB(), L.ffnOutW(), L.ffnOutB(), L.outLnW(), bias));
        float[] a = new float[vocab * WIDTH], l = new float[vocab * WIDTH];
        double noise = 0.5 / Math.sqrt(WIDTH);
        for (int t = 0; t < tokVocab; t++) {
            double lam = 5 + 25 * r.nextDouble(), alpha = lam * (1.5 + 4 * r.nextDouble());
            if (t == close) { // ends within a token or two
                lam = 20;
                alpha = 15;
            }
            a[t * WIDTH] = (float) (alpha / 4);
            l[t * WIDTH] = (float) (lam / 4);
            for (int i = 1; i < WIDTH; i++) {
                a[t * WIDTH + i] = (float) (noise * alpha / 4 * r.nextGaussian());
                l[t * WIDTH + i] = (float) (noise * lam / 4 * r.nextGaussian());
            }
        }
        return new PredictorWeights(c, base.cls(), base.inW(), base.inB(), ls, a, l);
    }

    record Entry(String key, long[] shape, float[] values) {
    }

    /** The predictor's part of the state dict, under the official names and shapes (cls_token [1, 1, H]). */
    static List<Entry> stateDict(PredictorWeights p) {
        PredictorConfig c = p.config();
        List<Entry> out = new ArrayList<>();
        out.add(new Entry("cls_token", new long[]{1, 1, c.hidden()}, p.cls()));
        out.add(new Entry("encoder.0.weight", new long[]{c.width(), c.hidden()}, p.inW()));
        out.add(new Entry("encoder.0.bias", new long[]{c.width()}, p.inB()));
        for (int i = 0; i < p.layers().size(); i++)
            for (var e : PredictorWeights.layerTensors(p.layers().get(i)).entrySet())
                out.add(new Entry(PredictorWeights.layerKey(i, e.getKey()), PredictorWeights.layerShape(c, e.getKey()), e.getValue()));
        out.add(new Entry("alpha_head.weight", new long[]{c.vocab(), c.width()}, p.alphaHead()));
        out.add(new Entry("lam_head.weight", new long[]{c.vocab(), c.width()}, p.lamHead()));
        return out;
    }

    static PredictorWeights roundBf16(PredictorWeights p) {
        List<PredictorWeights.Layer> ls = new ArrayList<>();
        for (PredictorWeights.Layer L : p.layers())
            ls.add(new PredictorWeights.Layer(rb(L.qW()), rb(L.qB()), rb(L.kW()), rb(L.kB()), rb(L.vW()), rb(L.vB()), rb(L.attnOutW()),
                    rb(L.attnOutB()), rb(L.attnLnW()), rb(L.attnLnB()), rb(L.ffnInW()), rb(L.ffnInB()), rb(L.ffnOutW()), rb(L.ffnOutB()),
                    rb(L.outLnW()), rb(L.outLnB())));
        return new PredictorWeights(p.config(), rb(p.cls()), rb(p.inW()), rb(p.inB()), ls, rb(p.alphaHead()), rb(p.lamHead()));
    }

    /** BF16 bits of a float, rounded to nearest even (as torch's .to(torch.bfloat16)). */
    static short bf16Bits(float f) {
        int b = Float.floatToRawIntBits(f);
        return (short) ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16);
    }

    static float[] rb(float[] a) {
        float[] o = new float[a.length];
        for (int i = 0; i < a.length; i++) o[i] = Float.intBitsToFloat((bf16Bits(a[i]) & 0xffff) << 16);
        return o;
    }

    private static void bf16(SafetensorsWriter w, String key, long[] shape, float[] v) {
        ByteBuffer bb = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putShort(bf16Bits(f));
        w.tensor(key, SafetensorsDtype.BF16, shape, bb.array());
    }

    /** tokenizer.json and tokenizer_config.json (template, EOS) of the built-in vocabulary, as a Qwen folder holds them. */
    static Path writeTokenizer(Path dir, TokenizerSpec spec) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        String[] tokens = spec.tokens();
        int firstSpecial = tokens.length - ByteLevelVocab.SPECIALS.size();
        for (int i = 0; i < firstSpecial; i++) vocab.put(tokens[i], i);
        ArrayNode merges = model.putArray("merges");
        for (String m : spec.merges()) merges.add(m);
        ArrayNode added = root.putArray("added_tokens");
        for (int i = firstSpecial; i < tokens.length; i++)
            added.addObject().put("id", i).put("content", tokens[i]).put("special", i < firstSpecial + 3);
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        steps.addObject().put("type", "Split").put("behavior", "Isolated").putObject("pattern").put("Regex", QWEN2_REGEX);
        steps.addObject().put("type", "ByteLevel").put("use_regex", false);
        Files.createDirectories(dir);
        json.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        ObjectNode tc = json.createObjectNode();
        tc.put("chat_template", TEMPLATE);
        tc.put("eos_token", "<|im_end|>");
        tc.putNull("bos_token");
        tc.put("add_bos_token", false);
        json.writeValue(dir.resolve("tokenizer_config.json").toFile(), tc);
        return dir;
    }
}
