package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.bgl.tensor.F16Kernel.I16;
import static dev.bgl.tensor.KQuants.QK_K;
import static dev.bgl.tensor.Species.B_S;
import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.I;
import static dev.bgl.tensor.Species.L;
import static dev.bgl.tensor.Species.S;
import static dev.bgl.tensor.Species.SL;

/**
 * ggml's Q6_K: super-blocks of 256 values in 210 bytes — ql[128] (low 4 bits), qh[64] (high 2
 * bits), 16 int8 scales (one per 16 values), F16 d. Each half h of 128 values uses ql[64h..64h+64)
 * and qh[32h..32h+32): for l < 32, element l is (ql[l] low nibble | qh[l] bits 0-1), l+32 is
 * (ql[l+32] low | bits 2-3), l+64 is (ql[l] high | bits 4-5), l+96 is (ql[l+32] high | bits 6-7);
 * value = d·scale·(q − 32).
 */
public final class Q6_KKernel implements TypeKernel {
    static final Q6_KKernel INSTANCE = new Q6_KKernel();
    static final int BLOCK_BYTES = 210;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /**
     * A short vector covers 2L values and its int pair sums L lanes; scales change every 16 values,
     * so with 16 int lanes (AVX-512) the upper half of the lanes takes the next scale.
     */
    private static final boolean TWO_SCALES = 2 * L > 16;
    private static final VectorMask<Integer> UPPER = VectorMask.fromLong(I, TWO_SCALES ? ((1L << L) - 1) & ~((1L << (L / 2)) - 1) : 0);
    /**
     * With exactly 16 lanes (AVX-512) the 16 scales of a super-block fit one float vector, loaded
     * once; lanes 0-7 of sub-block k's pair sums take scale 2k and lanes 8-15 scale 2k+1, picked
     * by a constant shuffle instead of two scalar loads, a broadcast and a blend per sub-block.
     */
    private static final boolean SCALE_VECTOR = L == 16;
    private static final VectorSpecies<Byte> B16 = SCALE_VECTOR ? VectorSpecies.of(byte.class, VectorShape.forBitSize(128)) : null;
    private static final VectorShuffle<Float> SC0 = scalePair(0), SC1 = scalePair(1), SC2 = scalePair(2), SC3 = scalePair(3),
            SC4 = scalePair(4), SC5 = scalePair(5), SC6 = scalePair(6), SC7 = scalePair(7);

    /** Lanes 0..L/2 take scale 2k, the rest 2k+1. */
    private static VectorShuffle<Float> scalePair(int k) {
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) idx[i] = Math.min(L - 1, 2 * k + (i < L / 2 ? 0 : 1));
        return VectorShuffle.fromArray(F, idx, 0);
    }

    private Q6_KKernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    /** The 6-bit level (0..63) of element e (0..255) of the block at base. */
    static int level(MemorySegment data, long base, int e) {
        int h = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
        int ql = KQuants.u8(data, base + 64 * h + l + (quarter % 2) * 32);
        int low = quarter < 2 ? ql & 0xF : ql >> 4;
        int high = (KQuants.u8(data, base + 128 + 32 * h + l) >> (2 * quarter)) & 3;
        return low | (high << 4);
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        if (SCALE_VECTOR) {
            dequantize16(data, byteOffset, out, outOff, n);
            return;
        }
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, base + 208));
            for (int e = 0; e < QK_K; e++)
                out[outOff + b * QK_K + e] = d * data.get(ValueLayout.JAVA_BYTE, base + 192 + e / 16) * (level(data, base, e) - 32);
        }
    }

    /**
     * Our own simple quantiser: per group of 16 a step amax/31 (so the levels −31..31 span it),
     * the steps quantised to int8 against d = largest step/127 (rounded up, so that they still
     * span), then the values re-quantised against the stored d·scale.
     */
    /** {@link #dequantize} with 16-lane vectors: the 6-bit levels unpacked 32 at a time as in {@link #dot16}, widened to floats and scaled. */
    private static void dequantize16(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, base + 208));
            int o = outOff + b * QK_K;
            for (int h = 0; h < 2; h++) {
                ByteVector qa = ByteVector.fromMemorySegment(B_S, data, base + 64 * h, LE);
                ByteVector qb = ByteVector.fromMemorySegment(B_S, data, base + 64 * h + 32, LE);
                ByteVector hb = ByteVector.fromMemorySegment(B_S, data, base + 128 + 32 * h, LE);
                long sc = base + 192 + 8 * h;
                int e = o + 128 * h;
                ByteVector w = qa.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHL, 4).and((byte) 0x30)).sub((byte) 32);
                ((FloatVector) w.convertShape(VectorOperators.B2F, F, 0)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc)).intoArray(out, e);
                ((FloatVector) w.convertShape(VectorOperators.B2F, F, 1)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + 1)).intoArray(out, e + 16);
                w = qb.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHL, 2).and((byte) 0x30)).sub((byte) 32);
                ((FloatVector) w.convertShape(VectorOperators.B2F, F, 0)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + 2)).intoArray(out, e + 32);
                ((FloatVector) w.convertShape(VectorOperators.B2F, F, 1)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + 3)).intoArray(out, e + 48);
                w = qa.lanewise(VectorOperators.LSHR, 4).or(hb.and((byte) 0x30)).sub((byte) 32);
                ((FloatVector) w.convertShape(VectorOperators.B2F, F, 0)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + 4)).intoArray(out, e + 64);
                ((FloatVector) w.convertShape(VectorOperators.B2F, F, 1)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + 5)).intoArray(out, e + 80);
                w = qb.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)).sub((byte) 32);
                ((FloatVector) w.convertShape(VectorOperators.B2F, F, 0)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + 6)).intoArray(out, e + 96);
                ((FloatVector) w.convertShape(VectorOperators.B2F, F, 1)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + 7)).intoArray(out, e + 112);
            }
        }
    }

    @Override
    public void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        float[] step = new float[16];
        int[] levels = new int[QK_K];
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int o = inOff + b * QK_K;
            float maxStep = 0;
            for (int g = 0; g < 16; g++) {
                float amax = 0;
                for (int l = 0; l < 16; l++) amax = Math.max(amax, Math.abs(in[o + 16 * g + l]));
                step[g] = amax / 31;
                maxStep = Math.max(maxStep, step[g]);
            }
            out.set(I16, base + 208, Float.floatToFloat16(maxStep / 127));
            float d = Float.float16ToFloat(out.get(I16, base + 208));
            for (int g = 0; g < 16; g++) {
                int sc = maxStep > 0 ? Math.min(127, (int) Math.ceil(step[g] * (127 / maxStep))) : 0;
                out.set(ValueLayout.JAVA_BYTE, base + 192 + g, (byte) sc);
                float s = d * sc;
                for (int l = 0; l < 16; l++)
                    levels[16 * g + l] = 32 + (s == 0 ? 0 : Math.clamp(Math.round(in[o + 16 * g + l] / s), -32, 31));
            }
            for (int h = 0; h < 2; h++)
                for (int l = 0; l < 32; l++) {
                    int e = 128 * h + l;
                    int q1 = levels[e], q2 = levels[e + 32], q3 = levels[e + 64], q4 = levels[e + 96];
                    out.set(ValueLayout.JAVA_BYTE, base + 64 * h + l, (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4)));
                    out.set(ValueLayout.JAVA_BYTE, base + 64 * h + 32 + l, (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4)));
                    out.set(ValueLayout.JAVA_BYTE, base + 128 + 32 * h + l, (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)));
                }
        }
    }

    @Override
    public ActivationType activationType() {
        return ActivationType.Q8_K;
    }

    /**
     * As ggml's vec_dot_q6_K_q8_K: per super-block the integer Σ scale_g·Σ (q−32)·q8, then one
     * multiply by d·d8. Levels are assembled in byte lanes (nibble | two high bits shifted to bits
     * 4-5, minus 32), widened, multiplied with the activation quants, pair-summed into ints and
     * multiplied by their group's scale (two scales per int vector on AVX-512, see {@link #UPPER}).
     */
    @Override
    public float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        if (SCALE_VECTOR) return dot16(data, byteOffset, x, xOff, n);
        short[] xq = x.qs;
        int xb = xOff / QK_K;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int kb = xb + b, qo = kb * QK_K;
            IntVector sumi = IntVector.zero(I);
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l += SL) {
                    ByteVector qa = ByteVector.fromMemorySegment(B_S, data, base + 64 * h + l, LE);
                    ByteVector qb = ByteVector.fromMemorySegment(B_S, data, base + 64 * h + 32 + l, LE);
                    ByteVector hb = ByteVector.fromMemorySegment(B_S, data, base + 128 + 32 * h + l, LE);
                    ByteVector w1 = qa.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHL, 4).and((byte) 0x30)).sub((byte) 32);
                    ByteVector w2 = qb.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHL, 2).and((byte) 0x30)).sub((byte) 32);
                    ByteVector w3 = qa.lanewise(VectorOperators.LSHR, 4).or(hb.and((byte) 0x30)).sub((byte) 32);
                    ByteVector w4 = qb.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)).sub((byte) 32);
                    int e = qo + 128 * h + l;
                    long sc = base + 192 + 8 * h + l / 16;
                    IntVector v;
                    v = ((ShortVector) w1.convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xq, e)).reinterpretAsInts();
                    v = v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                    sumi = sumi.add(v.mul(TWO_SCALES ? IntVector.broadcast(I, data.get(ValueLayout.JAVA_BYTE, sc)).blend(data.get(ValueLayout.JAVA_BYTE, sc + 1), UPPER)
                            : IntVector.broadcast(I, data.get(ValueLayout.JAVA_BYTE, sc))));
                    v = ((ShortVector) w2.convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xq, e + 32)).reinterpretAsInts();
                    v = v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                    sumi = sumi.add(v.mul(TWO_SCALES ? IntVector.broadcast(I, data.get(ValueLayout.JAVA_BYTE, sc + 2)).blend(data.get(ValueLayout.JAVA_BYTE, sc + 3), UPPER)
                            : IntVector.broadcast(I, data.get(ValueLayout.JAVA_BYTE, sc + 2))));
                    v = ((ShortVector) w3.convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xq, e + 64)).reinterpretAsInts();
                    v = v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                    sumi = sumi.add(v.mul(TWO_SCALES ? IntVector.broadcast(I, data.get(ValueLayout.JAVA_BYTE, sc + 4)).blend(data.get(ValueLayout.JAVA_BYTE, sc + 5), UPPER)
                            : IntVector.broadcast(I, data.get(ValueLayout.JAVA_BYTE, sc + 4))));
                    v = ((ShortVector) w4.convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xq, e + 96)).reinterpretAsInts();
                    v = v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                    sumi = sumi.add(v.mul(TWO_SCALES ? IntVector.broadcast(I, data.get(ValueLayout.JAVA_BYTE, sc + 6)).blend(data.get(ValueLayout.JAVA_BYTE, sc + 7), UPPER)
                            : IntVector.broadcast(I, data.get(ValueLayout.JAVA_BYTE, sc + 6))));
                }
            }
            float d = Float.float16ToFloat(data.get(I16, base + 208)) * x.kScale[kb];
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Four dots; each weight block is unpacked once. The level vectors are kept per quarter and
     * the scale vectors built once per chunk.
     */
    /**
     * {@link #dot} for 16-lane vectors: per half-block the four 32-value sub-blocks' int8 products
     * are pair-summed into 16 int lanes, converted, and multiply-added with their scales in float.
     * Every partial sum is an integer below 2^24 (16 products of |q−32| ≤ 32, |x| ≤ 127 and
     * |scale| ≤ 128 per lane), so the float sums are exact: the same value as ggml's integer sum.
     */
    private static float dot16(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        short[] xq = x.qs;
        int xb = xOff / QK_K;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int kb = xb + b, qo = kb * QK_K;
            FloatVector scales = (FloatVector) ByteVector.fromMemorySegment(B16, data, base + 192, LE).convertShape(VectorOperators.B2F, F, 0);
            FloatVector sum = FloatVector.zero(F);
            for (int h = 0; h < 2; h++) {
                ByteVector qa = ByteVector.fromMemorySegment(B_S, data, base + 64 * h, LE);
                ByteVector qb = ByteVector.fromMemorySegment(B_S, data, base + 64 * h + 32, LE);
                ByteVector hb = ByteVector.fromMemorySegment(B_S, data, base + 128 + 32 * h, LE);
                ByteVector w1 = qa.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHL, 4).and((byte) 0x30)).sub((byte) 32);
                ByteVector w2 = qb.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHL, 2).and((byte) 0x30)).sub((byte) 32);
                ByteVector w3 = qa.lanewise(VectorOperators.LSHR, 4).or(hb.and((byte) 0x30)).sub((byte) 32);
                ByteVector w4 = qb.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)).sub((byte) 32);
                int e = qo + 128 * h;
                IntVector v;
                v = ((ShortVector) w1.convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xq, e)).reinterpretAsInts();
                v = v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                sum = ((FloatVector) v.convert(VectorOperators.I2F, 0)).fma(scales.rearrange(h == 0 ? SC0 : SC4), sum);
                v = ((ShortVector) w2.convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xq, e + 32)).reinterpretAsInts();
                v = v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                sum = ((FloatVector) v.convert(VectorOperators.I2F, 0)).fma(scales.rearrange(h == 0 ? SC1 : SC5), sum);
                v = ((ShortVector) w3.convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xq, e + 64)).reinterpretAsInts();
                v = v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                sum = ((FloatVector) v.convert(VectorOperators.I2F, 0)).fma(scales.rearrange(h == 0 ? SC2 : SC6), sum);
                v = ((ShortVector) w4.convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xq, e + 96)).reinterpretAsInts();
                v = v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                sum = ((FloatVector) v.convert(VectorOperators.I2F, 0)).fma(scales.rearrange(h == 0 ? SC3 : SC7), sum);
            }
            float d = Float.float16ToFloat(data.get(I16, base + 208)) * x.kScale[kb];
            acc = sum.fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
                     int n, float[] out, int outOff, int outStride) {
        short[] q0 = x0.qs, q1 = x1.qs, q2 = x2.qs, q3 = x3.qs;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int qo = b * QK_K;
            IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0;
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l += SL) {
                    ByteVector qa = ByteVector.fromMemorySegment(B_S, data, base + 64 * h + l, LE);
                    ByteVector qb = ByteVector.fromMemorySegment(B_S, data, base + 64 * h + 32 + l, LE);
                    ByteVector hb = ByteVector.fromMemorySegment(B_S, data, base + 128 + 32 * h + l, LE);
                    long sc = base + 192 + 8 * h + l / 16;
                    for (int quarter = 0; quarter < 4; quarter++) {
                        ByteVector w = switch (quarter) {
                            case 0 -> qa.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHL, 4).and((byte) 0x30));
                            case 1 -> qb.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHL, 2).and((byte) 0x30));
                            case 2 -> qa.lanewise(VectorOperators.LSHR, 4).or(hb.and((byte) 0x30));
                            default -> qb.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30));
                        };
                        ShortVector ws = (ShortVector) w.sub((byte) 32).convertShape(VectorOperators.B2S, S, 0);
                        long at = sc + 2 * quarter;
                        IntVector scv = TWO_SCALES ? IntVector.broadcast(I, data.get(ValueLayout.JAVA_BYTE, at)).blend(data.get(ValueLayout.JAVA_BYTE, at + 1), UPPER)
                                : IntVector.broadcast(I, data.get(ValueLayout.JAVA_BYTE, at));
                        int e = qo + 128 * h + 32 * quarter + l;
                        IntVector v;
                        v = ws.mul(ShortVector.fromArray(S, q0, e)).reinterpretAsInts();
                        s0 = s0.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(scv));
                        v = ws.mul(ShortVector.fromArray(S, q1, e)).reinterpretAsInts();
                        s1 = s1.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(scv));
                        v = ws.mul(ShortVector.fromArray(S, q2, e)).reinterpretAsInts();
                        s2 = s2.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(scv));
                        v = ws.mul(ShortVector.fromArray(S, q3, e)).reinterpretAsInts();
                        s3 = s3.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(scv));
                    }
                }
            }
            float d = Float.float16ToFloat(data.get(I16, base + 208));
            a0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x0.kScale[b]), a0);
            a1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x1.kScale[b]), a1);
            a2 = ((FloatVector) s2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x2.kScale[b]), a2);
            a3 = ((FloatVector) s3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * x3.kScale[b]), a3);
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD);
        out[outOff + outStride] = a1.reduceLanes(VectorOperators.ADD);
        out[outOff + 2 * outStride] = a2.reduceLanes(VectorOperators.ADD);
        out[outOff + 3 * outStride] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** Per super-block: d·d8·Σ_g scale_g·Σ (q−32)·q8, integers up to the last step. */
    @Override
    public float dotReference(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        float sum = 0;
        int xb = xOff / QK_K;
        for (int b = 0; b < n / QK_K; b++) {
            long base = byteOffset + (long) b * BLOCK_BYTES;
            int kb = xb + b, qo = kb * QK_K;
            int sumi = 0;
            for (int g = 0; g < 16; g++) {
                int isum = 0;
                for (int l = 0; l < 16; l++) isum += (level(data, base, 16 * g + l) - 32) * x.q[qo + 16 * g + l];
                sumi += data.get(ValueLayout.JAVA_BYTE, base + 192 + g) * isum;
            }
            sum += Float.float16ToFloat(data.get(I16, base + 208)) * x.kScale[kb] * sumi;
        }
        return sum;
    }
}
