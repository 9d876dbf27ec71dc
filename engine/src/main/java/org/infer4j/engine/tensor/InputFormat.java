package org.infer4j.engine.tensor;

/**
 * The form a weight type wants its input vectors in, as llama.cpp's "vec_dot_type": quantized weights
 * multiply 8-bit quantized activations with integer dot products; half-precision weights see the input
 * rounded to their own precision. Following llama.cpp here is what keeps our logits close to its logits.
 */
public enum InputFormat {
    /** The float activations as they are. */
    F32,
    /** Each value rounded to IEEE half precision (and widened back to float). */
    F16_ROUNDED,
    /** Each value rounded to bfloat16 (and widened back to float). */
    BF16_ROUNDED,
    /** Blocks of 32 values as int8 with one scale per block (scale rounded to half precision), llama.cpp's Q8_0. */
    Q8_0,
    /** {@link #Q8_0} plus each block's sum of values times its unrounded scale, as half (llama.cpp's Q8_1). */
    Q8_1,
    /**
     * Blocks of 256 values as int8 with a float scale {@code 1/(-127/max)} (max: the signed value of largest
     * magnitude) and the sum of every 16 values, llama.cpp's Q8_K for the k-quant dot products.
     */
    Q8_K
}
