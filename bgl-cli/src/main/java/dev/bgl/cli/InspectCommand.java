package dev.bgl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.LoadedModel;
import dev.bgl.model.ContextMemory;
import dev.bgl.model.KvCacheType;
import dev.bgl.model.ModelConfig;
import dev.bgl.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's architecture, sizes, tensor types, tokenizer, chat template and memory estimate.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A .gguf file or a Hugging Face model folder") Path model;
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Option(names = "--context", description = "Context size for the KV-cache estimate (default: the model's, at most 4096)") Integer context;

    @Override
    public Integer call() throws Exception {
        try (LoadedModel m = LoadedModel.open(model)) {
            Map<String, Object> info = describe(m, context == null ? m.defaultContext() : context);
            if (json) {
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(info));
            } else {
                print(info, "");
            }
        }
        return 0;
    }

    static Map<String, Object> describe(LoadedModel m, int ctx) {
        ModelConfig c = m.transformer().config();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("file", m.source().path().toString());
        info.put("architecture", c.architecture().ggufName());
        info.put("parameters", c.parameterCount());
        info.put("layers", c.layers());
        info.put("dim", c.dim());
        info.put("heads", c.heads());
        info.put("kv_heads", c.kvHeads());
        info.put("head_dim", c.headDim());
        info.put("ffn_dim", c.ffnDim());
        if (c.experts() != null) {
            // what a token reads is the active parameters: the router's chosen experts, not all of them
            Map<String, Object> ex = new LinkedHashMap<>();
            ex.put("count", c.experts().count());
            ex.put("used_per_token", c.experts().used());
            ex.put("expert_ffn_dim", c.experts().ffnDim());
            ex.put("normalised_top_k", c.experts().normTopK());
            // gpt-oss softmaxes the chosen experts' biased logits and runs the clamped SwiGLU
            if (c.architecture().gptOss()) ex.put("routing", "top k of the biased router logits, softmax over those k; swiglu_oai (alpha 1.702, limit 7)");
            ex.put("active_parameters", c.activeParameterCount());
            info.put("experts", ex);
        }
        if (c.slidingWindow() != null) info.put("sliding_window", c.slidingWindow().describe(c.layers()));
        if (c.architecture().gptOss()) info.put("attention_sinks", "one logit per query head (" + c.heads() + " per layer)");
        info.put("vocab_size", c.vocabSize());
        info.put("context_length", c.contextLength());
        info.put("rope_theta", c.ropeTheta());
        info.put("rope_scaling", c.ropeScaling().describe());
        info.put("rms_eps", c.rmsEps());
        info.put("tied_embeddings", c.tiedEmbeddings());
        Map<String, Long> types = new TreeMap<>();
        for (String name : m.source().tensorNames()) {
            Tensor t = m.source().tensor(name);
            types.merge(t.type().name(), t.elements(), Long::sum);
        }
        info.put("tensor_types_elements", types);
        var tok = m.tokenizer();
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("model", tok.spec().model());
        t.put("pre", tok.spec().pre());
        t.put("vocab_size", tok.vocabSize());
        t.put("bos", tok.bosId() >= 0 ? tok.tokenText(tok.bosId()) : null);
        t.put("eos", tok.eosId() >= 0 ? tok.tokenText(tok.eosId()) : null);
        t.put("add_bos", tok.addBos());
        info.put("tokenizer", t);
        Map<String, Object> chat = new LinkedHashMap<>();
        chat.put("template", m.templateFromFile() ? "from file (" + m.template().source().length() + " chars)" : "none in file; ChatML fallback");
        chat.put("thinking_model", m.isThinkingModel());
        // the format its template and vocabulary show (what --thinking-format would override)
        chat.put("thinking_format", m.isThinkingModel() ? m.markers().name() + " (" + m.markers().open() + " … " + m.markers().close() + ")" : null);
        chat.put("think_open_id", m.thinkOpenId());
        chat.put("think_close_id", m.thinkCloseId());
        // markers of several tokens (harmony's in gpt-oss's vocabulary): all their ids, the thinking closing on the first
        if (m.thinkOpenTokens().length > 1 || m.thinkCloseTokens().length > 1) {
            chat.put("think_open_tokens", java.util.Arrays.toString(m.thinkOpenTokens()));
            chat.put("think_close_tokens", java.util.Arrays.toString(m.thinkCloseTokens()));
        }
        try {
            chat.put("example_prompt", m.renderPrompt(List.of(ChatMessage.user("What is 2+2?")), null));
        } catch (RuntimeException e) {
            chat.put("example_prompt_error", e.getMessage());
        }
        info.put("chat", chat);
        long weights = m.source().weightBytes();
        long kvF16 = c.kvBytes(KvCacheType.F16, ctx);
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("weights_bytes_mapped", weights);
        mem.put("context", ctx);
        // the cache grows in pages as the context fills; these are the figures for a full context
        // (a sliding-window layer's share stops at its window)
        for (KvCacheType kv : KvCacheType.values()) mem.put("kv_cache_bytes_" + kv.label(), c.kvBytes(kv, ctx));
        // the longest context whose KV cache the heap left after loading holds, per KV type
        long free = ContextMemory.freeHeap();
        mem.put("heap_free_bytes", free);
        for (KvCacheType kv : KvCacheType.values())
            mem.put("max_context_" + kv.name().toLowerCase(java.util.Locale.ROOT), ContextMemory.largestContext(c, kv, free));
        long scratch = 4L * dev.bgl.model.Transformer.MAX_CHUNK * (3L * c.dim() + 3L * c.ffnDim() + c.qDim() + 2L * c.kvDim())
                + dev.bgl.model.Transformer.attentionScratchBytes(c, ctx) + 4L * c.vocabSize();
        mem.put("scratch_bytes", scratch);
        mem.put("total_estimate_bytes", weights + kvF16 + scratch); // F16 cache: the default
        mem.put("jvm_overhead_note", "plus about 200 MB for the JVM (code, class metadata, a 32 MB young heap); the KV cache grows in pages of 64 positions as the context fills");
        info.put("memory", mem);
        return info;
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> info, String indent) {
        for (var e : info.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> sub) {
                System.out.println(indent + e.getKey() + ":");
                print((Map<String, Object>) sub, indent + "  ");
            } else {
                Object v = e.getValue();
                String s = v instanceof Long l && e.getKey().contains("bytes") ? String.format("%,d (%.1f MB)", l, l / 1e6)
                        : v instanceof String str ? str.replace("\n", "\\n") : String.valueOf(v);
                System.out.println(indent + e.getKey() + ": " + s);
            }
        }
    }
}
