package org.infer4j.engine.tensor;

/** Rounding to and reading of 16-bit float formats, bit-exact with ggml's conversions. */
public final class Half {
    private Half() {}

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
