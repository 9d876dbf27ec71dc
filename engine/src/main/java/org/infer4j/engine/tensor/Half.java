package org.infer4j.engine.tensor;

/** Rounding to and reading of 16-bit float formats, bit-exact with ggml's conversions. */
public final class Half {
    /**
     * The float value of every half-precision bit pattern (256 KB). A kernel that reads one half scale per block
     * of 32 weights spends a table load on it instead of a conversion: measured 10-20% of a single-token Q4_0
     * multiply. The few scales of a model's blocks keep their entries in L1.
     */
    private static final float[] F16_VALUES = new float[1 << 16];

    static {
        for (int bits = 0; bits < F16_VALUES.length; bits++) {
            F16_VALUES[bits] = Float.float16ToFloat((short) bits);
        }
    }

    private Half() {}

    /** {@link Float#float16ToFloat} by table lookup: the same value for every bit pattern. */
    static float f16ToFloat(short bits) {
        return F16_VALUES[bits & 0xFFFF];
    }

    public static float roundToF16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    /** float → bfloat16 bits, round to nearest even; NaN stays a quiet NaN (as ggml_compute_fp32_to_bf16). */
    public static short toBf16(float x) {
        int u = Float.floatToRawIntBits(x);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    public static float roundToBf16(float x) {
        return bf16ToFloat(toBf16(x));
    }
}
