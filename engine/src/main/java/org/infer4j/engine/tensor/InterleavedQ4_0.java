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
 * Q4_0's {@link RowGroups}: per group of 32 rows and block of 32 columns one tile ({@value #TILE_BYTES} bytes, as
 * many as the file's; tiles in order {@code g·blocks + b}): the rows' half-precision scales (row order), then for
 * {@code j < 16} 32 bytes, lane {@code L} holding byte {@code j} of its row's block: the nibbles of columns {@code j}
 * and {@code j + 16}.
 */
record InterleavedQ4_0(MemorySegment tiles, int groupedRows, int cols) implements RowGroups {
    /** The rows' half-precision scales, then 16 vectors of 32 packed bytes. */
    static final int TILE_BYTES = 2 * GROUP + 16 * GROUP;
    private static final int QUANTS = 2 * GROUP;
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_256;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> HALVES = ShortVector.SPECIES_256;
    private static final int BLOCK_BYTES = 18;

    /** Re-lays {@code data}'s whole groups; null if there are none or the machine's vectors do not fit. */
    static InterleavedQ4_0 of(MemorySegment data, int rows, int cols) {
        if (!RowGroups.supported() || rows < GROUP) {
            return null;
        }
        return new InterleavedQ4_0(RowGroups.relay(data, rows, cols / 32, BLOCK_BYTES, TILE_BYTES,
                InterleavedQ4_0::layOutGroup), rows - rows % GROUP, cols);
    }

    @Override
    public int tileColumns() {
        return 32;
    }

    @Override
    public int tileBytes() {
        return TILE_BYTES;
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int groupFrom, int groupTo) {
        multiply(tiles, cols, x.q8Shorts(), x.q8LowSums(), x.q8Scales(), out, outOffset, groupFrom, groupTo);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        int blocks = cols / 32;
        int i = row % GROUP, lane = RowGroups.lane(i);
        for (int b = 0; b < blocks; b++) {
            long t = ((long) (row / GROUP) * blocks + b) * TILE_BYTES;
            float d = Float.float16ToFloat(tiles.get(Kernels.HALF, t + 2 * i));
            for (int j = 0; j < 16; j++) {
                int packed = tiles.get(ValueLayout.JAVA_BYTE, t + QUANTS + GROUP * j + lane) & 0xFF;
                dst[offset + b * 32 + j] = d * ((packed & 0x0F) - 8);
                dst[offset + b * 32 + j + 16] = d * (((packed >>> 4) ^ 8) - 8);
            }
        }
    }

    /**
     * {@link Int16Tiles#int16Tile} for rows {@code [rowFrom, rowTo)} within the groups, from the tiles
     * ({@link GroupColumns}): the batched kernel never reads the file's bytes of these rows.
     */
    void int16Tile(int rowFrom, int rowTo, int colFrom, int colTo, int[] quants, int quantStride, float[] dst,
                          int scaleOffset, int biasOffset, int scaleStride) {
        int blocks = cols / 32;
        byte[] work = GroupColumns.work();
        for (int g = rowFrom / GROUP; g * GROUP < rowTo; g++) {
            int base = g * GROUP;
            for (int b = colFrom / 32; b < colTo / 32; b++) {
                long t = ((long) g * blocks + b) * TILE_BYTES;
                GroupColumns.toRows(tiles, t + QUANTS, base, rowFrom, rowTo, quants, quantStride, 32 * b - colFrom, work);
                for (int r = Math.max(rowFrom, base); r < Math.min(rowTo, base + GROUP); r++) {
                    dst[scaleOffset + (r - rowFrom) * scaleStride + b - colFrom / 32] =
                            Half.f16ToFloat(tiles.get(Kernels.HALF, t + 2 * (r - base)));
                }
            }
        }
    }

    /** One group's tiles (RowGroups.GroupLayout). */
    private static void layOutGroup(byte[] rowsOfGroup, int blocks, byte[] tiles) {
        int rowBytes = blocks * BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            int t = b * TILE_BYTES;
            for (int lane = 0; lane < GROUP; lane++) {
                int row = RowGroups.row(lane);
                int block = row * rowBytes + b * BLOCK_BYTES;
                tiles[t + 2 * row] = rowsOfGroup[block];
                tiles[t + 2 * row + 1] = rowsOfGroup[block + 1];
                for (int j = 0; j < 16; j++) {
                    tiles[t + QUANTS + GROUP * j + lane] = (byte) (rowsOfGroup[block + 2 + j] ^ 0x80);
                }
            }
        }
    }

    /**
     * For groups {@code [groupFrom, groupTo)}: one token's Q8_0 values {@code xq}, sums of each block's first 16
     * values {@code xl}, block scales {@code xd}.
     */
    private static void multiply(MemorySegment tiles, int cols, short[] xq, int[] xl, float[] xd, float[] out, int outOffset, int groupFrom,
                         int groupTo) {
        int blocks = cols / 32;
        for (int g = groupFrom; g < groupTo; g++) {
            FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0;
            long base = (long) g * blocks * TILE_BYTES;
            for (int b = 0; b < blocks; b++) {
                long t = base + (long) b * TILE_BYTES;
                ShortVector acc = ShortVector.zero(SHORTS);
                for (int j = 0; j < 16; j++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, t + QUANTS + GROUP * j, Kernels.LE)
                            .convertShape(VectorOperators.B2S, SHORTS, 0);
                    // The low nibble as it is; the high one sign-extended from bit 7, which the widening already did.
                    ShortVector low = v.and((short) 0x0F);
                    ShortVector high = v.lanewise(VectorOperators.ASHR, 4);
                    acc = acc.add(low.mul(xq[32 * b + j])).add(high.mul(xq[32 * b + j + 16]));
                }
                acc = acc.sub((short) (8 * xl[b])); // the low nibbles' 8 (RowGroups)
                IntVector sum = acc.reinterpretAsInts();
                // The rows' scales times the input's, from half precision in int lanes: the magnitude's bits moved
                // to a float's place read as that float times 2^-112 (exactly, subnormal halves too), so 2^112 joins
                // the input's scale in one multiply, and the half's sign is put on the product.
                float d = xd[b] * 0x1p112f;
                IntVector h = (IntVector) ShortVector.fromMemorySegment(HALVES, tiles, t, Kernels.LE)
                        .convertShape(VectorOperators.S2I, INTS, 0);
                FloatVector scale0 = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(d)
                        .reinterpretAsInts().lanewise(VectorOperators.XOR, h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                h = (IntVector) ShortVector.fromMemorySegment(HALVES, tiles, t + 32, Kernels.LE)
                        .convertShape(VectorOperators.S2I, INTS, 0);
                FloatVector scale1 = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(d)
                        .reinterpretAsInts().lanewise(VectorOperators.XOR, h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                s0 = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .convert(VectorOperators.I2F, 0)).fma(scale0, s0);
                s1 = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(scale1, s1);
            }
            s0.intoArray(out, outOffset + GROUP * g);
            s1.intoArray(out, outOffset + GROUP * g + 16);
        }
    }
}
