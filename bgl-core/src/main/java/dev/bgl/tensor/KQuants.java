package dev.bgl.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bgl.tensor.F16Kernel.I16;
import static dev.bgl.tensor.Species.B_L;
import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.L;
import static dev.bgl.tensor.Species.S_HALF;

/**
 * What ggml's K-quants (super-blocks of 256 values) share: the Q8_K activation encoding they are
 * multiplied with, and the 12-byte packing of eight 6-bit scales and eight 6-bit mins used by
 * Q4_K and Q5_K, with a quantiser for those two.
 */
final class KQuants {
    static final int QK_K = 256;

    private KQuants() {
    }

    /**
     * Encodes activations as ggml's quantize_row_q8_K_ref (which its x86 build runs): per block of
     * 256, {@code iscale = -127/max} where max is the element of largest magnitude (with its sign),
     * quants {@code nearest_int(iscale·x)} (round half to even, capped at 127), scale
     * {@code d = 1/iscale} kept as a float (negative when max is positive), and the sum of each 16
     * quants. An all-zero block gets d = 0 and zero quants. Needs {@code n} a multiple of 256.
     */
    static void quantizeActivationsQ8K(float[] x, int off, int n, Activations a) {
        byte[] q = a.q;
        short[] qs = a.qs;
        for (int b = 0; b < n / QK_K; b++) {
            int o = off + b * QK_K, qo = b * QK_K;
            if (B_L == null || !quantizeBlockQ8KVector(x, o, qo, b, a)) quantizeBlockQ8K(x, o, qo, b, a);
        }
    }

    /** One block of {@link #quantizeActivationsQ8K}, a value at a time: the reference, and the path for NaN. */
    static void quantizeBlockQ8K(float[] x, int o, int qo, int b, Activations a) {
        byte[] q = a.q;
        short[] qs = a.qs;
        float max = 0, amax = 0;
        for (int j = 0; j < QK_K; j++) {
            float ax = Math.abs(x[o + j]);
            if (ax > amax) {
                amax = ax;
                max = x[o + j];
            }
        }
        if (amax == 0) {
            a.kScale[b] = 0;
            for (int j = 0; j < QK_K; j++) {
                q[qo + j] = 0;
                qs[qo + j] = 0;
            }
            for (int j = 0; j < 16; j++) a.kSum16[b * 16 + j] = 0;
            return;
        }
        float iscale = -127f / max;
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int j = g * 16; j < g * 16 + 16; j++) {
                int v = Math.min(127, (int) Math.rint(iscale * x[o + j]));
                q[qo + j] = (byte) v;
                qs[qo + j] = (short) v;
                sum += v;
            }
            a.kSum16[b * 16 + g] = sum;
        }
        a.kScale[b] = 1 / iscale;
    }

    /**
     * The same block in vector lanes, bitwise the scalar one: the largest magnitude is the first
     * element that has it (the scalar loop keeps the first of equals), and rounding by adding and
     * subtracting 1.5·2^23 is round-half-even, as {@link Math#rint}, for |iscale·x| ≤ 127.
     * Returns false, writing nothing, when the block holds a NaN (the scalar loop skips those) or
     * is all zeros. Encoding 1,024 values took 2.1 µs with the scalar loop, 0.9 µs with this
     * (EncodeBench, one core): every K-quant product encodes its input.
     */
    private static boolean quantizeBlockQ8KVector(float[] x, int o, int qo, int b, Activations a) {
        FloatVector m = FloatVector.zero(F);
        for (int j = 0; j < QK_K; j += L) m = m.max(FloatVector.fromArray(F, x, o + j).abs());
        float amax = m.reduceLanes(VectorOperators.MAX);
        if (!(amax > 0)) return false; // NaN, or all zeros
        int at = -1;
        for (int j = 0; j < QK_K && at < 0; j += L) {
            VectorMask<Float> hit = FloatVector.fromArray(F, x, o + j).abs().eq(amax);
            if (hit.anyTrue()) at = j + hit.firstTrue();
        }
        if (at < 0) return false;
        float iscale = -127f / x[o + at];
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int j = g * 16; j < g * 16 + 16; j += L) {
                FloatVector v = FloatVector.fromArray(F, x, o + j).mul(iscale).add(ROUND_MAGIC).sub(ROUND_MAGIC);
                IntVector qi = ((IntVector) v.convert(VectorOperators.F2I, 0)).min(127);
                qi.convertShape(VectorOperators.I2B, B_L, 0).reinterpretAsBytes().intoArray(a.q, qo + j);
                qi.convertShape(VectorOperators.I2S, S_HALF, 0).reinterpretAsShorts().intoArray(a.qs, qo + j);
                sum += qi.reduceLanes(VectorOperators.ADD);
            }
            a.kSum16[b * 16 + g] = sum;
        }
        a.kScale[b] = 1 / iscale;
        return true;
    }

    /** 1.5·2^23: added and subtracted, rounds a float of magnitude below 2^22 to an integer, half to even. */
    private static final float ROUND_MAGIC = 12582912f;

    /** Scale j (0..7) of a 12-byte Q4_K/Q5_K scales field at {@code at}: 6 bits, ggml's get_scale_min_k4. */
    static int scale(MemorySegment data, long at, int j) {
        return j < 4 ? u8(data, at + j) & 63 : (u8(data, at + j + 4) & 0xF) | ((u8(data, at + j - 4) >> 6) << 4);
    }

    /** Min j (0..7) of the same field. */
    static int min(MemorySegment data, long at, int j) {
        return j < 4 ? u8(data, at + j + 4) & 63 : (u8(data, at + j + 4) >> 4) | ((u8(data, at + j) >> 6) << 4);
    }

    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /**
     * All eight 6-bit scales of the 12-byte field at {@code at}, one per byte of the result
     * (scale j = {@code (int) (r >>> 8j) & 0xFF}): the same values as {@link #scale}, from two
     * reads instead of up to sixteen. The field: bytes 0-3 hold scales 0-3 in their low 6 bits,
     * bytes 4-7 mins 0-3; bytes 8-11 hold the low 4 bits of scales 4-7 (low nibble) and mins
     * 4-7 (high nibble), whose top 2 bits are the top bits of bytes 0-3 and 4-7.
     */
    static long scales(MemorySegment data, long at) {
        long lo = data.get(I64, at);
        int q0 = (int) lo, hi = data.get(I32, at + 8);
        int low4 = q0 & 0x3F3F3F3F, high4 = (hi & 0x0F0F0F0F) | ((q0 & 0xC0C0C0C0) >>> 2);
        return (low4 & 0xFFFFFFFFL) | ((long) high4 << 32);
    }

    /** All eight 6-bit mins of the field, packed as {@link #scales} packs the scales. */
    static long mins(MemorySegment data, long at) {
        long lo = data.get(I64, at);
        int q1 = (int) (lo >>> 32), hi = data.get(I32, at + 8);
        int low4 = q1 & 0x3F3F3F3F, high4 = ((hi >>> 4) & 0x0F0F0F0F) | ((q1 & 0xC0C0C0C0) >>> 2);
        return (low4 & 0xFFFFFFFFL) | ((long) high4 << 32);
    }

    /** Field j of a value packed by {@link #scales} or {@link #mins}. */
    static int packed(long fields, int j) {
        return (int) (fields >>> (8 * j)) & 0xFF;
    }

    static int u8(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    /** Packs eight 6-bit scales and mins into the 12 bytes at {@code at}: the inverse of {@link #scale}/{@link #min}. */
    static void packScalesMins(int[] sc, int[] mn, MemorySegment out, long at) {
        byte[] b = new byte[12];
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                b[j] |= (byte) sc[j];
                b[j + 4] |= (byte) mn[j];
            } else {
                b[j + 4] = (byte) ((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
                b[j - 4] |= (byte) ((sc[j] >> 4) << 6);
                b[j] |= (byte) ((mn[j] >> 4) << 6);
            }
        }
        for (int i = 0; i < 12; i++) out.set(ValueLayout.JAVA_BYTE, at + i, b[i]);
    }

    /**
     * Quantises one super-block for Q4_K ({@code nmax} 15) or Q5_K (31) into levels {@code L[0..256)}
     * and the block header (d, dmin, scales) at {@code base}. Our own simple quantiser, in ggml's
     * shape: per sub-block of 32, step (max − min)/nmax and offset −min (min taken ≤ 0); the steps
     * and offsets are quantised to 6 bits against d = max step/63 and dmin = max offset/63 (steps
     * rounded up, so that the levels always cover the sub-block's range); then the values are
     * re-quantised against the stored (F16) d·scale and dmin·min.
     */
    static void quantizeScaleMinBlock(float[] x, int o, int nmax, int[] levels, MemorySegment out, long base) {
        float[] step = new float[8], offset = new float[8];
        float maxStep = 0, maxOffset = 0;
        for (int j = 0; j < 8; j++) {
            float lo = 0, hi = -Float.MAX_VALUE;
            for (int l = 0; l < 32; l++) {
                float v = x[o + 32 * j + l];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            step[j] = Math.max(0, hi - lo) / nmax;
            offset[j] = -lo;
            maxStep = Math.max(maxStep, step[j]);
            maxOffset = Math.max(maxOffset, offset[j]);
        }
        int[] sc = new int[8], mn = new int[8];
        float invStep = maxStep > 0 ? 63f / maxStep : 0, invOffset = maxOffset > 0 ? 63f / maxOffset : 0;
        for (int j = 0; j < 8; j++) {
            sc[j] = Math.min(63, (int) Math.ceil(invStep * step[j]));
            mn[j] = Math.min(63, Math.round(invOffset * offset[j]));
        }
        out.set(I16, base, Float.floatToFloat16(maxStep / 63f));
        out.set(I16, base + 2, Float.floatToFloat16(maxOffset / 63f));
        packScalesMins(sc, mn, out, base + 4);
        float d = Float.float16ToFloat(out.get(I16, base)), dmin = Float.float16ToFloat(out.get(I16, base + 2));
        for (int j = 0; j < 8; j++) {
            float s = d * sc[j], m = dmin * mn[j];
            for (int l = 0; l < 32; l++)
                levels[32 * j + l] = s == 0 ? 0 : Math.clamp(Math.round((x[o + 32 * j + l] + m) / s), 0, nmax);
        }
    }
}
