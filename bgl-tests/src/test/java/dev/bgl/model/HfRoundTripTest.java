package dev.bgl.model;

import dev.bgl.format.GgmlType;
import dev.bgl.format.SafetensorsDtype;
import dev.bgl.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** GGUF (written here) → HF folder (HfExport) → HfModelSource gives the same config and the same tensors. */
class HfRoundTripTest {
    @TempDir
    Path dir;

    private static final TestGgufModels.Spec LLAMA =
            new TestGgufModels.Spec(Architecture.LLAMA, 40, 32, 2, 4, 2, 8, 64, false, GgmlType.F32, true);
    private static final TestGgufModels.Spec QWEN2 =
            new TestGgufModels.Spec(Architecture.QWEN2, 40, 32, 2, 4, 2, 8, 64, true, GgmlType.F32, false);
    /** Qwen3 with head_dim apart from dim/heads, as the real models have. */
    private static final TestGgufModels.Spec QWEN3 =
            new TestGgufModels.Spec(Architecture.QWEN3, 40, 32, 2, 4, 1, 16, 64, false, GgmlType.F32, false);

    private void roundTrip(TestGgufModels.Spec spec, long maxShardBytes) throws IOException {
        Path gguf = TestGgufModels.write(dir.resolve(spec.arch().ggufName() + ".gguf"), spec, 42);
        Path folder = dir.resolve("hf-" + spec.arch().ggufName() + "-" + spec.matrixType() + "-" + maxShardBytes);
        try (GgufModelSource src = GgufModelSource.open(gguf)) {
            HfExport.Result r = HfExport.write(src, folder, null, maxShardBytes);
            assertEquals(spec.extraTensor() ? List.of("rope_freqs.weight") : List.of(), r.skipped());
            try (HfModelSource hf = HfModelSource.open(folder)) {
                // config.json cannot carry rope_freqs.weight's factors (only llama3's inputs to them)
                ModelConfig expectedConfig = src.config().withRopeScaling(src.config().ropeScaling().withFreqFactors(null));
                assertEquals(spec.extraTensor(), src.config().ropeScaling().freqFactors() != null);
                assertEquals(expectedConfig, hf.config());
                assertEquals(spec.tied(), hf.config().tiedEmbeddings());
                List<String> expected = new ArrayList<>(src.tensorNames());
                expected.removeAll(r.skipped());
                assertEquals(new TreeSet<>(expected), new TreeSet<>(hf.tensorNames()));
                for (String name : expected) {
                    Tensor a = src.tensor(name), b = hf.tensor(name);
                    assertEquals(name, b.name());
                    assertEquals(a.rows(), b.rows(), name);
                    assertEquals(a.cols(), b.cols(), name);
                    GgmlType expectType = SafetensorsDtype.of(a.type()) != null ? a.type() : GgmlType.F32;
                    assertEquals(expectType, b.type(), name);
                    assertArrayEquals(a.toFloats(), b.toFloats(), name);
                }
                assertEquals(spec.tied(), hf.find("output.weight").isEmpty());
                assertEquals(spec.tied(), !hf.checkpoint().has("lm_head.weight"));
            }
        }
    }

    @Test
    void llama() throws IOException {
        roundTrip(LLAMA, 0);
    }

    @Test
    void qwen2TiedWithBiases() throws IOException {
        roundTrip(QWEN2, 0);
    }

    @Test
    void qwen3() throws IOException {
        roundTrip(QWEN3, 0);
    }

    @Test
    void shardedExport() throws IOException {
        roundTrip(QWEN3, 20_000);
        Path folder = dir.resolve("hf-qwen3-F32-20000");
        assertTrue(Files.exists(folder.resolve("model.safetensors.index.json")));
        assertFalse(Files.exists(folder.resolve("model.safetensors")));
        try (HfModelSource hf = HfModelSource.open(folder)) {
            assertTrue(hf.checkpoint().files().size() > 1);
        }
    }

    @Test
    void halfPrecisionTypesAreKept() throws IOException {
        roundTrip(withType(LLAMA, GgmlType.F16), 0);
        roundTrip(withType(QWEN3, GgmlType.BF16), 0);
    }

    @Test
    void quantisedTensorsAreDequantisedToF32() throws IOException {
        roundTrip(withType(LLAMA, GgmlType.Q8_0), 0);
        roundTrip(withType(QWEN2, GgmlType.Q4_0), 0);
    }

    private static TestGgufModels.Spec withType(TestGgufModels.Spec s, GgmlType t) {
        return new TestGgufModels.Spec(s.arch(), s.vocab(), s.dim(), s.layers(), s.heads(), s.kvHeads(), s.headDim(), s.ffn(),
                s.tied(), t, s.extraTensor());
    }

    /** In the HF file llama's Q/K rows are in HF order: head_dim 8 -> GGUF rows 0,4,1,5,2,6,3,7 hold HF rows 0..7 in that order. */
    @Test
    void llamaRowsAreInHfOrderOnDisk() throws IOException {
        Path gguf = TestGgufModels.write(dir.resolve("l.gguf"), LLAMA, 1);
        Path folder = dir.resolve("hf");
        int[] ggufRowOfHfRow = {0, 2, 4, 6, 1, 3, 5, 7};
        try (GgufModelSource src = GgufModelSource.open(gguf)) {
            HfExport.write(src, folder);
            try (HfModelSource hf = HfModelSource.open(folder)) {
                for (String[] t : new String[][]{{"blk.1.attn_q.weight", "model.layers.1.self_attn.q_proj.weight"},
                        {"blk.1.attn_k.weight", "model.layers.1.self_attn.k_proj.weight"}}) {
                    Tensor g = src.tensor(t[0]);
                    SafetensorsDtype dt = hf.checkpoint().info(t[1]).dtype();
                    assertEquals(SafetensorsDtype.F32, dt);
                    Tensor raw = new Tensor("raw", GgmlType.F32, hf.checkpoint().data(t[1]), g.rows(), g.cols());
                    float[] gr = new float[g.cols()], hr = new float[g.cols()];
                    for (int s = 0; s < g.rows(); s++) {
                        g.row((s / 8) * 8 + ggufRowOfHfRow[s % 8], gr);
                        raw.row(s, hr);
                        assertArrayEquals(gr, hr, t[1] + " row " + s);
                    }
                }
                // Qwen-style tensors and V are untouched: same bytes.
                Tensor v = src.tensor("blk.0.attn_v.weight");
                assertArrayEquals(v.toFloats(), hf.tensor("blk.0.attn_v.weight").toFloats());
            }
        }
    }

    @Test
    void oneCallExportFromGgufPathWithTokenizer() throws IOException {
        Path gguf = TestGgufModels.write(dir.resolve("q.gguf"), QWEN2, 3);
        Path tok = Files.writeString(dir.resolve("tok.json"), "{\"model\":{}}");
        Path folder = dir.resolve("out");
        HfExport.write(gguf, folder, tok);
        assertEquals("{\"model\":{}}", Files.readString(folder.resolve("tokenizer.json")));
        assertEquals(Set.of("config.json", "model.safetensors", "tokenizer.json"),
                new TreeSet<>(Files.list(folder).map(p -> p.getFileName().toString()).toList()));
        String config = Files.readString(folder.resolve("config.json"));
        assertTrue(config.contains("\"model_type\" : \"qwen2\""), config);
        assertTrue(config.contains("\"tie_word_embeddings\" : true"), config);
        try (HfModelSource hf = HfModelSource.open(folder); GgufModelSource src = GgufModelSource.open(gguf)) {
            assertEquals(src.config(), hf.config());
            assertEquals("pt", hf.checkpoint().files().getFirst().metadata().get("format"));
        }
    }
}
