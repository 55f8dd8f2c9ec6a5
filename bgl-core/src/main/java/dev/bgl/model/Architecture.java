package dev.bgl.model;

/**
 * The transformer families bgl runs. They differ in a few switches; everything else (sizes,
 * rope base, norm epsilon) is read from the file.
 */
public sealed interface Architecture {
    /** GGUF {@code general.architecture} value. */
    String ggufName();

    /** How RoPE pairs dimensions: NORMAL rotates (2i, 2i+1); NEOX rotates (i, i + d/2). */
    RopeStyle ropeStyle();

    /** Q, K and V projections carry biases. */
    boolean qkvBias();

    /** Per-head RMSNorm on Q and K before RoPE. */
    boolean qkNorm();

    /**
     * The feed-forward is a mixture of experts (a router, top-k experts per token) instead of one
     * SwiGLU; the counts and sizes are in {@link ModelConfig#experts()}.
     */
    default boolean mixtureOfExperts() { return false; }

    /**
     * gpt-oss's block (llama.cpp's LLM_ARCH_OPENAI_MOE): an attention-output bias, one learned sink
     * logit per query head in the softmax's denominator ({@code attn_sinks}), layers alternating
     * sliding-window and full attention ({@link ModelConfig#slidingWindow()}), the feed-forward's
     * norm named {@code post_attention_norm}, a router with a bias whose top k logits are chosen
     * first and then softmaxed, and experts with biases and the clamped SwiGLU ({@code swiglu_oai}).
     */
    default boolean gptOss() { return false; }

    enum RopeStyle {NORMAL, NEOX}

    /**
     * Llama: GGUF files hold Q/K rows permuted so that NORMAL pairing matches HF's rotate_half; an
     * HF checkpoint is permuted the same way on load.
     */
    record Llama() implements Architecture {
        public String ggufName() { return "llama"; }
        public RopeStyle ropeStyle() { return RopeStyle.NORMAL; }
        public boolean qkvBias() { return false; }
        public boolean qkNorm() { return false; }
    }

    record Qwen2() implements Architecture {
        public String ggufName() { return "qwen2"; }
        public RopeStyle ropeStyle() { return RopeStyle.NEOX; }
        public boolean qkvBias() { return true; }
        public boolean qkNorm() { return false; }
    }

    record Qwen3() implements Architecture {
        public String ggufName() { return "qwen3"; }
        public RopeStyle ropeStyle() { return RopeStyle.NEOX; }
        public boolean qkvBias() { return false; }
        public boolean qkNorm() { return true; }
    }

    /** Qwen3's attention with a mixture-of-experts feed-forward (Qwen3-30B-A3B, Qwen3-Coder-30B-A3B). */
    record Qwen3Moe() implements Architecture {
        public String ggufName() { return "qwen3moe"; }
        public RopeStyle ropeStyle() { return RopeStyle.NEOX; }
        public boolean qkvBias() { return false; }
        public boolean qkNorm() { return true; }
        public boolean mixtureOfExperts() { return true; }
    }

    /** OpenAI's gpt-oss-20b / 120b as llama.cpp runs them (see {@link #gptOss()}). */
    record GptOss() implements Architecture {
        public String ggufName() { return "gpt-oss"; }
        public RopeStyle ropeStyle() { return RopeStyle.NEOX; }
        public boolean qkvBias() { return true; }
        public boolean qkNorm() { return false; }
        public boolean mixtureOfExperts() { return true; }
        public boolean gptOss() { return true; }
    }

    Architecture LLAMA = new Llama();
    Architecture QWEN2 = new Qwen2();
    Architecture QWEN3 = new Qwen3();
    Architecture QWEN3MOE = new Qwen3Moe();
    Architecture GPT_OSS = new GptOss();

    /** The GGUF names bgl runs, for error messages. */
    String NAMES = "llama, qwen2, qwen3, qwen3moe, gpt-oss";

    /** By GGUF name or HF {@code model_type}; null when unknown. */
    static Architecture byName(String name) {
        return switch (name) {
            case "llama" -> LLAMA;
            case "qwen2" -> QWEN2;
            case "qwen3" -> QWEN3;
            case "qwen3moe", "qwen3_moe" -> QWEN3MOE; // GGUF, HF model_type
            case "gpt-oss" -> GPT_OSS; // GGUF only: HF's gpt_oss folders store MXFP4 blocks bgl does not map yet
            default -> null;
        };
    }
}
