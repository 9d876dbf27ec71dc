package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Quantizers, bit-exact with ggml's: the reference ones that llama-quantize uses for weights
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}) and the one its x86 CPU backend uses
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
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) {
                amax = Math.max(amax, Math.abs(x[base + j]));
            }
            float d = amax / 127f;
            float id = amax != 0 ? 127f / amax : 0f;
            scales[sOff + b] = Half.roundToF16(d);
            for (int j = 0; j < QK; j++) {
                q[qOff + b * QK + j] = (byte) Math.rint(x[base + j] * id);
            }
        }
    }

    /** {@code n} floats (a multiple of 32) → Q8_0 blocks (2-byte half scale, 32 int8), as llama-quantize writes them. */
    public static byte[] quantizeQ8_0(float[] x, int off, int n) {
        requireBlocks(n);
        byte[] out = new byte[n / QK * 34];
        MemorySegment seg = MemorySegment.ofArray(out);
        for (int b = 0; b < n / QK; b++) {
            int base = off + b * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) {
                amax = Math.max(amax, Math.abs(x[base + j]));
            }
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
            float amax = 0;
            float max = 0;
            for (int j = 0; j < QK; j++) {
                float v = x[base + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
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

    /** {@code n} floats stored as {@code type} (F32, F16, BF16, Q8_0 or Q4_0), as llama-quantize writes them. */
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

    private static float roundHalfAway(float v) {
        return Math.copySign((float) Math.round(Math.abs(v)), v); // C roundf: half away from zero
    }

    private static void requireBlocks(int n) {
        if (n % QK != 0) {
            throw new IllegalArgumentException(n + " values are not a whole number of blocks of " + QK);
        }
    }
}
