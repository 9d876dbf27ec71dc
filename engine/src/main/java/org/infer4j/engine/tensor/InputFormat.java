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
    Q8_0
}
