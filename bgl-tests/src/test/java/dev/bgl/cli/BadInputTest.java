package dev.bgl.cli;

import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufTensorInfo;
import dev.bgl.format.GgufValue;
import dev.bgl.format.GgufWriter;
import dev.bgl.model.Architecture;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiPredicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad model files and arguments through the real CLI: a one-line error that names the file and
 * the problem, a non-zero exit code, and no stack trace unless --debug.
 */
class BadInputTest {
    @TempDir
    static Path dir;
    static Path good;

    record Run(int code, String out, String err) {
    }

    static Run bgl(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    static void assertCleanError(Run r, String... mustContain) {
        assertNotEquals(0, r.code(), "exit code");
        String e = r.err().strip();
        assertFalse(e.contains("\tat "), "no stack trace: " + e);
        assertEquals(1, e.lines().count(), "one line: " + e);
        for (String s : mustContain) assertTrue(e.contains(s), "error should mention '" + s + "': " + e);
    }

    @BeforeAll
    static void makeModel() throws Exception {
        var vocab = ByteLevelVocab.spec();
        good = dir.resolve("good.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 2, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 256, 1e6f, 1e-6f, false, 5, "t"), vocab::writeTo, good);
        assertEquals(0, bgl("inspect", good.toString()).code());
    }

    /** Rewrites the good model, dropping or changing tensors and metadata. */
    static Path rewrite(String name, BiPredicate<String, GgufValue> keepMeta, java.util.function.Function<GgufTensorInfo, GgufTensorInfo> tensor) throws Exception {
        Path out = dir.resolve(name);
        try (GgufFile f = GgufFile.open(good)) {
            GgufWriter w = new GgufWriter();
            f.metadata().forEach((k, v) -> {
                if (keepMeta.test(k, v)) w.put(k, v);
            });
            for (GgufTensorInfo t : f.tensorList()) {
                GgufTensorInfo n = tensor.apply(t);
                if (n == null) continue;
                byte[] data = f.data(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                w.tensor(n.name(), n.type(), n.dims(), java.util.Arrays.copyOf(data, (int) n.byteSize()));
            }
            w.write(out);
        }
        return out;
    }

    @Test
    void missingFile() {
        assertCleanError(bgl("inspect", dir.resolve("nope.gguf").toString()), "nope.gguf", "no such file");
    }

    @Test
    void wrongMagic() throws Exception {
        Path p = dir.resolve("magic.gguf");
        Files.write(p, "GGML this is not a gguf file at all".getBytes());
        assertCleanError(bgl("inspect", p.toString()), "magic.gguf", "not a GGUF file");
    }

    @Test
    void unsupportedVersion() throws Exception {
        Path p = dir.resolve("v9.gguf");
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(GgufFile.MAGIC).putInt(9).putLong(0).putLong(0);
        Files.write(p, b.array());
        assertCleanError(bgl("inspect", p.toString()), "v9.gguf", "unsupported GGUF version 9");
    }

    @Test
    void truncatedFile() throws Exception {
        Path p = dir.resolve("cut.gguf");
        byte[] all = Files.readAllBytes(good);
        Files.write(p, java.util.Arrays.copyOf(all, all.length - 1000));
        assertCleanError(bgl("inspect", p.toString()), "cut.gguf", "truncated");
    }

    @Test
    void unknownTensorTypeId() throws Exception {
        Path p = dir.resolve("type99.gguf");
        byte[] name = "w".getBytes();
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 8 + 8 + name.length + 4 + 8 + 4 + 8 + 64).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(GgufFile.MAGIC).putInt(3).putLong(1).putLong(0)
                .putLong(name.length).put(name).putInt(1).putLong(32).putInt(99).putLong(0);
        Files.write(p, b.array());
        assertCleanError(bgl("inspect", p.toString()), "type99.gguf", "unknown tensor type id 99");
    }

    @Test
    void unknownArchitecture() throws Exception {
        Path p = rewrite("mamba.gguf", (k, v) -> true, t -> t);
        // same file, other architecture name
        Path q = dir.resolve("mamba2.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            GgufWriter w = new GgufWriter();
            f.metadata().forEach((k, v) -> w.put(k, k.equals("general.architecture") ? GgufValue.of("mamba") : v));
            for (GgufTensorInfo t : f.tensorList()) w.tensor(t.name(), t.type(), t.dims(), f.data(t));
            w.write(q);
        }
        assertCleanError(bgl("inspect", q.toString()), "mamba2.gguf", "unknown architecture 'mamba'");
    }

    /** qwen3moe: wrong expert counts are one line from the CLI naming the key, before the model is loaded; make-model checks its options. */
    @Test
    void expertCounts() throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path moe = dir.resolve("moe.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3MOE, GgmlType.F32, 1, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 256, 1e6f, 1e-6f, false, 5, "t").withExperts(new dev.bgl.model.ExpertConfig(4, 2, 32, true)), vocab::writeTo, moe);
        Run ok = bgl("inspect", moe.toString());
        assertEquals(0, ok.code(), ok.err());
        Path bad = dir.resolve("moe-used.gguf");
        try (GgufFile f = GgufFile.open(moe)) {
            GgufWriter w = new GgufWriter();
            f.metadata().forEach((k, v) -> w.put(k, k.equals("qwen3moe.expert_used_count") ? GgufValue.ofU32(5) : v));
            for (GgufTensorInfo t : f.tensorList()) w.tensor(t.name(), t.type(), t.dims(), f.data(t));
            w.write(bad);
        }
        assertCleanError(bgl("inspect", bad.toString()), "moe-used.gguf", "'qwen3moe.expert_used_count' = 5", "'qwen3moe.expert_count' = 4");
        Path tok = dir.resolve("tokenizer.json");
        java.nio.file.Files.writeString(tok, "{}");
        assertCleanError(bgl("make-model", "--arch", "qwen3moe", "--experts", "4", "--experts-used", "5", "--vocab-from", tok.toString(),
                dir.resolve("x.gguf").toString()), "--experts-used 5 exceeds --experts 4");
        assertCleanError(bgl("make-model", "--arch", "qwen3", "--experts", "4", "--vocab-from", tok.toString(),
                dir.resolve("x.gguf").toString()), "--experts", "qwen3moe");
    }

    @Test
    void missingTensor() throws Exception {
        Path p = rewrite("missing.gguf", (k, v) -> true, t -> t.name().equals("blk.1.ffn_down.weight") ? null : t);
        assertCleanError(bgl("inspect", p.toString()), "missing.gguf", "missing tensor 'blk.1.ffn_down.weight'");
    }

    @Test
    void shapeMismatch() throws Exception {
        Path p = rewrite("shape.gguf", (k, v) -> true, t -> t.name().equals("blk.0.attn_q.weight")
                ? new GgufTensorInfo(t.name(), new long[]{64, 32}, t.type(), 0) : t);
        assertCleanError(bgl("inspect", p.toString()), "shape.gguf", "blk.0.attn_q.weight", "shape");
    }

    @Test
    void tensorTypeTheEngineCannotComputeWith() throws Exception {
        // IQ2_XXS: a type llama.cpp files come in that bgl does not compute with (Q5_0, used here before, now it does)
        Path p = rewrite("iq2_xxs.gguf", (k, v) -> true, t -> t.name().equals("blk.0.ffn_up.weight")
                ? new GgufTensorInfo(t.name(), new long[]{64, 96}, GgmlType.IQ2_XXS, 0) : t);
        assertCleanError(bgl("inspect", p.toString()), "iq2_xxs.gguf", "blk.0.ffn_up.weight", "IQ2_XXS");
    }

    @Test
    void promptLongerThanTheContext() {
        assertCleanError(bgl("generate", "--model", good.toString(), "--context", "16", "--prompt", "a long prompt ".repeat(20)),
                "prompt too long");
    }

    @Test
    void badArgumentsAndDebugShowsTheTrace() {
        Run r = bgl("generate", "--model", good.toString(), "--prompt", "x", "--temperature", "-2");
        assertCleanError(r, "temperature");
        Run d = bgl("inspect", dir.resolve("nope.gguf").toString(), "--debug");
        assertNotEquals(0, d.code());
        assertTrue(d.err().contains("\tat "), "--debug prints the stack trace");
        Run u = bgl("frobnicate");
        assertNotEquals(0, u.code());
        assertTrue(u.err().contains("frobnicate"), u.err());
    }
}
