package org.infer4j.engine.convert;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The row reordering convert_hf_to_gguf applies to Llama's Q and K projections. Hugging Face checkpoints
 * rotate the two halves of each head ({@code rotate_half}: element i pairs with i + d/2), while llama.cpp's
 * llama architecture rotates adjacent pairs (2i with 2i+1). Within each head of d rows, output row
 * {@code 2j + k} takes source row {@code k * d/2 + j} (j < d/2, k in {0, 1}), so the pairs llama.cpp rotates
 * are exactly the pairs Hugging Face rotates and attention scores are unchanged. {@code heads} is the
 * number of heads of the projection (key/value heads for K). Rows are moved as bytes, so the permutation
 * is independent of the element type; a bias is permuted as a one-column matrix.
 */
record RopePermutation(int heads) {

    RopePermutation {
        if (heads <= 0) {
            throw new IllegalArgumentException("heads " + heads);
        }
    }

    /** Permutes the {@code rows} rows of {@code source} into new memory (off-heap, freed by the GC). */
    MemorySegment apply(String tensor, MemorySegment source, long rows) {
        if (rows % (2L * heads) != 0 || source.byteSize() % rows != 0) {
            throw new UnsupportedCheckpointException("tensor " + tensor + " has " + rows + " rows, which do not split into "
                    + heads + " heads of an even size");
        }
        long rowBytes = source.byteSize() / rows;
        long headDim = rows / heads;
        long half = headDim / 2;
        MemorySegment out = Arena.ofAuto().allocate(source.byteSize(), 8);
        for (long h = 0; h < heads; h++) {
            for (long j = 0; j < half; j++) {
                for (long k = 0; k < 2; k++) {
                    long to = h * headDim + 2 * j + k;
                    long from = h * headDim + k * half + j;
                    MemorySegment.copy(source, ValueLayout.JAVA_BYTE, from * rowBytes, out, ValueLayout.JAVA_BYTE,
                            to * rowBytes, rowBytes);
                }
            }
        }
        return out;
    }
}
