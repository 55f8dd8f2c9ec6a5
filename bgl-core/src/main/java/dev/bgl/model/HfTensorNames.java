package dev.bgl.model;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mapping between Hugging Face transformers tensor names (llama, qwen2, qwen3 checkpoints) and
 * the GGUF names bgl uses, as llama.cpp's convert_hf_to_gguf.py does. One table serves both
 * directions so that they cannot drift apart. Names outside the table (rotary caches, vision
 * towers, {@code rope_freqs.weight}) map to null and are ignored by callers.
 */
public final class HfTensorNames {
    private HfTensorNames() {
    }

    private static final Map<String, String> GLOBAL = Map.of(
            "model.embed_tokens.weight", "token_embd.weight",
            "model.norm.weight", "output_norm.weight",
            "lm_head.weight", "output.weight");

    /** Per-layer suffixes: HF {@code model.layers.N.<key>} = GGUF {@code blk.N.<value>}. */
    private static final Map<String, String> LAYER = Map.ofEntries(
            Map.entry("input_layernorm.weight", "attn_norm.weight"),
            Map.entry("self_attn.q_proj.weight", "attn_q.weight"),
            Map.entry("self_attn.k_proj.weight", "attn_k.weight"),
            Map.entry("self_attn.v_proj.weight", "attn_v.weight"),
            Map.entry("self_attn.q_proj.bias", "attn_q.bias"),
            Map.entry("self_attn.k_proj.bias", "attn_k.bias"),
            Map.entry("self_attn.v_proj.bias", "attn_v.bias"),
            Map.entry("self_attn.o_proj.weight", "attn_output.weight"),
            Map.entry("self_attn.q_norm.weight", "attn_q_norm.weight"),
            Map.entry("self_attn.k_norm.weight", "attn_k_norm.weight"),
            Map.entry("post_attention_layernorm.weight", "ffn_norm.weight"),
            Map.entry("mlp.gate_proj.weight", "ffn_gate.weight"),
            Map.entry("mlp.up_proj.weight", "ffn_up.weight"),
            Map.entry("mlp.down_proj.weight", "ffn_down.weight"),
            Map.entry("mlp.gate.weight", "ffn_gate_inp.weight"));

    /** A MoE layer's GGUF 3-D expert tensor and the HF per-expert projection it stacks. */
    private static final Map<String, String> EXPERTS = Map.of(
            "ffn_gate_exps.weight", "gate_proj.weight",
            "ffn_up_exps.weight", "up_proj.weight",
            "ffn_down_exps.weight", "down_proj.weight");
    private static final Pattern HF_EXPERT = Pattern.compile("model\\.layers\\.(0|[1-9][0-9]{0,5})\\.mlp\\.experts\\.(0|[1-9][0-9]{0,5})\\.(gate|up|down)_proj\\.weight");

    /**
     * The HF name of expert {@code expert}'s slice of a GGUF expert tensor
     * ({@code blk.N.ffn_gate_exps.weight} → {@code model.layers.N.mlp.experts.E.gate_proj.weight}),
     * or null when {@code gguf} is no expert tensor.
     */
    public static String expertToHf(String gguf, int expert) {
        Matcher m = GGUF_LAYER.matcher(gguf);
        if (!m.matches()) return null;
        String suffix = EXPERTS.get(m.group(2));
        return suffix == null ? null : "model.layers." + m.group(1) + ".mlp.experts." + expert + "." + suffix;
    }

    /** Whether an HF name is one expert's projection (stacked into a GGUF expert tensor, not mapped one to one). */
    public static boolean isExpert(String hf) {
        return HF_EXPERT.matcher(hf).matches();
    }

    private static final Map<String, String> LAYER_INVERSE = invert(LAYER);
    private static final Map<String, String> GLOBAL_INVERSE = invert(GLOBAL);

    /** A layer number written canonically (no sign, no leading zero), so the mapping is one-to-one. */
    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(0|[1-9][0-9]{0,5})\\.(.+)");
    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(0|[1-9][0-9]{0,5})\\.(.+)");

    /** The GGUF name of an HF tensor, or null when it is not one bgl uses. */
    public static String toGguf(String hf) {
        String g = GLOBAL.get(hf);
        if (g != null) return g;
        Matcher m = HF_LAYER.matcher(hf);
        if (!m.matches()) return null;
        String suffix = LAYER.get(m.group(2));
        return suffix == null ? null : "blk." + m.group(1) + "." + suffix;
    }

    /** The HF name of a GGUF tensor, or null when HF checkpoints have no such tensor. */
    public static String toHf(String gguf) {
        String g = GLOBAL_INVERSE.get(gguf);
        if (g != null) return g;
        Matcher m = GGUF_LAYER.matcher(gguf);
        if (!m.matches()) return null;
        String suffix = LAYER_INVERSE.get(m.group(2));
        return suffix == null ? null : "model.layers." + m.group(1) + "." + suffix;
    }

    /**
     * For a GGUF name of a llama Q or K projection (weight or bias), the head count its rows are
     * grouped by: {@code heads} for Q, {@code kvHeads} for K; 0 for any other tensor.
     */
    static int permutationHeads(String gguf, ModelConfig c) {
        Matcher m = GGUF_LAYER.matcher(gguf);
        if (!m.matches()) return 0;
        return switch (m.group(2)) {
            case "attn_q.weight", "attn_q.bias" -> c.heads();
            case "attn_k.weight", "attn_k.bias" -> c.kvHeads();
            default -> 0;
        };
    }

    private static Map<String, String> invert(Map<String, String> m) {
        java.util.HashMap<String, String> inv = new java.util.HashMap<>();
        m.forEach((k, v) -> inv.put(v, k));
        return Map.copyOf(inv);
    }
}
