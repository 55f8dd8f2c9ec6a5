package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import dev.bgl.util.BglException;

import java.lang.foreign.MemorySegment;

/**
 * What the engine can do with one storage type: decode blocks to floats, encode floats to blocks,
 * and take dot products of a stored row with activations. One implementation per supported type;
 * the set is closed so that a switch over it is checked by the compiler.
 *
 * <p>Offsets into {@code data} are in bytes and must fall on a block boundary; element counts must
 * be whole blocks.
 */
public sealed interface TypeKernel permits F32Kernel, F16Kernel, BF16Kernel, Q8_0Kernel, Q4_0Kernel,
        Q4_KKernel, Q5_KKernel, Q6_KKernel, SmallBlockKernel, SuperBlockKernel {

    GgmlType type();

    /** Decodes {@code n} elements starting at byte {@code byteOffset} into {@code out[outOff..outOff+n)}. */
    void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n);

    /** Encodes {@code n} floats from {@code in[inOff..]} into blocks at byte {@code byteOffset} of {@code out}. */
    void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset);

    /**
     * The activation encoding this type multiplies with, as ggml's {@code vec_dot_type}: F32 rows
     * with F32 activations, F16 with F16, BF16 with BF16, Q8_0/Q4_0 with Q8_0. Matching it keeps our
     * results within rounding of llama.cpp's.
     */
    ActivationType activationType();

    /**
     * Dot product of {@code n} elements of the stored row at {@code byteOffset} with activations
     * already encoded by {@link #activationType()}. Vectorised; agrees with
     * {@link #dotReference} up to float rounding (the summation order differs).
     */
    float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n);

    /** The same dot product as a plain scalar loop: the specification {@link #dot} is tested against. */
    float dotReference(MemorySegment data, long byteOffset, Activations x, int xOff, int n);

    /**
     * Dot products of one stored row with four activation vectors (all from element 0), decoding
     * each weight block once for all four: {@code out[outOff + k·outStride] = dot(row, xk)}. This
     * is the inner tile of {@link Kernels#matmul}.
     */
    void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
              int n, float[] out, int outOff, int outStride);

    /** The types the engine computes with, for messages. */
    String SUPPORTED = "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, MXFP4, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS";

    static TypeKernel of(GgmlType type) {
        return switch (type) {
            case F32 -> F32Kernel.INSTANCE;
            case F16 -> F16Kernel.INSTANCE;
            case BF16 -> BF16Kernel.INSTANCE;
            case Q8_0 -> Q8_0Kernel.INSTANCE;
            case Q4_0 -> Q4_0Kernel.INSTANCE;
            case Q4_K -> Q4_KKernel.INSTANCE;
            case Q5_K -> Q5_KKernel.INSTANCE;
            case Q6_K -> Q6_KKernel.INSTANCE;
            case Q4_1 -> Q4_1Kernel.INSTANCE;
            case Q5_0 -> Q5_0Kernel.INSTANCE;
            case Q5_1 -> Q5_1Kernel.INSTANCE;
            case IQ4_NL -> IQ4_NLKernel.INSTANCE;
            case MXFP4 -> MXFP4Kernel.INSTANCE;
            case Q2_K -> Q2_KKernel.INSTANCE;
            case Q3_K -> Q3_KKernel.INSTANCE;
            case IQ4_XS -> IQ4_XSKernel.INSTANCE;
            default -> throw new BglException("tensor type " + type + " is not supported yet (bgl computes with " + SUPPORTED + ")");
        };
    }

    static boolean supported(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, MXFP4, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS -> true;
            default -> false;
        };
    }
}
