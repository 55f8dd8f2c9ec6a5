package dev.bgl.tensor;

import dev.bgl.format.GgmlType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.bgl.tensor.Species.F;
import static dev.bgl.tensor.Species.L;

/** Plain little-endian float32 rows. */
public final class F32Kernel implements TypeKernel {
    static final F32Kernel INSTANCE = new F32Kernel();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private F32Kernel() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOff, int n) {
        MemorySegment.copy(data, Tensor.F32, byteOffset, out, outOff, n);
    }

    @Override
    public void quantize(float[] in, int inOff, int n, MemorySegment out, long byteOffset) {
        MemorySegment.copy(in, inOff, out, Tensor.F32, byteOffset, n);
    }

    @Override
    public ActivationType activationType() {
        return ActivationType.F32;
    }

    @Override
    public float dot(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        float[] xf = x.f;
        // two accumulators hide the FMA latency
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            acc0 = FloatVector.fromMemorySegment(F, data, byteOffset + 4L * i, LE).fma(FloatVector.fromArray(F, xf, xOff + i), acc0);
            acc1 = FloatVector.fromMemorySegment(F, data, byteOffset + 4L * (i + L), LE).fma(FloatVector.fromArray(F, xf, xOff + i + L), acc1);
        }
        for (; i <= n - L; i += L)
            acc0 = FloatVector.fromMemorySegment(F, data, byteOffset + 4L * i, LE).fma(FloatVector.fromArray(F, xf, xOff + i), acc0);
        float sum = sumInLaneOrder(acc0.add(acc1));
        for (; i < n; i++) sum += data.get(Tensor.F32, byteOffset + 4L * i) * xf[xOff + i];
        return sum;
    }

    @Override
    public void dot4(MemorySegment data, long byteOffset, Activations x0, Activations x1, Activations x2, Activations x3,
                     int n, float[] out, int outOff, int outStride) {
        float[] a = x0.f, b = x1.f, c = x2.f, d = x3.f;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector w = FloatVector.fromMemorySegment(F, data, byteOffset + 4L * i, LE);
            s0 = w.fma(FloatVector.fromArray(F, a, i), s0);
            s1 = w.fma(FloatVector.fromArray(F, b, i), s1);
            s2 = w.fma(FloatVector.fromArray(F, c, i), s2);
            s3 = w.fma(FloatVector.fromArray(F, d, i), s3);
        }
        float r0 = sumInLaneOrder(s0), r1 = sumInLaneOrder(s1);
        float r2 = sumInLaneOrder(s2), r3 = sumInLaneOrder(s3);
        for (; i < n; i++) {
            float w = data.get(Tensor.F32, byteOffset + 4L * i);
            r0 += w * a[i];
            r1 += w * b[i];
            r2 += w * c[i];
            r3 += w * d[i];
        }
        out[outOff] = r0;
        out[outOff + outStride] = r1;
        out[outOff + 2 * outStride] = r2;
        out[outOff + 3 * outStride] = r3;
    }

    /**
     * The lanes' sum in lane order. {@code reduceLanes(ADD)} leaves the order of a float sum
     * unspecified, and it differs between C2's intrinsic (a tree) and the Java fallback that runs
     * before C2 compiles the kernel (lane order): one product called before and after that compile
     * gave results one bit apart (SharedEncodingTest, F32).
     */
    private static float sumInLaneOrder(FloatVector v) {
        float sum = 0;
        for (int j = 0; j < L; j++) sum += v.lane(j);
        return sum;
    }

    @Override
    public float dotReference(MemorySegment data, long byteOffset, Activations x, int xOff, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) sum += data.get(Tensor.F32, byteOffset + 4L * i) * x.f[xOff + i];
        return sum;
    }
}
