package dev.bgl.train;

import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A training checkpoint in a small binary format of its own (little-endian): magic, the config,
 * step, examples consumed, RNG state, then parameters, first and second AdamW moments as floats.
 * Written to a temporary file and moved into place, so a crash never leaves a torn checkpoint.
 */
public final class Checkpoint {
    public static final String FILE_NAME = "checkpoint.bin";
    private static final long MAGIC = 0x3130_4E52_544C_4742L; // "BGLTRN01"
    /** ropeBase, rmsEps, lr, warmup, steps, batch, weightDecay, clip (4 bytes each), seed (8), checkpointEvery (4). */
    private static final int SCHEDULE_BYTES = 8 * 4 + 8 + 4;

    private Checkpoint() {
    }

    public static void write(Path file, TrainState s) throws IOException {
        TrainConfig c = s.config;
        ByteBuffer head = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(MAGIC);
        for (int x : new int[]{c.dim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(), c.vocab(), c.maxSeq()}) head.putInt(x);
        head.putFloat(c.ropeBase()).putFloat(c.rmsEps()).putFloat(c.lr()).putInt(c.warmupSteps()).putInt(c.steps())
                .putInt(c.batchSize()).putFloat(c.weightDecay()).putFloat(c.gradClip()).putLong(c.seed()).putInt(c.checkpointEvery());
        head.putInt(s.step).putLong(s.examplesConsumed).putLong(s.rng.state()).putInt(s.params.length);
        head.flip();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            while (head.hasRemaining()) ch.write(head);
            for (float[] a : new float[][]{s.params, s.m, s.v}) writeFloats(ch, a);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads a checkpoint; its model shape must equal {@code expected}'s. The returned state carries
     * {@code expected} as its config (so a resumed run may change e.g. the number of steps).
     */
    public static TrainState read(Path file, TrainConfig expected) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(8 + 8 * 4 + SCHEDULE_BYTES + 4 + 8 + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, head, file);
            head.flip();
            if (head.getLong() != MAGIC) throw new BglException(file + ": not a bgl training checkpoint (bad magic)");
            int[] shape = new int[8];
            for (int i = 0; i < 8; i++) shape[i] = head.getInt();
            int[] want = {expected.dim(), expected.layers(), expected.heads(), expected.kvHeads(), expected.headDim(),
                    expected.ffnDim(), expected.vocab(), expected.maxSeq()};
            String[] names = {"dim", "layers", "heads", "kv-heads", "head-dim", "ffn", "vocab", "max-seq"};
            for (int i = 0; i < 8; i++)
                if (shape[i] != want[i])
                    throw new BglException(file + ": checkpoint has " + names[i] + " " + shape[i] + " but the run asks for " + want[i]);
            head.position(head.position() + SCHEDULE_BYTES); // the run's own schedule wins
            int step = head.getInt();
            long consumed = head.getLong();
            long rngState = head.getLong();
            int n = head.getInt();
            int size = new ParamLayout(expected).size();
            if (n != size) throw new BglException(file + ": checkpoint holds " + n + " parameters, the model has " + size);
            float[] p = readFloats(ch, n, file), m = readFloats(ch, n, file), v = readFloats(ch, n, file);
            if (ch.position() != ch.size()) throw new BglException(file + ": " + (ch.size() - ch.position()) + " unexpected trailing bytes");
            Rng rng = new Rng(0);
            rng.setState(rngState);
            return new TrainState(expected, p, m, v, step, consumed, rng);
        } catch (IOException e) {
            throw new BglException(file + ": cannot read checkpoint: " + e.getMessage(), e);
        }
    }

    private static void writeFloats(FileChannel ch, float[] a) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < a.length; ) {
            buf.clear();
            int n = Math.min(a.length - i, buf.capacity() / 4);
            buf.asFloatBuffer().put(a, i, n);
            buf.limit(4 * n);
            while (buf.hasRemaining()) ch.write(buf);
            i += n;
        }
    }

    private static float[] readFloats(FileChannel ch, int count, Path file) throws IOException {
        float[] a = new float[count];
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; ) {
            int n = Math.min(count - i, buf.capacity() / 4);
            buf.clear().limit(4 * n);
            readFully(ch, buf, file);
            buf.flip();
            buf.asFloatBuffer().get(a, i, n);
            i += n;
        }
        return a;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, Path file) throws IOException {
        while (buf.hasRemaining())
            if (ch.read(buf) < 0) throw new BglException(file + ": checkpoint is truncated");
    }
}
