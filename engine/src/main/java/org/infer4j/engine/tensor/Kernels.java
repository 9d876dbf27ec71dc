package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
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
    /**
     * Columns above which a one-token kernel reads its input as int8 bytes (widened as it goes) rather than floats:
     * past ~12 KB of floats the input no longer stays in L1 beside a weight stream from memory, and its misses slow
     * the stream. Measured from DRAM, one thread: Q8_0 floats faster up to 2048 columns, even at 3072, bytes 1.6x
     * faster at 4864; at 8192 columns bytes take Q4_K from 5.1 to 7.4 GB/s and Q6_K from 5.9 to 9.7, though
     * widening adds instructions to kernels that are otherwise bound by them.
     */
    static final int LONG_ROW = 3072;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    /** Four packed bytes of a block (scales, high bits) as one little-endian int. */
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

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
        float sum = Kernels.sum(s0.add(s1).add(s2.add(s3)));
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
        float sum = Kernels.sum(s0.add(s1).add(s2.add(s3)));
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

    /** x[i] += y[i] for i < n. */
    public static void addInPlace(float[] x, float[] y, int n) {
        addInPlace(x, y, 0, n);
    }

    /** x[i] += y[i] for i in [from, to). */
    public static void addInPlace(float[] x, float[] y, int from, int to) {
        int i = from;
        for (int end = to - LANES; i <= end; i += LANES) {
            FloatVector.fromArray(FLOATS, x, i).add(FloatVector.fromArray(FLOATS, y, i)).intoArray(x, i);
        }
        for (; i < to; i++) {
            x[i] += y[i];
        }
    }

    /**
     * out[i] = silu(gate[i]) · up[i] = gate[i] / (1 + e^-gate[i]) · up[i] for i in [from, to) (SwiGLU), with the
     * exponential of ggml's AVX-512 CPU backend ({@link #expf}), so the activations match llama.cpp's bit for bit
     * on such machines; the tail past the last whole vector uses the scalar formula, as ggml's does. Plain vector
     * arithmetic, which the interpreter and the JIT compute alike (the Vector API's lanewise EXP goes to a vector
     * math library whose last bits differ from the interpreter's, so it would make logits depend on warm-up).
     * Measured against {@code Math.exp} per element: a scalar SwiGLU was 4% of a prompt's time.
     */
    public static void swiglu(float[] gate, float[] up, float[] out, int from, int to) {
        int i = from;
        for (; i + LANES <= to; i += LANES) {
            FloatVector g = FloatVector.fromArray(FLOATS, gate, i);
            FloatVector e = expf(FloatVector.zero(FLOATS).sub(g));
            g.div(e.add(1f)).mul(FloatVector.fromArray(FLOATS, up, i)).intoArray(out, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            out[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    /**
     * e^x as ggml's {@code ggml_v_expf} computes it with AVX-512 (after ARM's optimized routines): n = round(x/ln 2)
     * by the 1.5·2^23 trick, the remainder b = x - n·ln 2 in two parts, a degree-5 polynomial for e^b, scaled by 2^n
     * ({@code scalef}: here two exact power-of-two factors, the second multiply rounding once, as scalef does);
     * |n| > 192 gives 0 or infinity. The same operations in the same order, so the same bits.
     */
    static FloatVector expf(FloatVector x) {
        float shifter = 0x1.8p23f;
        FloatVector z = x.fma(0x1.715476p+0f, shifter);
        FloatVector n = z.sub(shifter);
        FloatVector minusN = n.neg();
        FloatVector b = minusN.fma(FloatVector.broadcast(FLOATS, 0x1.7f7d1cp-20f), minusN.fma(FloatVector.broadcast(FLOATS, 0x1.62e4p-1f), x));
        FloatVector u = b.mul(b);
        FloatVector j = b.fma(0x1.0e4020p-7f, 0x1.573e2ep-5f).fma(u, b.fma(0x1.555e66p-3f, 0x1.fffdb6p-2f))
                .fma(u, b.fma(0x1.ffffecp-1f, 1f));
        IntVector k = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector half = k.lanewise(VectorOperators.ASHR, 1);
        FloatVector first = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector second = k.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = j.mul(first).mul(second);
        VectorMask<Float> far = n.abs().compare(VectorOperators.GT, 192f);
        if (far.anyTrue()) {
            FloatVector beyond = FloatVector.zero(FLOATS).blend(Float.POSITIVE_INFINITY, n.compare(VectorOperators.GT, 0f));
            result = result.blend(beyond, far);
        }
        return result;
    }

    /**
     * Σ of the lanes of {@code v} in a fixed order (pairwise, by halves). {@code reduceLanes(ADD)} leaves the
     * order open and the interpreter and the JIT use different ones, so one input could give results that
     * differ in the last bit from call to call; lanewise adds and constant shuffles are exact and the same in both.
     */
    static float sum(FloatVector v) {
        // Kernels with a large body repeat these four lines (Vector API calls only, always inlined) rather than call
        // this method, which C2 may leave out of line there and then box the vector passed to it.
        if (LANES == 16) {
            v = v.add(v.rearrange(SWAP_8));
        }
        v = v.add(v.rearrange(SWAP_4));
        v = v.add(v.rearrange(SWAP_2));
        v = v.add(v.rearrange(SWAP_1));
        return v.lane(0);
    }

    /**
     * Σ of the {@link #LANES} floats at {@code lanes[at ..]}, a vector stored with {@code intoArray}, in exactly
     * {@link #sum(FloatVector)}'s order (lane i plus lane i^8, then ^4, ^2, ^1; float addition is commutative, so
     * lane 0 of each step is the scalar sum below): the same bits. Overwrites the lanes. The kernels with a large
     * body use it because C2 stops inlining ordinary methods past its size budget, and a vector passed to a call
     * that is not inlined is boxed on the heap; {@code intoArray} is always inlined and this takes no vector.
     */
    static float sumLanes(float[] lanes, int at) {
        for (int half = LANES / 2; half > 0; half /= 2) {
            for (int i = 0; i < half; i++) {
                lanes[at + i] += lanes[at + i + half];
            }
        }
        return lanes[at];
    }

    /** Σ of integer lanes: integer addition is exact in any order. */
    static int sum(IntVector v) {
        return v.reduceLanes(VectorOperators.ADD);
    }

    static final VectorShuffle<Float> SWAP_8 = LANES == 16 ? VectorShuffle.fromOp(FLOATS, i -> i ^ 8) : null;
    static final VectorShuffle<Float> SWAP_4 = VectorShuffle.fromOp(FLOATS, i -> i ^ 4);
    static final VectorShuffle<Float> SWAP_2 = VectorShuffle.fromOp(FLOATS, i -> i ^ 2);
    static final VectorShuffle<Float> SWAP_1 = VectorShuffle.fromOp(FLOATS, i -> i ^ 1);
}
