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
 * many as the file's): the rows' half-precision scales (row order), then for {@code j < 16} 32 bytes, lane {@code L}
 * holding byte {@code j} of its row's block: the nibbles of columns {@code j} and {@code j + 16}.
 * <p>
 * Groups go in pairs (2p, 2p + 1; a last one without a partner alone at the end), whose tiles are merged block by
 * block, vector by vector: the two groups' scales (64 bytes each), then for each j the first group's 32 bytes and
 * the second's. One token multiplies a pair in step ({@link #multiplyPair}), each broadcast of the input serving both
 * groups, and reads one forward stream. ModelMatVec ffn_up (Qwen2.5-0.5B-shaped), one thread / two: in cache 20.4 /
 * 36.0 -> 24.3 / 44.9 GB/s, from memory 19.7 / 34.4 -> 22.6 / 38.0. With the groups' tiles apart (two streams 16 KB
 * apart) the pairs ran 13.8 GB/s a thread from memory, with whole tiles alternating 5.4.
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

    /**
     * {@code data}'s whole groups re-laid, from {@code copies}; null if there are none, the machine's vectors do not
     * fit or {@code copies} leaves them to the file's kernels for now.
     */
    static InterleavedQ4_0 of(MemorySegment data, int rows, int cols, RelaidCopies copies) {
        if (!RowGroups.supported() || rows < GROUP) {
            return null;
        }
        MemorySegment tiles = RowGroups.relay(data, rows, cols / 32, BLOCK_BYTES, TILE_BYTES,
                InterleavedQ4_0::layOutGroup, InterleavedQ4_0::mergePair, copies, "Q4_0 pairs");
        return tiles == null ? null : new InterleavedQ4_0(tiles, rows - rows % GROUP, cols);
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
    public boolean pairs() {
        return true;
    }

    /** Group {@code g}'s 32 scales of block {@code b}. */
    private long scalesAt(int g, int b) {
        return tileAt(g, b) + (paired(g) ? QUANTS * (g & 1) : 0);
    }

    /** Group {@code g}'s first vector of packed bytes of block {@code b}; the next {@link #quantStride} on. */
    private long quantsAt(int g, int b) {
        return tileAt(g, b) + (paired(g) ? 2 * QUANTS + GROUP * (g & 1) : QUANTS);
    }

    private int quantStride(int g) {
        return paired(g) ? 2 * GROUP : GROUP;
    }

    /** Two groups' tiles merged vector by vector (RowGroups.GroupPairing). */
    private static void mergePair(byte[] first, byte[] second, int blocks, byte[] pair) {
        for (int b = 0; b < blocks; b++) {
            int t = b * TILE_BYTES, to = 2 * b * TILE_BYTES;
            System.arraycopy(first, t, pair, to, QUANTS);
            System.arraycopy(second, t, pair, to + QUANTS, QUANTS);
            for (int j = 0; j < 16; j++) {
                System.arraycopy(first, t + QUANTS + GROUP * j, pair, to + 2 * QUANTS + 2 * GROUP * j, GROUP);
                System.arraycopy(second, t + QUANTS + GROUP * j, pair, to + 2 * QUANTS + 2 * GROUP * j + GROUP, GROUP);
            }
        }
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int groupFrom, int groupTo) {
        short[] xq = x.q4Factors();
        int[] xl = x.q8LowSums();
        float[] xd = x.q8Scales();
        // Pairs in step where the range holds both groups, a group alone elsewhere: a row's sum is the same either way.
        for (int g = groupFrom; g < groupTo; ) {
            if (g % 2 == 0 && g + 1 < groupTo) {
                multiplyPair(tiles, cols, xq, xl, xd, out, outOffset, g, tileAt(g, 0));
                g += 2;
            } else {
                multiply(tiles, cols, xq, xl, xd, out, outOffset, g, scalesAt(g, 0), quantsAt(g, 0), quantStride(g),
                        blockSpan(g));
                g++;
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        int blocks = cols / 32;
        int i = row % GROUP, lane = RowGroups.lane(i);
        for (int b = 0; b < blocks; b++) {
            int g = row / GROUP;
            float d = Float.float16ToFloat(tiles.get(Kernels.HALF, scalesAt(g, b) + 2 * i));
            long q = quantsAt(g, b);
            for (int j = 0; j < 16; j++) {
                int packed = tiles.get(ValueLayout.JAVA_BYTE, q + (long) quantStride(g) * j + lane) & 0xFF;
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
                GroupColumns.toRows(tiles, quantsAt(g, b), paired(g), base, rowFrom, rowTo, quants, quantStride,
                        32 * b - colFrom, work);
                long scales = scalesAt(g, b);
                for (int r = Math.max(rowFrom, base); r < Math.min(rowTo, base + GROUP); r++) {
                    dst[scaleOffset + (r - rowFrom) * scaleStride + b - colFrom / 32] =
                            Half.f16ToFloat(tiles.get(Kernels.HALF, scales + 2 * (r - base)));
                }
            }
        }
    }

    /** One group's tiles (RowGroups.GroupLayout). */
    private static void layOutGroup(GroupBytes group, int blocks, byte[] tiles) {
        for (int b = 0; b < blocks; b++) {
            int t = b * TILE_BYTES, q = b * BLOCK_BYTES;
            group.halvesInRowOrder(q, tiles, t);
            group.copyColumns(q + 2, 16, 0x8080808080808080L, tiles, t + QUANTS); // high nibbles XOR 8 (RowGroups)
        }
    }

    /**
     * Group {@code g} alone: its block b's scales at {@code scales + b·step}, its packed bytes from
     * {@code quants + b·step}, {@code stride} apart; one token's Q8_0 values {@code xq}, sums of each block's first
     * 16 values {@code xl}, block scales {@code xd}.
     */
    private static void multiply(MemorySegment tiles, int cols, short[] xq, int[] xl, float[] xd, float[] out,
                                 int outOffset, int g, long scales, long quants, int stride, long step) {
        int blocks = cols / 32;
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0;
        for (int b = 0; b < blocks; b++) {
            long q = quants + b * step;
            long t = scales + b * step;
            ShortVector acc = ShortVector.zero(SHORTS), accHigh = acc;
            for (int j = 0; j < 16; j++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, q + (long) stride * j, Kernels.LE)
                        .convertShape(VectorOperators.B2S, SHORTS, 0);
                // The byte is 16·high + low (the high nibble sign-extended from bit 7, which the widening did), so
                // low·x_j + high·x_{j+16} = byte·x_j + high·(x_{j+16} − 16·x_j): no mask (Activations#q4Factors).
                ShortVector high = v.lanewise(VectorOperators.ASHR, 4);
                acc = acc.add(v.mul(xq[32 * b + j]));
                accHigh = accHigh.add(high.mul(xq[32 * b + j + 16]));
            }
            acc = acc.add(accHigh).sub((short) (8 * xl[b])); // the low nibbles' 8 (RowGroups)
            IntVector sum = acc.reinterpretAsInts();
            // The rows' scales times the input's, from half precision in int lanes (RowGroups.SIGN_AND_MAGNITUDE).
            float d = xd[b] * 0x1p112f;
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HALVES, tiles, t, Kernels.LE)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector scale0 = h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(d);
            h = (IntVector) ShortVector.fromMemorySegment(HALVES, tiles, t + 32, Kernels.LE)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector scale1 = h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(d);
            s0 = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(scale0, s0);
            s1 = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(scale1, s1);
        }
        s0.intoArray(out, outOffset + GROUP * g);
        s1.intoArray(out, outOffset + GROUP * g + 16);
    }

    /**
     * Groups {@code g} and {@code g + 1} in step, their merged tiles from {@code pair} (block b at
     * {@code pair + 2b·TILE_BYTES}): as {@link #multiply} for each, each broadcast of the input serving both.
     */
    private static void multiplyPair(MemorySegment tiles, int cols, short[] xq, int[] xl, float[] xd, float[] out,
                                     int outOffset, int g, long pair) {
        int blocks = cols / 32;
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0, s2 = s0, s3 = s0;
        for (int b = 0; b < blocks; b++) {
            long t = pair + 2L * b * TILE_BYTES;
            ShortVector acc = ShortVector.zero(SHORTS), acc2 = acc, accHigh = acc, acc2High = acc;
            for (int j = 0; j < 16; j++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, t + 2 * QUANTS + 2 * GROUP * j, Kernels.LE)
                        .convertShape(VectorOperators.B2S, SHORTS, 0);
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, t + 2 * QUANTS + 2 * GROUP * j + GROUP, Kernels.LE)
                        .convertShape(VectorOperators.B2S, SHORTS, 0);
                short low = xq[32 * b + j], high = xq[32 * b + j + 16];
                acc = acc.add(v.mul(low));
                accHigh = accHigh.add(v.lanewise(VectorOperators.ASHR, 4).mul(high));
                acc2 = acc2.add(w.mul(low));
                acc2High = acc2High.add(w.lanewise(VectorOperators.ASHR, 4).mul(high));
            }
            acc = acc.add(accHigh).sub((short) (8 * xl[b]));
            acc2 = acc2.add(acc2High).sub((short) (8 * xl[b]));
            float d = xd[b] * 0x1p112f;
            IntVector sum = acc.reinterpretAsInts();
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HALVES, tiles, t, Kernels.LE)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector scale = h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(d);
            s0 = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(scale, s0);
            h = (IntVector) ShortVector.fromMemorySegment(HALVES, tiles, t + 32, Kernels.LE)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            scale = h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(d);
            s1 = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(scale, s1);
            sum = acc2.reinterpretAsInts();
            h = (IntVector) ShortVector.fromMemorySegment(HALVES, tiles, t + QUANTS, Kernels.LE)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            scale = h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(d);
            s2 = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(scale, s2);
            h = (IntVector) ShortVector.fromMemorySegment(HALVES, tiles, t + QUANTS + 32, Kernels.LE)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            scale = h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(d);
            s3 = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(scale, s3);
        }
        s0.intoArray(out, outOffset + GROUP * g);
        s1.intoArray(out, outOffset + GROUP * g + 16);
        s2.intoArray(out, outOffset + GROUP * g + 32);
        s3.intoArray(out, outOffset + GROUP * g + 48);
    }
}
