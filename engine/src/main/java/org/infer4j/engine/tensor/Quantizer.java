package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Quantizers, bit-exact with ggml's: the reference ones that llama-quantize uses for weights
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}, {@code _q4_1_ref}, {@code _q5_0_ref}, {@code _q5_1_ref}) and the one its x86 CPU backend uses
 * for activations before integer dot products.
 */
public final class Quantizer {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int QK = 32;

    private Quantizer() {}

    /**
     * Activations → Q8 blocks: scale {@code amax/127} rounded to half precision (stored widened to float), values
     * {@code rint(x * 127/amax)} (round half to even, as the AVX path of {@code quantize_row_q8_0} does).
     */
    static void quantizeQ8Activations(float[] x, int xOff, int n, byte[] q, int qOff, float[] scales, int sOff) {
        if (Kernels.LANES == 16) {
            quantizeQ8Vectors(x, xOff, n, q, qOff, scales, sOff);
            return;
        }
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            float amax = absMax(x, base, QK);
            float d = amax / 127f;
            float id = amax != 0 ? 127f / amax : 0f;
            scales[sOff + b] = Half.roundToF16(d);
            for (int j = 0; j < QK; j++) {
                q[qOff + b * QK + j] = (byte) Math.rint(x[base + j] * id);
            }
        }
    }

    /** 1.5 · 2^23: added to a float of magnitude below 2^22 and taken off again, it rounds it to an integer, ties to even. */
    private static final float ROUNDING = 12582912f;

    /**
     * {@link #quantizeQ8Activations} two vectors per block, the same bits: the same float products, rounded to
     * nearest-even as {@code Math.rint} does (|x·id| ≤ 127). The scalar loop, one {@code rint} per value, was
     * 3.7% of a Qwen2.5-0.5B-shaped Q4_0 prompt.
     */
    private static void quantizeQ8Vectors(float[] x, int xOff, int n, byte[] q, int qOff, float[] scales, int sOff) {
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            FloatVector v0 = FloatVector.fromArray(Kernels.FLOATS, x, base);
            FloatVector v1 = FloatVector.fromArray(Kernels.FLOATS, x, base + 16);
            float amax = v0.abs().max(v1.abs()).reduceLanes(VectorOperators.MAX);
            float d = amax / 127f;
            float id = amax != 0 ? 127f / amax : 0f;
            scales[sOff + b] = Half.roundToF16(d);
            FloatVector inverse = FloatVector.broadcast(Kernels.FLOATS, id);
            ((ByteVector) q8Quants(v0, inverse).convertShape(VectorOperators.I2B, ByteVector.SPECIES_128, 0))
                    .intoArray(q, qOff + b * QK);
            ((ByteVector) q8Quants(v1, inverse).convertShape(VectorOperators.I2B, ByteVector.SPECIES_128, 0))
                    .intoArray(q, qOff + b * QK + 16);
        }
    }

    /**
     * Q8_0 quants of activations {@code x}, given 127 / their block's largest magnitude ({@code inverse}, 0 for a
     * block of zeros): x·inverse rounded to the nearest integer, ties to even, as {@code Math.rint} would. The
     * batch quantized by rows here and by columns ({@link Int16Panels#prepareFromColumns}) share it: the same bits.
     */
    static IntVector q8Quants(FloatVector x, FloatVector inverse) {
        return (IntVector) x.mul(inverse).add(ROUNDING).sub(ROUNDING).convert(VectorOperators.F2I, 0);
    }

    /**
     * The {@code s} of Q8_1 blocks whose values {@link #quantizeQ8Activations} already wrote to {@code q}: the
     * block's unrounded scale {@code amax/127} times the sum of its int8 values, rounded to half precision.
     */
    static void q8BlockSums(float[] x, int xOff, int n, byte[] q, int qOff, float[] sums, int sOff) {
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            float amax = absMax(x, base, QK);
            int sum = 0;
            for (int j = 0; j < QK; j++) {
                sum += q[qOff + b * QK + j];
            }
            sums[sOff + b] = Half.roundToF16(amax / 127f * sum);
        }
    }

    /**
     * Activations → Q8_K super-blocks of 256: with {@code max} the value of largest magnitude (sign kept), values
     * {@code min(127, rint(x * -127/max))}, scale {@code 1 / (-127/max)} as float, and the sum of every 16 values.
     */
    static void quantizeQ8KActivations(float[] x, int xOff, int n, byte[] q, int qOff, float[] scales, int sOff,
                                       int[] sums, int sumOff) {
        for (int b = 0; b < n / 256; b++) {
            if (Kernels.LANES == 16) {
                quantizeQ8KVectors(x, xOff + b * 256, q, qOff + b * 256, scales, sOff + b, sums, sumOff + 16 * b);
            } else {
                quantizeQ8KBlock(x, xOff + b * 256, q, qOff + b * 256, scales, sOff + b, sums, sumOff + 16 * b);
            }
        }
    }

    /** One super-block of {@link #quantizeQ8KActivations}, value by value. */
    private static void quantizeQ8KBlock(float[] x, int base, byte[] q, int qb, float[] scales, int s, int[] sums,
                                         int sumAt) {
        float max = largestMagnitude(x, base, 256);
        if (max == 0) {
            scales[s] = 0;
            java.util.Arrays.fill(q, qb, qb + 256, (byte) 0);
            java.util.Arrays.fill(sums, sumAt, sumAt + 16, 0);
            return;
        }
        float iscale = -127f / max;
        for (int j = 0; j < 256; j++) {
            q[qb + j] = (byte) Math.min(127, (int) Math.rint(iscale * x[base + j]));
        }
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int j = 0; j < 16; j++) {
                sum += q[qb + 16 * g + j];
            }
            sums[sumAt + g] = sum;
        }
        scales[s] = 1 / iscale;
    }

    /**
     * {@link #quantizeQ8KBlock} a vector of 16 at a time, the same bits: the largest magnitude from the vectors'
     * maxima, its sign from the first value that has it (as the scalar scan keeps the first), the same float products
     * rounded to nearest-even as {@code Math.rint} does, and each run of 16 summed from its rounded vector (exact
     * integers). No clamp to 127: |x·(-127/max)| ≤ 127·(1 + 2^-24)² rounds to at most 127. A block holding a NaN (whose
     * maximum the scalar scan skips) goes to the scalar code. Value by value this was 3.5% of a Llama-3.2-1B-shaped
     * Q4_K_M token's samples (~10 cycles a value with the derived forms, 2.7 ns; now 1.05 with theirs vectorized too).
     */
    private static void quantizeQ8KVectors(float[] x, int base, byte[] q, int qb, float[] scales, int s, int[] sums,
                                           int sumAt) {
        float amax = 0;
        for (int g = 0; g < 16; g++) {
            amax = Math.max(amax, FloatVector.fromArray(Kernels.FLOATS, x, base + 16 * g).abs().reduceLanes(VectorOperators.MAX));
        }
        if (amax == 0 || Float.isNaN(amax)) {
            quantizeQ8KBlock(x, base, q, qb, scales, s, sums, sumAt);
            return;
        }
        int first = base;
        while (Math.abs(x[first]) != amax) {
            first++;
        }
        float iscale = -127f / x[first];
        for (int g = 0; g < 16; g++) {
            FloatVector r = FloatVector.fromArray(Kernels.FLOATS, x, base + 16 * g).mul(iscale).add(ROUNDING).sub(ROUNDING);
            ((ByteVector) r.convert(VectorOperators.F2I, 0).convertShape(VectorOperators.I2B, ByteVector.SPECIES_128, 0))
                    .intoArray(q, qb + 16 * g);
            sums[sumAt + g] = (int) r.reduceLanes(VectorOperators.ADD);
        }
        scales[s] = 1 / iscale;
    }

    /** {@code n} floats (a multiple of 32) → Q8_0 blocks (2-byte half scale, 32 int8), as llama-quantize writes them. */
    public static byte[] quantizeQ8_0(float[] x, int off, int n) {
        requireBlocks(n);
        byte[] out = new byte[n / QK * 34];
        MemorySegment seg = MemorySegment.ofArray(out);
        for (int b = 0; b < n / QK; b++) {
            int base = off + b * QK;
            float amax = absMax(x, base, QK);
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            seg.set(F16, b * 34L, Float.floatToFloat16(d));
            for (int j = 0; j < QK; j++) {
                out[b * 34 + 2 + j] = (byte) roundHalfAway(x[base + j] * id);
            }
        }
        return out;
    }

    /** {@code n} floats (a multiple of 32) → Q4_0 blocks (2-byte half scale, 16 bytes of nibbles). */
    public static byte[] quantizeQ4_0(float[] x, int off, int n) {
        requireBlocks(n);
        byte[] out = new byte[n / QK * 18];
        MemorySegment seg = MemorySegment.ofArray(out);
        for (int b = 0; b < n / QK; b++) {
            int base = off + b * QK;
            float max = largestMagnitude(x, base, QK);
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            seg.set(F16, b * 18L, Float.floatToFloat16(d));
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(15, (byte) (int) (x[base + j] * id + 8.5f));
                int hi = Math.min(15, (byte) (int) (x[base + QK / 2 + j] * id + 8.5f));
                out[b * 18 + 2 + j] = (byte) (lo | (hi << 4));
            }
        }
        return out;
    }

    /**
     * {@code n} floats (a multiple of 32) → Q4_1 blocks (half scale {@code (max-min)/15}, half minimum, 16 bytes of
     * nibbles: byte j holds element j low and j+16 high).
     */
    public static byte[] quantizeQ4_1(float[] x, int off, int n) {
        requireBlocks(n);
        byte[] out = new byte[n / QK * 20];
        MemorySegment seg = MemorySegment.ofArray(out);
        for (int b = 0; b < n / QK; b++) {
            int base = off + b * QK;
            float min = min(x, base, QK);
            float max = max(x, base, QK);
            float d = (max - min) / 15;
            float id = d != 0 ? 1f / d : 0f;
            seg.set(F16, b * 20L, Float.floatToFloat16(d));
            seg.set(F16, b * 20L + 2, Float.floatToFloat16(min));
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(15, (byte) (int) ((x[base + j] - min) * id + 0.5f));
                int hi = Math.min(15, (byte) (int) ((x[base + QK / 2 + j] - min) * id + 0.5f));
                out[b * 20 + 4 + j] = (byte) (lo | (hi << 4));
            }
        }
        return out;
    }

    /**
     * {@code n} floats (a multiple of 32) → Q5_0 blocks (half scale {@code max/-16}, 4 bytes holding bit 4 of
     * element j at bit j, 16 bytes of low nibbles as in Q4_0), values stored +16.
     */
    public static byte[] quantizeQ5_0(float[] x, int off, int n) {
        requireBlocks(n);
        byte[] out = new byte[n / QK * 22];
        MemorySegment seg = MemorySegment.ofArray(out);
        for (int b = 0; b < n / QK; b++) {
            int base = off + b * QK;
            float max = largestMagnitude(x, base, QK);
            float d = max / -16f;
            float id = d != 0 ? 1f / d : 0f;
            seg.set(F16, b * 22L, Float.floatToFloat16(d));
            int qh = 0;
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(31, (byte) (int) (x[base + j] * id + 16.5f));
                int hi = Math.min(31, (byte) (int) (x[base + QK / 2 + j] * id + 16.5f));
                out[b * 22 + 6 + j] = (byte) ((lo & 0x0F) | ((hi & 0x0F) << 4));
                qh |= ((lo >>> 4) & 1) << j;
                qh |= ((hi >>> 4) & 1) << (j + QK / 2);
            }
            seg.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), b * 22L + 2, qh);
        }
        return out;
    }

    /** {@code n} floats (a multiple of 32) → Q5_1 blocks (half scale {@code (max-min)/31}, half minimum, qh, qs). */
    public static byte[] quantizeQ5_1(float[] x, int off, int n) {
        requireBlocks(n);
        byte[] out = new byte[n / QK * 24];
        MemorySegment seg = MemorySegment.ofArray(out);
        for (int b = 0; b < n / QK; b++) {
            int base = off + b * QK;
            float min = min(x, base, QK);
            float max = max(x, base, QK);
            float d = (max - min) / 31;
            float id = d != 0 ? 1f / d : 0f;
            seg.set(F16, b * 24L, Float.floatToFloat16(d));
            seg.set(F16, b * 24L + 2, Float.floatToFloat16(min));
            int qh = 0;
            for (int j = 0; j < QK / 2; j++) {
                int lo = ((int) ((x[base + j] - min) * id + 0.5f)) & 0xFF;
                int hi = ((int) ((x[base + QK / 2 + j] - min) * id + 0.5f)) & 0xFF;
                out[b * 24 + 8 + j] = (byte) ((lo & 0x0F) | ((hi & 0x0F) << 4));
                qh |= ((lo >>> 4) & 1) << j;
                qh |= ((hi >>> 4) & 1) << (j + QK / 2);
            }
            seg.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), b * 24L + 4, qh);
        }
        return out;
    }

    /** {@code n} floats stored as {@code type} (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0 or Q5_1), as llama-quantize writes them. */
    public static byte[] encode(org.infer4j.gguf.GgmlType type, float[] x, int off, int n) {
        return switch (type) {
            case F32 -> {
                byte[] out = new byte[n * 4];
                MemorySegment.copy(x, off, MemorySegment.ofArray(out), Kernels.FLOAT, 0, n);
                yield out;
            }
            case F16 -> toF16(x, off, n);
            case BF16 -> toBf16(x, off, n);
            case Q8_0 -> quantizeQ8_0(x, off, n);
            case Q4_0 -> quantizeQ4_0(x, off, n);
            case Q4_1 -> quantizeQ4_1(x, off, n);
            case Q5_0 -> quantizeQ5_0(x, off, n);
            case Q5_1 -> quantizeQ5_1(x, off, n);
            default -> throw new UnsupportedTensorTypeException("(encode)", type, "has no quantizer here");
        };
    }

    /** {@code n} floats → IEEE half precision, little-endian. */
    public static byte[] toF16(float[] x, int off, int n) {
        byte[] out = new byte[n * 2];
        MemorySegment seg = MemorySegment.ofArray(out);
        for (int i = 0; i < n; i++) {
            seg.set(F16, 2L * i, Float.floatToFloat16(x[off + i]));
        }
        return out;
    }

    /** {@code n} floats → bfloat16, little-endian. */
    public static byte[] toBf16(float[] x, int off, int n) {
        byte[] out = new byte[n * 2];
        MemorySegment seg = MemorySegment.ofArray(out);
        for (int i = 0; i < n; i++) {
            seg.set(F16, 2L * i, Half.toBf16(x[off + i]));
        }
        return out;
    }

    /** Largest |x[from + j]| for j < n. */
    private static float absMax(float[] x, int from, int n) {
        float amax = 0;
        for (int j = 0; j < n; j++) {
            amax = Math.max(amax, Math.abs(x[from + j]));
        }
        return amax;
    }

    /** The x[from + j] of largest magnitude, sign kept (the first of equals, as ggml picks it); 0 for all zeros. */
    private static float largestMagnitude(float[] x, int from, int n) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < n; j++) {
            float ax = Math.abs(x[from + j]);
            if (ax > amax) {
                amax = ax;
                max = x[from + j];
            }
        }
        return max;
    }

    private static float min(float[] x, int from, int n) {
        float min = Float.MAX_VALUE;
        for (int j = 0; j < n; j++) {
            min = Math.min(min, x[from + j]);
        }
        return min;
    }

    private static float max(float[] x, int from, int n) {
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, x[from + j]);
        }
        return max;
    }

    private static float roundHalfAway(float v) {
        return Math.copySign((float) Math.round(Math.abs(v)), v); // C roundf: half away from zero
    }

    private static void requireBlocks(int n) {
        if (n % QK != 0) {
            throw new IllegalArgumentException(n + " values are not a whole number of blocks of " + QK);
        }
    }
}
