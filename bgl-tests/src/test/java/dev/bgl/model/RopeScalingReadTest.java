package dev.bgl.model;

import dev.bgl.format.FormatException;
import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** RoPE scaling as read from GGUF metadata and config.json, and the angles it gives. */
class RopeScalingReadTest {
    @TempDir
    Path dir;

    private Path gguf(Architecture arch, RopeScaling rope, Consumer<GgufWriter> extra) throws IOException {
        Path f = Files.createTempFile(dir, "m", ".gguf");
        var spec = new RandomModelMaker.Spec(arch, GgmlType.F32, 1, 64, 2, 1, 32, 64, 16, 1024, 1e6f, 1e-6f, true, 1, "t")
                .withRope(rope);
        RandomModelMaker.write(spec, extra, f);
        return f;
    }

    private RopeScaling readGguf(Consumer<GgufWriter> metadata) throws IOException {
        try (var src = GgufModelSource.open(gguf(Architecture.QWEN3, RopeScaling.NONE, metadata))) {
            return src.config().ropeScaling();
        }
    }

    @Test
    void ggufKeysAsLlamaCppReadsThem() throws IOException {
        assertEquals(RopeScaling.NONE, readGguf(w -> {
        }));
        assertEquals(RopeScaling.yarn(4, 256), readGguf(w -> w.put("qwen3.rope.scaling.type", "yarn")
                .putF32("qwen3.rope.scaling.factor", 4).putU32("qwen3.rope.scaling.original_context_length", 256)));
        // YaRN's original context defaults to the context length
        assertEquals(RopeScaling.yarn(4, 1024), readGguf(w -> w.put("qwen3.rope.scaling.type", "yarn")
                .putF32("qwen3.rope.scaling.factor", 4)));
        // a factor without a type is linear (llama.cpp's default type), also under the old key
        assertEquals(RopeScaling.linear(2), readGguf(w -> w.putF32("qwen3.rope.scaling.factor", 2)));
        assertEquals(RopeScaling.linear(3), readGguf(w -> w.putF32("qwen3.rope.scale_linear", 3)));
        // type none ignores the factor
        assertEquals(RopeScaling.NONE, readGguf(w -> w.put("qwen3.rope.scaling.type", "none").putF32("qwen3.rope.scaling.factor", 8)));
    }

    @Test
    void unknownGgufScalingTypeIsAClearError() {
        var e = assertThrows(FormatException.class, () -> readGguf(w -> w.put("qwen3.rope.scaling.type", "longrope")));
        assertTrue(e.getMessage().contains("'qwen3.rope.scaling.type' is 'longrope'"), e.getMessage());
        assertTrue(e.getMessage().contains("none, linear, yarn"), e.getMessage());
        var bad = assertThrows(FormatException.class, () -> readGguf(w -> w.putF32("qwen3.rope.scaling.factor", -2)));
        assertTrue(bad.getMessage().contains("'qwen3.rope.scaling.factor' = -2"), bad.getMessage());
    }

    @Test
    void ropeFreqsTensorIsReadAndChecked() throws IOException {
        float[] ff = RopeScaling.llama3FreqFactors(32, 1e6, 8, 1, 4, 256);
        try (var src = GgufModelSource.open(gguf(Architecture.LLAMA, RopeScaling.NONE.withFreqFactors(ff), w -> {
        }))) {
            assertArrayEquals(ff, src.config().ropeScaling().freqFactors());
        }
        Path wrong = gguf(Architecture.QWEN3, RopeScaling.NONE, w -> w.tensor(GgufModelSource.ROPE_FREQS, GgmlType.F32,
                new long[]{8}, new byte[32]));
        var e = assertThrows(FormatException.class, () -> GgufModelSource.open(wrong).close());
        assertTrue(e.getMessage().contains("'rope_freqs.weight' is F32 [8], expected F32 [16]"), e.getMessage());
    }

    private RopeScaling readConfig(String ropeScaling) throws IOException {
        Path f = Files.createTempFile(dir, "config", ".json");
        Files.writeString(f, """
                {"model_type": "llama", "vocab_size": 16, "hidden_size": 256, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "intermediate_size": 64, "max_position_embeddings": 131072,
                 "rope_theta": 500000.0, "rope_scaling": %s}
                """.formatted(ropeScaling));
        return HfConfig.read(f).config().ropeScaling();
    }

    /** transformers' llama3 rope init (modeling_rope_utils), written as it computes new inverse frequencies. */
    private static double[] transformersLlama3InvFreq(int dim, double base, double factor, double low, double high, double orig) {
        double[] out = new double[dim / 2];
        for (int i = 0; i < out.length; i++) {
            double inv = 1 / Math.pow(base, 2.0 * i / dim), wavelen = 2 * Math.PI / inv;
            double scaled = wavelen > orig / low ? inv / factor : inv;
            double smooth = (orig / wavelen - low) / (high - low);
            boolean medium = !(wavelen < orig / high) && !(wavelen > orig / low);
            out[i] = medium ? (1 - smooth) * scaled / factor + smooth * scaled : scaled;
        }
        return out;
    }

    @Test
    void configJsonLlama3BecomesFrequencyFactors() throws IOException {
        RopeScaling r = readConfig("""
                {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                 "original_max_position_embeddings": 8192}""");
        assertEquals(RopeScaling.Kind.NONE, r.kind());
        float[] ff = r.freqFactors();
        double[] inv = transformersLlama3InvFreq(128, 500000, 8, 1, 4, 8192);
        assertEquals(64, ff.length);
        int medium = 0;
        for (int i = 0; i < ff.length; i++) {
            double plain = 1 / Math.pow(500000, 2.0 * i / 128);
            assertEquals(plain / inv[i], ff[i], 1e-4 * ff[i], "pair " + i);
            if (ff[i] > 1.001 && ff[i] < 7.999) medium++;
        }
        assertEquals(1f, ff[0]);
        assertEquals(8f, ff[63]);
        assertTrue(medium > 0, "some pairs lie on the smooth ramp");
    }

    @Test
    void configJsonYarnAndLinear() throws IOException {
        assertEquals(RopeScaling.yarn(4, 32768), readConfig("""
                {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}"""));
        // the older "type" key, and YaRN's original context defaulting to max_position_embeddings as transformers does
        assertEquals(RopeScaling.yarn(2, 131072), readConfig("{\"type\": \"yarn\", \"factor\": 2}"));
        assertEquals(RopeScaling.linear(4), readConfig("{\"type\": \"linear\", \"factor\": 4}"));
        assertEquals(RopeScaling.NONE, readConfig("null"));
        assertEquals(RopeScaling.NONE, readConfig("{\"rope_type\": \"default\"}"));
    }

    @Test
    void unknownConfigJsonScalingIsAClearError() {
        var e = assertThrows(FormatException.class, () -> readConfig("{\"rope_type\": \"dynamic\", \"factor\": 2}"));
        assertTrue(e.getMessage().contains("'rope_scaling.rope_type' is 'dynamic'"), e.getMessage());
        var f = assertThrows(FormatException.class, () -> readConfig("{\"rope_type\": \"linear\"}"));
        assertTrue(f.getMessage().contains("'rope_scaling' lacks 'factor'"), f.getMessage());
    }

    @Test
    void configJsonWritesAndReadsBackYarn() throws IOException {
        ModelConfig c = new ModelConfig(Architecture.QWEN3, 16, 64, 1, 2, 1, 32, 32, 64, 4096, 1e-6f, 1e6f, true,
                RopeScaling.yarn(4, 1024));
        Path f = dir.resolve("config.json");
        Files.writeString(f, HfConfig.toJson(c, "float32").toString());
        assertEquals(c, HfConfig.read(f).config());
    }

    /** Qwen3's YaRN over 32768 tokens with a head of 128, base 1e6: the ramp runs over pairs 23..40 (worked by hand). */
    @Test
    void yarnCorrectionRange() {
        float[] d = RopeAngles.correctionDims(128, 32768, 1e6f, 32, 1);
        assertEquals(23f, d[0]);
        assertEquals(40f, d[1]);
    }

    @Test
    void anglesUnderEachScaling() {
        int pos = 3000, half = 16;
        float[] plainCos = new float[half], plainSin = new float[half], cos = new float[half], sin = new float[half];
        ModelConfig base = new ModelConfig(Architecture.QWEN3, 16, 64, 1, 2, 1, 32, 32, 64, 4096, 1e-6f, 1e6f, true);
        new RopeAngles(base).fill(pos, plainCos, plainSin, 0);
        for (int i = 0; i < half; i++) {
            double theta = pos * Math.pow(1e6, -2.0 * i / 32);
            assertEquals(Math.cos(theta), plainCos[i], 2e-3, "plain pair " + i);
        }
        // linear: the angle of position p/4
        new RopeAngles(base.withRopeScaling(RopeScaling.linear(4))).fill(pos, cos, sin, 0);
        for (int i = 0; i < half; i++)
            assertEquals(Math.cos(pos / 4.0 * Math.pow(1e6, -2.0 * i / 32)), cos[i], 2e-3, "linear pair " + i);
        // YaRN: fast pairs keep their angle, slow ones are interpolated, all scaled by 0.1 ln 4 + 1
        new RopeAngles(base.withRopeScaling(RopeScaling.yarn(4, 256))).fill(pos, cos, sin, 0);
        double m = 0.1 * Math.log(4) + 1;
        assertEquals(m * plainCos[0], cos[0], 1e-5);
        assertEquals(m, Math.hypot(cos[7], sin[7]), 1e-5);
        double slow = pos / 4.0 * Math.pow(1e6, -2.0 * 15 / 32);
        assertEquals(m * Math.cos(slow), cos[15], 1e-4);
        // frequency factors divide each pair's angle
        float[] ff = new float[half];
        for (int i = 0; i < half; i++) ff[i] = 1 + i;
        new RopeAngles(base.withRopeScaling(RopeScaling.NONE.withFreqFactors(ff))).fill(pos, cos, sin, 0);
        for (int i = 0; i < half; i++)
            assertEquals(Math.sin(pos * Math.pow(1e6, -2.0 * i / 32) / (1 + i)), sin[i], 2e-3, "factor pair " + i);
    }
}
