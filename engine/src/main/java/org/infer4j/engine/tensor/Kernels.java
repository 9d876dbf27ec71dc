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

    /** Σ x[i] for i < n, in float lanes. */
    public static float sum(float[] x, int xo, int n) {
        FloatVector s = FloatVector.zero(FLOATS);
        int i = 0;
        for (int end = n - LANES; i <= end; i += LANES) {
            s = s.add(FloatVector.fromArray(FLOATS, x, xo + i));
        }
        float sum = s.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += x[xo + i];
        }
        return sum;
    }

    /** x[i] += y[i] for i < n. */
    public static void addInPlace(float[] x, float[] y, int n) {
        int i = 0;
        for (int end = n - LANES; i <= end; i += LANES) {
            FloatVector.fromArray(FLOATS, x, i).add(FloatVector.fromArray(FLOATS, y, i)).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] += y[i];
        }
    }

    /** out[i] = silu(gate[i]) · up[i] = gate[i] / (1 + e^-gate[i]) · up[i] for i < n (SwiGLU). */
    public static void swiglu(float[] gate, float[] up, float[] out, int n) {
        FloatVector one = FloatVector.broadcast(FLOATS, 1f);
        int i = 0;
        for (int end = n - LANES; i <= end; i += LANES) {
            FloatVector g = FloatVector.fromArray(FLOATS, gate, i);
            FloatVector e = g.neg().lanewise(VectorOperators.EXP);
            g.div(e.add(one)).mul(FloatVector.fromArray(FLOATS, up, i)).intoArray(out, i);
        }
        for (; i < n; i++) {
            float g = gate[i];
            out[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }
}
