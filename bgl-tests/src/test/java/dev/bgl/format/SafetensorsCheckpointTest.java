package dev.bgl.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Sharded folders with an index, and the refusal of shard names that escape the folder. */
class SafetensorsCheckpointTest {
    @TempDir
    Path dir;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static SafetensorsWriter threeTensors() {
        return new SafetensorsWriter()
                .tensorF32("a", new long[]{4}, new float[]{1, 2, 3, 4})
                .tensorF32("b", new long[]{2, 2}, new float[]{5, 6, 7, 8})
                .tensorF32("c", new long[]{2}, new float[]{9, 10});
    }

    private Path folder(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name));
    }

    private static void writeIndex(Path folder, String weightMapJson) throws IOException {
        Files.writeString(folder.resolve(SafetensorsIndex.FILE_NAME), "{\"metadata\":{},\"weight_map\":" + weightMapJson + "}");
    }

    private static FormatException refused(Path folder, String... parts) {
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsCheckpoint.open(folder).close());
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
        return e;
    }

    @Test
    void singleFile() throws IOException {
        Path f = folder("single");
        threeTensors().write(f.resolve("model.safetensors"));
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(f)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(ck.tensors().keySet()));
            assertEquals(1, ck.files().size());
            assertEquals(7f, ck.data("b").get(F32, 8));
        }
    }

    @Test
    void shardedWithIndex() throws IOException {
        Path f = folder("sharded");
        List<Path> shards = threeTensors().writeSharded(f, 16); // a (16 bytes) | b (16) | c (8)
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"),
                shards.stream().map(p -> p.getFileName().toString()).toList());
        String index = Files.readString(f.resolve(SafetensorsIndex.FILE_NAME));
        assertTrue(index.contains("\"total_size\" : 40"), index);
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(f)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(ck.tensors().keySet()));
            assertEquals(3, ck.files().size());
            assertEquals("model-00002-of-00003.safetensors", ck.fileOf("b").getFileName().toString());
            assertEquals(4f, ck.data("a").get(F32, 12));
            assertEquals(8f, ck.data("b").get(F32, 12));
            assertEquals(10f, ck.data("c").get(F32, 4));
        }
    }

    @Test
    void indexNamingATensorItsShardLacks() throws IOException {
        Path f = folder("lying");
        threeTensors().writeSharded(f, 1 << 20);
        writeIndex(f, "{\"a\":\"model-00001-of-00001.safetensors\",\"zzz\":\"model-00001-of-00001.safetensors\"}");
        refused(f, "tensor 'zzz' is not in its shard 'model-00001-of-00001.safetensors'");
    }

    @Test
    void missingShardOrFiles() throws IOException {
        Path f = folder("missing");
        writeIndex(f, "{\"a\":\"model-00001-of-00002.safetensors\"}");
        refused(f, "shard 'model-00001-of-00002.safetensors'", "no such file");
        refused(folder("empty"), "no model.safetensors or model.safetensors.index.json");
        writeIndex(f, "[]");
        refused(f, "'weight_map' is not a JSON object");
        Files.writeString(f.resolve(SafetensorsIndex.FILE_NAME), "[1]");
        refused(f, "index is not a JSON object");
        Files.writeString(f.resolve(SafetensorsIndex.FILE_NAME), "{\"weight_map\":{");
        refused(f, "index is not valid JSON");
        writeIndex(f, "{\"a\":3}");
        refused(f, "weight_map entry 'a' is not a file name string");
    }

    @Test
    void refusesParentDirectoryShard() throws IOException {
        Path f = folder("m");
        threeTensors().write(dir.resolve("x.safetensors")); // exists, just outside the folder
        writeIndex(f, "{\"a\":\"../x.safetensors\"}");
        refused(f, "shard '../x.safetensors'", "'..' in the name refused");
        writeIndex(f, "{\"a\":\"sub/../../x.safetensors\"}");
        refused(f, "'..' in the name refused");
    }

    @Test
    void refusesAbsoluteShard() throws IOException {
        Path f = folder("m");
        Path outside = dir.resolve("x.safetensors");
        threeTensors().write(outside);
        writeIndex(f, "{\"a\":\"" + outside.toAbsolutePath() + "\"}");
        refused(f, "absolute path refused");
    }

    @Test
    void refusesSymlinkPointingOutside() throws IOException {
        Path f = folder("m");
        Path outside = dir.resolve("x.safetensors");
        threeTensors().write(outside);
        Files.createSymbolicLink(f.resolve("shard.safetensors"), outside);
        writeIndex(f, "{\"a\":\"shard.safetensors\"}");
        refused(f, "shard 'shard.safetensors'", "outside the model folder");
        // The single-file name is held to the same rule.
        Files.createSymbolicLink(f.resolve("model.safetensors"), outside);
        refused(f, "'model.safetensors'", "outside the model folder");
        // A symlinked directory component is followed too.
        Path g = folder("g");
        Files.createSymbolicLink(g.resolve("sub"), dir);
        writeIndex(g, "{\"a\":\"sub/x.safetensors\"}");
        refused(g, "outside the model folder");
    }

    @Test
    void acceptsSymlinksInsideTheFolderAndTheHubCacheLayout() throws IOException {
        Path f = folder("m");
        Files.createDirectories(f.resolve("blobs"));
        threeTensors().write(f.resolve("blobs/x.safetensors"));
        Files.createSymbolicLink(f.resolve("model.safetensors"), f.resolve("blobs/x.safetensors"));
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(f)) {
            assertEquals(3, ck.tensors().size());
        }
        // huggingface_hub cache: models--org--name/snapshots/<rev>/model.safetensors -> ../../blobs/<sha>
        Path repo = folder("models--org--name");
        Files.createDirectories(repo.resolve("blobs"));
        Path snap = Files.createDirectories(repo.resolve("snapshots/abc123"));
        threeTensors().write(repo.resolve("blobs/0123abcd"));
        Files.createSymbolicLink(snap.resolve("model.safetensors"), Path.of("../../blobs/0123abcd"));
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(snap)) {
            assertEquals(3, ck.tensors().size());
        }
        // ...but not a blobs folder of some other repository.
        Path other = folder("models--evil--x");
        Files.createDirectories(other.resolve("blobs"));
        threeTensors().write(other.resolve("blobs/ffff"));
        Files.delete(snap.resolve("model.safetensors"));
        Files.createSymbolicLink(snap.resolve("model.safetensors"), other.resolve("blobs/ffff"));
        refused(snap, "outside the model folder");
    }
}
