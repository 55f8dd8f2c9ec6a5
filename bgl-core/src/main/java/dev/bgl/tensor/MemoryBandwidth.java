package dev.bgl.tensor;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures how fast this machine reads memory that is not in cache: the ceiling of decoding,
 * which reads every weight once per token. Reads a buffer several times larger than any cache
 * with wide vector loads over {@link Parallel}'s threads and keeps the fastest of a few passes.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Long> V = LongVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private MemoryBandwidth() {
    }

    /** Bytes per second read by the current thread count, from a {@code bytes}-long buffer (128 MiB is plenty). */
    public static double measure(long bytes, int passes) {
        int step = V.vectorByteSize() * 4;
        long blocks = bytes / step;
        try (Arena arena = Arena.ofShared()) { // shared: the pool's threads read it
            MemorySegment buf = arena.allocate(blocks * step, 64);
            for (long i = 0; i < buf.byteSize(); i += 8) buf.set(ValueLayout.JAVA_LONG_UNALIGNED, i, i);
            AtomicLong sink = new AtomicLong(); // the sums go somewhere, so the reads are not optimised away
            double best = 0;
            int chunks = (int) Math.min(Integer.MAX_VALUE, blocks);
            for (int p = -2; p < passes; p++) { // two unmeasured passes to compile and fault in
                long t0 = System.nanoTime();
                Parallel.forRange(chunks, 1 << 14, (start, end) -> {
                    long acc = 0;
                    // many short calls rather than one long one: the JIT compiles sum() after a
                    // few thousand calls, while one long loop would wait for on-stack replacement
                    for (int b = start; b < end; b += 1024) acc += sum(buf, (long) b * step, (long) Math.min(end, b + 1024) * step);
                    sink.addAndGet(acc);
                });
                double secs = (System.nanoTime() - t0) / 1e9;
                if (p >= 0) best = Math.max(best, blocks * step / secs);
            }
            return best;
        }
    }

    private static long sum(MemorySegment s, long from, long to) {
        int w = V.vectorByteSize();
        LongVector a = LongVector.zero(V), b = a, c = a, d = a;
        for (long i = from; i < to; i += 4L * w) {
            a = a.add(LongVector.fromMemorySegment(V, s, i, LE));
            b = b.add(LongVector.fromMemorySegment(V, s, i + w, LE));
            c = c.add(LongVector.fromMemorySegment(V, s, i + 2L * w, LE));
            d = d.add(LongVector.fromMemorySegment(V, s, i + 3L * w, LE));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }
}
