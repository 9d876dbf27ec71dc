package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0's {@link RowGroups}: per group of 32 rows and block of 32 columns one tile of 32 × 34 bytes, the file's blocks
 * transposed: the rows' half-precision scales (row order), then for each column j a vector of 32 int8 quants, one per
 * row (lane order as {@link RowGroups} says).
 * <p>
 * Kernel: two columns at a time, each vector of quants widened to int16 lanes and multiplied by the input's int8
 * value; the two products' sum fits int16 (|·| ≤ 2 × 128 × 127 = 32512) and is added, widened, to int sums, so a
 * block's sum is exact, as ggml's integer kernel's; then times the rows' scales times the input's. The row kernel
 * ({@link Q8_0Matrix#dotRows2}) spends a conversion to float and a multiply-add on every 16 weights, the vector's
 * horizontal sum on every row and a scalar scale on every block: on a Zen 5 core ~27 GB/s with the matrix in cache,
 * ~25 from memory, against ~43 and ~30 here (one thread, 4864x896 and 151936x896).
 */
record InterleavedQ8_0(MemorySegment tiles, int groupedRows, int cols) implements RowGroups {
    private static final int BLOCK_BYTES = 34;
    /** The rows' scales, then 32 vectors of quants. */
    static final int TILE_BYTES = 2 * GROUP + 32 * GROUP;
    private static final int QUANTS = 2 * GROUP;
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_256;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> HALVES = ShortVector.SPECIES_256;

    /**
     * {@code data}'s whole groups re-laid, from {@code copies}; null if there are none, the machine's vectors do not
     * fit or {@code copies} leaves them to the file's kernels for now.
     */
    static InterleavedQ8_0 of(MemorySegment data, int rows, int cols, RelaidCopies copies) {
        if (!RowGroups.supported() || rows < GROUP) {
            return null;
        }
        MemorySegment tiles = RowGroups.relay(data, rows, cols / 32, BLOCK_BYTES, TILE_BYTES,
                InterleavedQ8_0::layOutGroup, null, copies, "Q8_0");
        return tiles == null ? null : new InterleavedQ8_0(tiles, rows - rows % GROUP, cols);
    }

    @Override
    public int tileColumns() {
        return 32;
    }

    @Override
    public int tileBytes() {
        return TILE_BYTES;
    }

    /** One group's tiles (RowGroups.GroupLayout): the scales in row order, the quants' columns as they are. */
    private static void layOutGroup(GroupBytes group, int blocks, byte[] tiles) {
        for (int b = 0; b < blocks; b++) {
            int t = b * TILE_BYTES, q = b * BLOCK_BYTES;
            group.halvesInRowOrder(q, tiles, t);
            group.copyColumns(q + 2, 32, 0, tiles, t + QUANTS);
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        int blocks = cols / 32;
        int i = row % GROUP, lane = RowGroups.lane(i);
        for (int b = 0; b < blocks; b++) {
            long t = tileAt(row / GROUP, b);
            float d = QuantLanes.half(tiles, t + 2 * i);
            for (int j = 0; j < 32; j++) {
                dst[offset + 32 * b + j] = d * tiles.get(ValueLayout.JAVA_BYTE, t + QUANTS + GROUP * j + lane);
            }
        }
    }

    /**
     * {@link WeightMatrix#dequantizeTile} for rows {@code [rowFrom, rowTo)} within the groups: per group and block the
     * 32 × 32 quants transposed into rows while still bytes ({@link ByteTranspose}), then each row widened to floats
     * and scaled into place. Widening the columns and transposing the floats (16 × 16 at a time) was ~4% of a
     * Qwen2.5-0.5B-shaped Q8_0 pp512 on a Zen 4.
     */
    void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        byte[] rows = ByteTranspose.work();
        for (int g = rowFrom / GROUP; g * GROUP < rowTo; g++) {
            int base = g * GROUP;
            int first = Math.max(rowFrom, base), last = Math.min(rowTo, base + GROUP);
            for (int b = colFrom / 32; b < colTo / 32; b++) {
                long t = tileAt(g, b);
                ByteTranspose.rows(tiles, t + QUANTS, rows);
                for (int r = first; r < last; r++) {
                    int i = r - base;
                    float d = QuantLanes.half(tiles, t + 2 * i);
                    int o = (r - rowFrom) * dstStride + 32 * b - colFrom;
                    ((FloatVector) ByteVector.fromArray(ByteVector.SPECIES_128, rows, 32 * i)
                            .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(d).intoArray(dst, o);
                    ((FloatVector) ByteVector.fromArray(ByteVector.SPECIES_128, rows, 32 * i + 16)
                            .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(d).intoArray(dst, o + 16);
                }
            }
        }
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int groupFrom, int groupTo) {
        multiply(tiles, cols, x.q8Shorts(), x.q8Scales(), out, outOffset, groupFrom, groupTo);
    }

    /** For groups {@code [groupFrom, groupTo)}: one token's Q8_0 values {@code xq} and block scales {@code xd}. */
    private static void multiply(MemorySegment tiles, int cols, short[] xq, float[] xd, float[] out, int outOffset,
                                 int groupFrom, int groupTo) {
        int blocks = cols / 32;
        for (int g = groupFrom; g < groupTo; g++) {
            FloatVector s0 = FloatVector.zero(Kernels.FLOATS), s1 = s0;
            long base = (long) g * blocks * TILE_BYTES;
            for (int b = 0; b < blocks; b++) {
                long t = base + (long) b * TILE_BYTES;
                IntVector low = IntVector.zero(INTS), high = low;
                for (int j = 0; j < 32; j += 2) {
                    ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, t + QUANTS + GROUP * j, Kernels.LE)
                            .convertShape(VectorOperators.B2S, SHORTS, 0);
                    ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, t + QUANTS + GROUP * (j + 1), Kernels.LE)
                            .convertShape(VectorOperators.B2S, SHORTS, 0);
                    // Rows 0..15 in the ints' low halves, 16..31 in their high ones (RowGroups' lane order).
                    IntVector p = v0.mul(xq[32 * b + j]).add(v1.mul(xq[32 * b + j + 1])).reinterpretAsInts();
                    low = low.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                    high = high.add(p.lanewise(VectorOperators.ASHR, 16));
                }
                // The rows' scales times the input's, from half precision in int lanes as InterleavedQ4_0 does, written out
                // as there (a helper returning the vector would be left out of line and box it, see InterleavedQ4_K).
                float d = xd[b] * 0x1p112f;
                IntVector h = (IntVector) ShortVector.fromMemorySegment(HALVES, tiles, t, Kernels.LE)
                        .convertShape(VectorOperators.S2I, INTS, 0);
                FloatVector scale0 = h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(d);
                h = (IntVector) ShortVector.fromMemorySegment(HALVES, tiles, t + 32, Kernels.LE)
                        .convertShape(VectorOperators.S2I, INTS, 0);
                FloatVector scale1 = h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(d);
                s0 = ((FloatVector) low.convert(VectorOperators.I2F, 0)).fma(scale0, s0);
                s1 = ((FloatVector) high.convert(VectorOperators.I2F, 0)).fma(scale1, s1);
            }
            s0.intoArray(out, outOffset + GROUP * g);
            s1.intoArray(out, outOffset + GROUP * g + 16);
        }
    }
}
