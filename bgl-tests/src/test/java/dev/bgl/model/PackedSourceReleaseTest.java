package dev.bgl.model;

import dev.bgl.format.GgmlType;
import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufTensorInfo;
import dev.bgl.format.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Packed weights are read from the file once, at load, and then only their packed copy: the source pages must not
 * stay in this process. They used to: a fault maps the page cache's whole folio, so reading each expert re-mapped
 * the end of the one packed before it, and a 64-expert Q8_0 file kept 43% of its experts' pages resident (258 MB
 * on top of the packed copy). Counted here page by page from /proc/self/pagemap (Linux; skipped elsewhere).
 */
class PackedSourceReleaseTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    @Test
    void noPageOfAPackedTensorStaysMappedAfterLoad() throws IOException {
        Path pagemap = Path.of("/proc/self/pagemap");
        assumeTrue(Files.isReadable(pagemap) && Files.isReadable(Path.of("/proc/self/maps")), "needs Linux's /proc/self/pagemap");
        assumeTrue(dev.bgl.tensor.PackedRows.enabled(), "packing needs 8 or 16 float lanes");
        Path f = dir.resolve("moe-q8.gguf");
        // experts of 128 x 256 Q8_0 (34,816 bytes, 8.5 pages each): neighbours share pages and folios
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3MOE, GgmlType.Q8_0, 2, 256, 4, 2, 64, 512, 64, 256,
                1e6f, 1e-6f, true, 3, "release").withExperts(new ExpertConfig(32, 4, 128, true)), PackedSourceReleaseTest::vocab, f);
        byte[] warm = Files.readAllBytes(f); // the whole file in the page cache, as after make-model or a previous run
        assertEquals(Files.size(f), warm.length);

        List<long[]> packed = new ArrayList<>(); // [start, end) file offsets of the tensors bgl packs
        try (GgufFile g = GgufFile.open(f)) {
            for (GgufTensorInfo t : g.tensorList()) {
                String n = t.name();
                if (n.endsWith("_exps.weight") || n.matches("blk\\.\\d+\\.attn_[qkvo](utput)?\\.weight") || n.equals("token_embd.weight"))
                    packed.add(new long[]{g.dataOffset() + t.offset(), g.dataOffset() + t.offset() + t.byteSize()});
            }
        }
        GgufModelSource src = GgufModelSource.open(f);
        try {
            Transformer model = new Transformer(src);
            long base = mappingStart(f);
            long inside = 0, present = 0;
            try (FileChannel pm = FileChannel.open(pagemap)) {
                ByteBuffer e = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                for (long[] r : packed) {
                    // pages wholly inside the tensor: a page it shares with an unpacked neighbour may be mapped for that one
                    for (long p = (r[0] + PAGE - 1) / PAGE; (p + 1) * PAGE <= r[1]; p++) {
                        e.clear();
                        pm.read(e, (base / PAGE + p) * 8);
                        inside++;
                        if ((e.getLong(0) >>> 63) != 0) present++;
                    }
                }
            }
            assumeTrue(inside > 100, "too few whole pages to judge: " + inside);
            assertEquals(0, present, present + " of the " + inside + " source pages of packed tensors are still mapped after load");
            assertEquals(256, model.config().dim());
        } finally {
            src.close();
        }
    }

    /** Where this process maps {@code f} from offset 0 (the model's mapping of the whole file). */
    private static long mappingStart(Path f) throws IOException {
        String real = f.toRealPath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] col = line.trim().split("\\s+");
            if (col.length >= 6 && line.endsWith(real) && Long.parseLong(col[2], 16) == 0) return Long.parseUnsignedLong(col[0].split("-")[0], 16);
        }
        throw new AssertionError("no mapping of " + real + " in /proc/self/maps");
    }

    private static void vocab(GgufWriter w) {
        String[] tokens = new String[64];
        for (int i = 0; i < tokens.length; i++) tokens[i] = "t" + i;
        w.put("tokenizer.ggml.model", "gpt2");
        w.putStrings("tokenizer.ggml.tokens", tokens);
    }
}
