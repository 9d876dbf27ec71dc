package org.infer4j.engine.tensor;

/**
 * Weight types whose batched product runs in int16 lanes ({@link Int16Gemm}): 4-bit quants whose products with
 * 8-bit input, summed over a block of {@value Int16Panels#BLOCK}, fit in 16 bits once the quants are centred
 * ({@code q - 8}: at most 32 × 8 × 127 = 32512).
 */
sealed interface Int16Tiles extends WeightMatrix permits Q4_0Matrix, Q4_KMatrix {
    /**
     * Writes rows {@code [rowFrom, rowTo)} × columns {@code [colFrom, colTo)} (block aligned) as centred quants,
     * each in both 16-bit halves of an int, to {@code quants[(r - rowFrom)·quantStride + c - colFrom]}, and per block
     * {@code b} of {@value Int16Panels#BLOCK} columns from {@code colFrom}: the scale a quant is multiplied by to
     * {@code dst[scaleOffset + (r - rowFrom)·scaleStride + b]} and, for {@link #biased} types, the constant every
     * weight of the block adds to {@code dst[biasOffset + ..]} likewise. A weight is {@code scale·quant + bias}.
     */
    void int16Tile(int rowFrom, int rowTo, int colFrom, int colTo, int[] quants, int quantStride, float[] dst,
                   int scaleOffset, int biasOffset, int scaleStride);

    /** Whether the blocks' weights carry a constant ({@code bias}) besides the scaled quants. */
    boolean biased();
}
