package dev.bgl.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bgl.chat.jinja.TemplateFuzzTargets;
import dev.bgl.format.FormatFuzzTargets;
import dev.bgl.server.RequestFuzzTargets;
import dev.bgl.tokenizer.TokenizerFuzzTargets;

/**
 * Coverage-guided fuzzing (Jazzer) of everything bgl reads from untrusted files. Under plain
 * {@code mvn test} these run in Jazzer's regression mode: each target runs the inputs kept in
 * {@code src/test/resources/dev/bgl/fuzz/ParserFuzzTestInputs/<target>/} (past findings) as ordinary
 * tests. {@code ./fuzz --minutes N} fuzzes them for real (JAZZER_FUZZ=1, seeded from
 * {@code src/test/resources/fuzz/<target>/}). {@code @Timeout} is the per-input time limit: an input
 * that runs longer is reported as a hang.
 */
class ParserFuzzTest {
    @FuzzTest
    void gguf(byte[] data) {
        FormatFuzzTargets.gguf(data);
    }

    @FuzzTest
    void safetensors(byte[] data) {
        FormatFuzzTargets.safetensors(data);
    }

    @FuzzTest
    @DictionaryEntries({"\"weight_map\"", "\"..\"", "\"/\"", "\"model.safetensors\"", "\"sub/shard.safetensors\"", "\"\\\\\""})
    void safetensorsIndex(byte[] data) {
        FormatFuzzTargets.safetensorsIndex(data);
    }

    @FuzzTest
    @DictionaryEntries({"\"model\"", "\"vocab\"", "\"merges\"", "\"added_tokens\"", "\"pre_tokenizer\"", "\"Sequence\"",
        "\"Split\"", "\"ByteLevel\"", "\"BPE\"", "\"special\"", "\"content\"", "\"id\"", "\"use_regex\""})
    void tokenizerJson(byte[] data) {
        TokenizerFuzzTargets.tokenizerJson(data);
    }

    @FuzzTest
    @DictionaryEntries({"tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.model", "tokenizer.ggml.pre",
        "tokenizer.ggml.token_type", "tokenizer.ggml.scores", "tokenizer.ggml.bos_token_id", "gpt2", "llama", "qwen2"})
    void ggufTokenizer(byte[] data) {
        TokenizerFuzzTargets.ggufTokenizer(data);
    }

    @FuzzTest
    // libFuzzer dictionary syntax: one entry a line, so control and non-ASCII bytes as \xNN escapes
    @DictionaryEntries({"<|endoftext|>", "<think>", "hello", "'s", "\\x0d\\x0a", "\\xc2\\xa0", "\\xf0\\x9f\\x98\\x80"})
    void encodeDecode(byte[] data) {
        TokenizerFuzzTargets.encodeDecode(data);
    }

    @FuzzTest
    @DictionaryEntries({"{{", "}}", "{%", "%}", "{#", "#}", "-%}", "{%-", "for ", " in ", "endfor", "if ", "endif", "else",
        "elif", "macro ", "endmacro", "call", "endcall", "set ", "namespace(", "range(", "loop.", "caller()", "filter ",
        "endfilter", "raw", "endraw", "messages", "|tojson", "|join", "|replace(", "|indent(", "* 10**9", "__class__",
        ".getClass()", "is defined", "not ", " ~ ", "[::-1]", "raise_exception("})
    void templateSource(byte[] data) {
        TemplateFuzzTargets.templateSource(data);
    }

    @FuzzTest
    @DictionaryEntries({"\"messages\"", "\"role\"", "\"content\"", "\"user\"", "\"assistant\"", "\"system\"", "\"tool\"",
        "\"tools\"", "\"tool_calls\"", "\"function\"", "\"arguments\"", "\"reasoning_content\"", "</think>", "<think>",
        "\"add_generation_prompt\"", "\"enable_thinking\"", "true", "null", "[]", "{}"})
    void renderContext(byte[] data) {
        TemplateFuzzTargets.renderContext(data);
    }

    @FuzzTest
    @DictionaryEntries({"\"messages\"", "\"role\"", "\"content\"", "\"user\"", "\"prompt\"", "\"max_tokens\"",
        "\"max_completion_tokens\"", "\"temperature\"", "\"top_p\"", "\"top_k\"", "\"min_p\"", "\"seed\"", "\"n\"",
        "\"stream\"", "\"thinking_budget\"", "\"thinking_budget_seconds\"", "\"budget\"", "\"budget_mode\"",
        "\"reasoning_effort\"", "\"guided\"", "\"prompt\"", "1e400", "-0", "9223372036854775808", "\\ud800", "\\u0000",
        "tok", "GFLOP", "$@", "/1k"})
    void apiRequest(byte[] data) {
        RequestFuzzTargets.apiRequest(data);
    }
}
