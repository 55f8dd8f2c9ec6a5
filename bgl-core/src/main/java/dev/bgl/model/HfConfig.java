package dev.bgl.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.format.FormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes the fields of a transformers {@code config.json} that make a {@link ModelConfig}.
 * Defaults are transformers' (kv heads = heads, head_dim = hidden/heads, rope_theta 10000) or, where
 * it has none worth copying, the GGUF reader's (context 4096, eps 1e-6), so that the two sources
 * agree on the same model.
 */
public final class HfConfig {
    private HfConfig() {
    }

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    static final long MAX_BYTES = 10_000_000L;

    /** What config.json says; {@code tied} is null when it does not say (then lm_head's presence decides). */
    record Read(ModelConfig config, Boolean tied) {
    }

    /** Parses {@code file}; {@code tiedEmbeddings} of the result is provisional (see {@link Read#tied}). */
    static Read read(Path file) {
        JsonNode root;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) throw new FormatException(file, "is " + size + " bytes, over the limit of " + MAX_BYTES);
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw new FormatException(file, "not valid JSON: " + e.getOriginalMessage().replaceAll("\\s+", " "));
        } catch (IOException e) {
            throw new FormatException(file, "cannot read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new FormatException(file, "not a JSON object");
        Fields f = new Fields(file, root);

        String type = f.string("model_type");
        Architecture arch = Architecture.byName(type);
        if (arch == null || arch.gptOss())
            throw new FormatException(file, "'model_type' is '" + type + "'; bgl runs llama, qwen2, qwen3, qwen3_moe"
                    + (arch == null ? "" : " from a folder (gpt-oss from its GGUF file)"));
        int vocab = f.intIn("vocab_size", 1, 1 << 24, null);
        int dim = f.intIn("hidden_size", 1, 1 << 16, null);
        int layers = f.intIn("num_hidden_layers", 1, 1024, null);
        int heads = f.intIn("num_attention_heads", 1, 1024, null);
        int kvHeads = f.intIn("num_key_value_heads", 1, heads, heads);
        if (heads % kvHeads != 0)
            throw new FormatException(file, "'num_attention_heads' " + heads + " is not a multiple of 'num_key_value_heads' " + kvHeads);
        if (!f.has("head_dim") && dim % heads != 0)
            throw new FormatException(file, "'hidden_size' " + dim + " is not a multiple of 'num_attention_heads' " + heads + " and 'head_dim' is absent");
        int headDim = f.intIn("head_dim", 2, 1 << 12, dim / heads);
        if (headDim % 2 != 0) throw new FormatException(file, "'head_dim' " + headDim + " must be even for RoPE");
        ExpertConfig experts = arch.mixtureOfExperts() ? readExperts(f, layers) : null;
        int ffn = f.intIn("intermediate_size", 1, 1 << 20, experts == null ? null : experts.ffnDim());
        int ctx = f.intIn("max_position_embeddings", 1, 1 << 24, 4096);
        float eps = (float) f.positive("rms_norm_eps", 1e-6);
        float theta = (float) f.positive("rope_theta", 10000.0);
        JsonNode params = root.get("rope_parameters"); // transformers 5 moves rope_theta in here
        if (!f.has("rope_theta") && params != null && params.isObject() && params.has("rope_theta"))
            theta = (float) new Fields(file, params).positive("rope_theta", 10000.0);
        RopeScaling rope = HfRopeScaling.read(file, root, headDim, theta, ctx);
        Boolean tied = f.bool("tie_word_embeddings");
        ModelConfig c = new ModelConfig(arch, vocab, dim, layers, heads, kvHeads, headDim, headDim, ffn, ctx, eps, theta,
                tied != null && tied, rope, experts);
        return new Read(c, tied);
    }

    /**
     * Qwen3MoeConfig's expert fields. Layers that transformers would build dense
     * ({@code mlp_only_layers}, {@code decoder_sparse_step} above 1) are refused: llama.cpp's
     * qwen3moe, like bgl, has experts in every layer.
     */
    private static ExpertConfig readExperts(Fields f, int layers) {
        int count = f.intIn("num_experts", 1, 1 << 12, null);
        int used = f.intIn("num_experts_per_tok", 1, 1 << 12, null);
        if (used > count)
            throw new FormatException(f.file(), "'num_experts_per_tok' " + used + " exceeds 'num_experts' " + count);
        int ffn = f.intIn("moe_intermediate_size", 1, 1 << 20, null);
        int step = f.intIn("decoder_sparse_step", 1, 1024, 1);
        JsonNode dense = f.root().get("mlp_only_layers");
        if (step != 1 || (dense != null && dense.isArray() && !dense.isEmpty()))
            throw new FormatException(f.file(), "dense layers between expert layers ('decoder_sparse_step' " + step + ", 'mlp_only_layers' "
                    + dense + ") are not supported; bgl runs qwen3_moe with experts in every layer");
        Boolean norm = f.bool("norm_topk_prob");
        return new ExpertConfig(count, used, ffn, norm != null && norm); // transformers' default is false
    }

    /** The config.json of a model, with the fields {@link #read} uses plus what transformers needs to load it. */
    public static ObjectNode toJson(ModelConfig c, String torchDtype) {
        if (c.valueHeadDim() != c.headDim())
            throw new IllegalArgumentException("value head size " + c.valueHeadDim() + " differs from key head size " + c.headDim() + "; config.json cannot say so");
        if (c.architecture().gptOss())
            throw new IllegalArgumentException("gpt-oss is exported as GGUF only (its sinks, biases and sliding window have no config.json mapping in bgl)");
        ObjectNode o = JSON.createObjectNode();
        String type = c.architecture() instanceof Architecture.Qwen3Moe ? "qwen3_moe" : c.architecture().ggufName();
        o.putArray("architectures").add(switch (c.architecture()) {
            case Architecture.Llama l -> "LlamaForCausalLM";
            case Architecture.Qwen2 q -> "Qwen2ForCausalLM";
            case Architecture.Qwen3 q -> "Qwen3ForCausalLM";
            case Architecture.Qwen3Moe q -> "Qwen3MoeForCausalLM";
            case Architecture.GptOss g -> "GptOssForCausalLM"; // refused above
        });
        o.put("model_type", type);
        o.put("vocab_size", c.vocabSize());
        o.put("hidden_size", c.dim());
        o.put("intermediate_size", c.ffnDim());
        o.put("num_hidden_layers", c.layers());
        o.put("num_attention_heads", c.heads());
        o.put("num_key_value_heads", c.kvHeads());
        o.put("head_dim", c.headDim());
        ExpertConfig e = c.experts();
        if (e != null) {
            o.put("num_experts", e.count());
            o.put("num_experts_per_tok", e.used());
            o.put("moe_intermediate_size", e.ffnDim());
            o.put("norm_topk_prob", e.normTopK());
            o.put("decoder_sparse_step", 1);
            o.putArray("mlp_only_layers");
        }
        o.put("max_position_embeddings", c.contextLength());
        o.put("rms_norm_eps", c.rmsEps());
        o.put("rope_theta", c.ropeTheta());
        ObjectNode rope = HfRopeScaling.toJson(c.ropeScaling());
        if (rope != null) o.set("rope_scaling", rope);
        o.put("tie_word_embeddings", c.tiedEmbeddings());
        o.put("hidden_act", "silu");
        if (c.architecture() instanceof Architecture.Llama) o.put("attention_bias", false);
        o.put("torch_dtype", torchDtype);
        return o;
    }

    /** Typed, checked access to config.json fields; a JSON null counts as absent. */
    private record Fields(Path file, JsonNode root) {
        boolean has(String key) {
            JsonNode v = root.get(key);
            return v != null && !v.isNull();
        }

        String string(String key) {
            if (!has(key)) throw new FormatException(file, "missing '" + key + "'");
            JsonNode v = root.get(key);
            if (!v.isTextual()) throw new FormatException(file, "'" + key + "' should be a string but is " + v);
            return v.asText();
        }

        int intIn(String key, long min, long max, Integer fallback) {
            if (!has(key)) {
                if (fallback == null) throw new FormatException(file, "missing '" + key + "'");
                return fallback;
            }
            JsonNode v = root.get(key);
            if (!v.isIntegralNumber() || !v.canConvertToLong())
                throw new FormatException(file, "'" + key + "' should be an integer but is " + v);
            long x = v.asLong();
            if (x < min || x > max) throw new FormatException(file, "'" + key + "' = " + x + " is out of range [" + min + ", " + max + "]");
            return (int) x;
        }

        double positive(String key, double fallback) {
            if (!has(key)) return fallback;
            JsonNode v = root.get(key);
            if (!v.isNumber()) throw new FormatException(file, "'" + key + "' should be a number but is " + v);
            double x = v.asDouble();
            if (!(x > 0) || Double.isInfinite(x) || (float) x == 0f || Float.isInfinite((float) x))
                throw new FormatException(file, "'" + key + "' = " + v + " is not a positive float32");
            return x;
        }

        Boolean bool(String key) {
            if (!has(key)) return null;
            JsonNode v = root.get(key);
            if (!v.isBoolean()) throw new FormatException(file, "'" + key + "' should be true or false but is " + v);
            return v.asBoolean();
        }
    }
}
