package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inner loops. Each is written once against the machine's preferred vector species (512 bits on
 * AVX-512, 256 on AVX2), as prologue → unrolled fused multiply-add loop → scalar tail. Integer kernels
 * use int lanes of the same shape as the float lanes, fed by bytes widened from a quarter-width load.
 */
public final class Kernels {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED.length() >= 8
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
    /** Bytes that widen to one vector of {@link #INTS}. */
    static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(FLOATS.length() * 8));
    static final int LANES = FLOATS.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    static {
        if (32 % LANES != 0 || LANES > 16) {
            throw new IllegalStateException("unsupported vector width: " + LANES + " float lanes");
        }
    }

    private Kernels() {}

    /** Σ a[ao+i]·b[bo+i] for i < n. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int end = n - 4 * LANES; i <= end; i += 4 * LANES) {
            s0 = FloatVector.fromArray(FLOATS, a, ao + i).fma(FloatVector.fromArray(FLOATS, b, bo + i), s0);
            s1 = FloatVector.fromArray(FLOATS, a, ao + i + LANES).fma(FloatVector.fromArray(FLOATS, b, bo + i + LANES), s1);
            s2 = FloatVector.fromArray(FLOATS, a, ao + i + 2 * LANES).fma(FloatVector.fromArray(FLOATS, b, bo + i + 2 * LANES), s2);
            s3 = FloatVector.fromArray(FLOATS, a, ao + i + 3 * LANES).fma(FloatVector.fromArray(FLOATS, b, bo + i + 3 * LANES), s3);
        }
        for (int end = n - LANES; i <= end; i += LANES) {
            s0 = FloatVector.fromArray(FLOATS, a, ao + i).fma(FloatVector.fromArray(FLOATS, b, bo + i), s0);
        }
        float sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** Σ a[i]·b[bo+i] for i < n, with {@code a} little-endian floats at byte offset {@code aByte} of a segment. */
    static float dot(MemorySegment a, long aByte, float[] b, int bo, int n) {
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int end = n - 4 * LANES; i <= end; i += 4 * LANES) {
            long at = aByte + 4L * i;
            s0 = FloatVector.fromMemorySegment(FLOATS, a, at, LE).fma(FloatVector.fromArray(FLOATS, b, bo + i), s0);
            s1 = FloatVector.fromMemorySegment(FLOATS, a, at + 4L * LANES, LE).fma(FloatVector.fromArray(FLOATS, b, bo + i + LANES), s1);
            s2 = FloatVector.fromMemorySegment(FLOATS, a, at + 8L * LANES, LE).fma(FloatVector.fromArray(FLOATS, b, bo + i + 2 * LANES), s2);
            s3 = FloatVector.fromMemorySegment(FLOATS, a, at + 12L * LANES, LE).fma(FloatVector.fromArray(FLOATS, b, bo + i + 3 * LANES), s3);
        }
        for (int end = n - LANES; i <= end; i += LANES) {
            s0 = FloatVector.fromMemorySegment(FLOATS, a, aByte + 4L * i, LE).fma(FloatVector.fromArray(FLOATS, b, bo + i), s0);
        }
        float sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a.get(FLOAT, aByte + 4L * i) * b[bo + i];
        }
        return sum;
    }

    /** y[yo+i] += a·x[xo+i] for i < n. */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(FLOATS, a);
        int i = 0;
        for (int end = n - LANES; i <= end; i += LANES) {
            FloatVector.fromArray(FLOATS, x, xo + i).fma(va, FloatVector.fromArray(FLOATS, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }

    /**
     * Σ over {@code blocks} Q8_0 weight blocks (34 bytes: half scale, 32 int8) at {@code wByte} times the Q8
     * activation blocks at {@code xq[xo..]} with scales {@code xs[so..]}: exact integer sums per block, then
     * scaled by the product of the two block scales and accumulated in float, as ggml does.
     */
    static float dotQ8_0(MemorySegment w, long wByte, byte[] xq, int xo, float[] xs, int so, int blocks) {
        FloatVector acc = FloatVector.zero(FLOATS);
        for (int b = 0; b < blocks; b++) {
            long block = wByte + 34L * b;
            int xb = xo + 32 * b;
            IntVector sum = IntVector.zero(INTS);
            for (int c = 0; c < 32; c += LANES) {
                IntVector wi = (IntVector) ByteVector.fromMemorySegment(BYTES, w, block + 2 + c, LE)
                        .convertShape(VectorOperators.B2I, INTS, 0);
                IntVector xi = (IntVector) ByteVector.fromArray(BYTES, xq, xb + c).convertShape(VectorOperators.B2I, INTS, 0);
                sum = sum.add(wi.mul(xi));
            }
            float scale = Float.float16ToFloat(w.get(HALF, block)) * xs[so + b];
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FLOATS, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * As {@link #dotQ8_0} for Q4_0 weight blocks (18 bytes: half scale, 16 bytes whose low nibbles are
     * elements 0..15 and high nibbles elements 16..31, each stored +8).
     */
    static float dotQ4_0(MemorySegment w, long wByte, byte[] xq, int xo, float[] xs, int so, int blocks) {
        FloatVector acc = FloatVector.zero(FLOATS);
        for (int b = 0; b < blocks; b++) {
            long block = wByte + 18L * b;
            int xb = xo + 32 * b;
            IntVector sum = IntVector.zero(INTS);
            for (int c = 0; c < 16; c += LANES) {
                ByteVector packed = ByteVector.fromMemorySegment(BYTES, w, block + 2 + c, LE);
                ByteVector lo = packed.and((byte) 0x0F).sub((byte) 8);
                ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
                IntVector xlo = (IntVector) ByteVector.fromArray(BYTES, xq, xb + c).convertShape(VectorOperators.B2I, INTS, 0);
                IntVector xhi = (IntVector) ByteVector.fromArray(BYTES, xq, xb + 16 + c).convertShape(VectorOperators.B2I, INTS, 0);
                sum = sum.add(((IntVector) lo.convertShape(VectorOperators.B2I, INTS, 0)).mul(xlo));
                sum = sum.add(((IntVector) hi.convertShape(VectorOperators.B2I, INTS, 0)).mul(xhi));
            }
            float scale = Float.float16ToFloat(w.get(HALF, block)) * xs[so + b];
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FLOATS, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
