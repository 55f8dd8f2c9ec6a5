package dev.bgl.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The two-load reading of a K-quant super-block's 12-byte scales/mins field agrees with the byte-by-byte one, for every bit pattern position. */
class KQuantsPackingTest {
    @Test
    void packedScalesAndMinsEqualTheByteByByteReading() {
        SplittableRandom rnd = new SplittableRandom(5);
        MemorySegment field = Arena.ofAuto().allocate(3 + 12 + 5);
        for (int trial = 0; trial < 2000; trial++) {
            for (long i = 0; i < field.byteSize(); i++) field.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
            long at = 3; // unaligned, as inside a 144-byte block
            long scales = KQuants.scales(field, at), mins = KQuants.mins(field, at);
            for (int j = 0; j < 8; j++) {
                assertEquals(KQuants.scale(field, at, j), KQuants.packed(scales, j), "scale " + j);
                assertEquals(KQuants.min(field, at, j), KQuants.packed(mins, j), "min " + j);
            }
        }
    }
}
