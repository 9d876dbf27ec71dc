package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A re-laid group's block of 32 columns ({@link RowGroups}) as the rows {@link Int16Gemm} reads
 * ({@link Int16Tiles#int16Tile}): each vector of packed bytes holds one column pair of the group's 32 rows, so the
 * columns are turned into rows 16 × 16 at a time ({@link Transpose}). The batched kernel then reads a re-laid matrix
 * from its copy only, and the file's pages of those rows can leave memory.
 */
final class GroupColumns {
    /** Four 16 × 16 blocks of columns (rows 0..15 / 16..31 × columns 0..15 / 16..31), then one of rows. */
    private static final int BLOCK = 16 * 16;
    private static final ThreadLocal<float[]> WORK = ThreadLocal.withInitial(() -> new float[5 * BLOCK]);

    private GroupColumns() {}

    /** A worker's space for {@link #toRows}. */
    static float[] work() {
        return WORK.get();
    }

    /**
     * From the 16 vectors of 32 packed bytes at {@code q} (lane order and nibbles as {@link RowGroups} says) of the
     * group whose first row is {@code base}: for its rows {@code r} in {@code [rowFrom, rowTo)} and columns
     * {@code c < 32}, {@code quants[(r - rowFrom)·quantStride + column + c]} = the centred quant in both halves of
     * an int.
     */
    static void toRows(MemorySegment tiles, long q, int base, int rowFrom, int rowTo, int[] quants, int quantStride,
                       int column, float[] work) {
        for (int j = 0; j < 16; j++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_256, tiles, q + 32L * j, Kernels.LE)
                    .convertShape(VectorOperators.B2S, ShortVector.SPECIES_512, 0);
            // Int lane i: row i in the low half, row 16 + i in the high one; each becomes an int holding its quant in
            // both halves, stored as column j of its block.
            IntVector low = v.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 12).reinterpretAsInts();
            low.lanewise(VectorOperators.LSHL, 16).or(low.and(0xFFFF)).reinterpretAsFloats().intoArray(work, 16 * j);
            low.and(0xFFFF0000).or(low.lanewise(VectorOperators.LSHR, 16)).reinterpretAsFloats().intoArray(work, BLOCK + 16 * j);
            IntVector high = v.lanewise(VectorOperators.ASHR, 4).reinterpretAsInts();
            high.lanewise(VectorOperators.LSHL, 16).or(high.and(0xFFFF)).reinterpretAsFloats().intoArray(work, 2 * BLOCK + 16 * j);
            high.and(0xFFFF0000).or(high.lanewise(VectorOperators.LSHR, 16)).reinterpretAsFloats()
                    .intoArray(work, 3 * BLOCK + 16 * j);
        }
        for (int block = 0; block < 4; block++) {
            int first = base + 16 * (block % 2);
            int from = Math.max(rowFrom, first), to = Math.min(rowTo, first + 16);
            if (from >= to) {
                continue;
            }
            Transpose.block(work, BLOCK * block, 16, work, 4 * BLOCK, 16, 16);
            int at = column + 16 * (block / 2);
            for (int r = from; r < to; r++) {
                FloatVector.fromArray(Kernels.FLOATS, work, 4 * BLOCK + 16 * (r - first)).reinterpretAsInts()
                        .intoArray(quants, (r - rowFrom) * quantStride + at);
            }
        }
    }
}
