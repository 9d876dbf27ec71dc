package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K's {@link RowGroups}: per group of 32 rows and super-block of 256 columns one tile of 32 × 210 bytes, the file's
 * blocks transposed: a vector of 32 bytes holds the same byte of the block for all the group's rows (lane order as
 * {@link RowGroups} says), the quants' bytes then packed again as below (the output head of a Llama-3.2-1B-shaped
 * Q4_K_M file is 215 MB of Q6_K).
 * <p>
 * The file's block (ggml): low nibbles {@code ql[128]}, high bit pairs {@code qh[64]}, 16 int8 scales, half d. In
 * half {@code h} (128 columns), byte {@code ql[64h + 32q + l]} (q = 0, 1; l &lt; 32) holds column
 * {@code 128h + 32q + l} in its low nibble and {@code 128h + 64 + 32q + l} in its high one; {@code qh[32h + l]} holds
 * the two high bits of columns {@code 128h + l + 32k} at bits {@code 2k, 2k + 1}. Scale {@code c/16} covers column c.
 * <p>
 * Per l the tile holds the four quants of columns A = 128h + l, B = A + 64, C = A + 32 and D = A + 96 (what the
 * file keeps in {@code qh[32h + l]}, {@code ql[64h + l]} and {@code ql[64h + 32 + l]}) packed again in the same 96
 * bytes, for the kernel to take apart in fewer operations: a 16-bit word per row (64 bytes, lane order) holding A in
 * bits 0-5, B in 6-11 and D's low four bits in 12-15, then a byte per row holding C in bits 0-5 and D's high two
 * bits in 6-7. A, B and C are one or two operations each, D four; as the file's nibbles and bit pairs they took 15
 * for the four.
 * <p>
 * Kernel: a unit is eight consecutive l (8m .. 8m + 7) of one q: the low nibbles' eight columns (one scale) and the
 * high nibbles' eight (another). Each quant (0..63) times the int8 input is
 * summed in int16 lanes over the unit's eight columns; those sums wrap, but once 32·Σx of the eight inputs is taken
 * off, the centred sum Σ(q − 32)·x (|·| ≤ 8 × 32 × 127 = 32512) fits, exact. It is widened, times the scale byte,
 * summed over the super-block in int lanes (≤ 16 × 128 × 65024 = 133 M), converted once and multiplied by d. Eight
 * columns, not a scale's 16, per int16 sum: 16 centred products can reach 65024.
 * <p>
 * Tile order is the kernel's read order: per (h, pair of m) the four scales its units use (32 bytes each, rows in
 * row order, as the widened sums hold them), then per m and each of its eight l its 96 bytes of quants (transposed
 * as the qh vector and the ql vectors of q = 0 and q = 1, then packed); after the four pairs, the rows' d as halves
 * (row order).
 */
record InterleavedQ6_K(MemorySegment tiles, int groupedRows, int cols) implements RowGroups {
    private static final int BLOCK_BYTES = 210;
    /** Per m: for each of its eight l, three vectors of quants (the word vector's two, then the byte vector). */
    private static final int UNIT_BYTES = 24 * GROUP;
    /** Per (h, pair of m): four scale vectors, then two m's units. */
    private static final int SCALE_BYTES = 4 * GROUP;
    private static final int PAIR_BYTES = SCALE_BYTES + 2 * UNIT_BYTES;
    private static final int HALVES = 4 * PAIR_BYTES;
    static final int TILE_BYTES = HALVES + 2 * GROUP;
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_256;
    private static final VectorSpecies<Byte> QUARTER = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> HALF_LANES = ShortVector.SPECIES_256;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Eight lanes' low nibbles, and their low two bits. */
    private static final long LOW4 = 0x0F0F0F0F0F0F0F0FL, LOW2 = 0x0303030303030303L;

    /**
     * {@code data}'s whole groups re-laid, from {@code copies}; null if there are none, the machine's vectors do not
     * fit or {@code copies} leaves them to the file's kernels for now.
     */
    static InterleavedQ6_K of(MemorySegment data, int rows, int cols, RelaidCopies copies) {
        if (!RowGroups.supported() || rows < GROUP) {
            return null;
        }
        MemorySegment tiles = RowGroups.relay(data, rows, cols / 256, BLOCK_BYTES, TILE_BYTES,
                InterleavedQ6_K::layOutGroup, null, copies, "Q6_K");
        return tiles == null ? null : new InterleavedQ6_K(tiles, rows - rows % GROUP, cols);
    }

    @Override
    public int tileColumns() {
        return 256;
    }

    @Override
    public int tileBytes() {
        return TILE_BYTES;
    }

    /**
     * Where file byte {@code p} (&lt; 192: ql, then qh) of a block sits in the tile after the transpose, before the
     * quants are packed again ({@link #repack}), as the offset of its vector (the row's lane is added); for a qh byte,
     * {@code qh[32h + l]}, the start of l's 96 packed bytes.
     */
    static int quantVector(int p) {
        if (p < 128) {
            int h = p / 64, q = p % 64 / 32, l = p % 32, m = l / 8;
            return PAIR_BYTES * (2 * h + m / 2) + SCALE_BYTES + UNIT_BYTES * (m % 2) + GROUP * (3 * (l % 8) + 1 + q);
        }
        int h = (p - 128) / 32, l = (p - 128) % 32, m = l / 8;
        return PAIR_BYTES * (2 * h + m / 2) + SCALE_BYTES + UNIT_BYTES * (m % 2) + GROUP * (3 * (l % 8));
    }

    /** Where scale {@code s} (&lt; 16) of a block sits in the tile, as the offset of its 32 bytes (row order). */
    static int scaleVector(int s) {
        // Scale s = 8h + 4·(high nibble) + 2q + m/2.
        int h = s / 8, high = s % 8 / 4, q = s % 4 / 2, pair = s % 2;
        return PAIR_BYTES * (2 * h + pair) + GROUP * (2 * high + q);
    }

    private static final int[] QUANT_VECTOR = new int[192];
    private static final int[] SCALE_VECTOR = new int[16];

    static {
        for (int p = 0; p < 192; p++) {
            QUANT_VECTOR[p] = quantVector(p);
        }
        for (int s = 0; s < 16; s++) {
            SCALE_VECTOR[s] = scaleVector(s);
        }
    }

    /** One group's tiles (RowGroups.GroupLayout): the quants packed again from their columns, the scales in row order. */
    private static void layOutGroup(GroupBytes group, int blocks, byte[] tiles) {
        for (int b = 0; b < blocks; b++) {
            int t = b * TILE_BYTES, q = b * BLOCK_BYTES;
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    repack(group.columns, q, h, l, tiles, t + QUANT_VECTOR[128 + 32 * h + l]);
                }
            }
            for (int s = 0; s < 16; s++) {
                for (int k = 0; k < 4; k++) {
                    LONGS.set(tiles, t + SCALE_VECTOR[s] + 8 * k, group.inRowOrder(q + 192 + s, k));
                }
            }
            group.halvesInRowOrder(q + 208, tiles, t + HALVES);
        }
    }

    /**
     * Packs the quants of one l of half h of the block whose file bytes start at column {@code q} into the 96 bytes
     * at {@code tiles[u ..]}, as the class comment says: per row the word A | B << 6 | (D & 15) << 12 (64 bytes, lane
     * order), then the byte C | (D >> 4) << 6 (32); eight lanes at a time, a byte of a long each.
     */
    private static void repack(long[] columns, int q, int h, int l, byte[] tiles, int u) {
        int qhAt = 4 * (q + 128 + 32 * h + l), ql0At = 4 * (q + 64 * h + l), ql1At = ql0At + 4 * 32;
        for (int k = 0; k < 4; k++) {
            long qh = columns[qhAt + k], ql0 = columns[ql0At + k], ql1 = columns[ql1At + k];
            long a = ql0 & LOW4 | (qh & LOW2) << 4;
            long c = ql1 & LOW4 | (qh >>> 2 & LOW2) << 4;
            long bq = ql0 >>> 4 & LOW4 | (qh >>> 4 & LOW2) << 4;
            long d = ql1 >>> 4 & LOW4 | (qh >>> 6 & LOW2) << 4;
            long low = a | (bq & LOW2) << 6, high = bq >>> 2 & LOW4 | (d & LOW4) << 4;
            LONGS.set(tiles, u + 16 * k, GroupBytes.widen(low) | GroupBytes.widen(high) << 8);
            LONGS.set(tiles, u + 16 * k + 8, GroupBytes.widen(low >>> 32) | GroupBytes.widen(high >>> 32) << 8);
            LONGS.set(tiles, u + 2 * GROUP + 8 * k, c | (d >>> 4 & LOW2) << 6);
        }
    }

    /** The 6-bit quant (0..63) of column {@code c} (&lt; 256) of the row in lane {@code lane} of tile {@code t}. */
    private int quant(long t, int lane, int c) {
        int h = c / 128, k = c % 128 / 32, l = c % 32;
        long u = t + QUANT_VECTOR[128 + 32 * h + l];
        int word = QuantLanes.u8(tiles, u + 2 * lane) | QuantLanes.u8(tiles, u + 2 * lane + 1) << 8;
        int c8 = QuantLanes.u8(tiles, u + 2 * GROUP + lane);
        return switch (k) {
            case 0 -> word & 0x3F;           // A
            case 1 -> c8 & 0x3F;             // C
            case 2 -> word >> 6 & 0x3F;      // B
            default -> word >> 12 | (c8 >> 6) << 4; // D
        };
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        int blocks = cols / 256;
        int i = row % GROUP, lane = RowGroups.lane(i);
        for (int b = 0; b < blocks; b++) {
            long t = tileAt(row / GROUP, b);
            float d = QuantLanes.half(tiles, t + HALVES + 2 * i);
            for (int c = 0; c < 256; c++) {
                float scale = d * tiles.get(ValueLayout.JAVA_BYTE, t + SCALE_VECTOR[c / 16] + i);
                dst[offset + 256 * b + c] = scale * (quant(t, lane, c) - 32);
            }
        }
    }

    /**
     * {@link WeightMatrix#dequantizeTile} for rows {@code [rowFrom, rowTo)} within the groups: per group and scale
     * the 16 columns of all 32 rows in float lanes, into {@code work} (column-major), then transposed into place
     * ({@link Transpose}) and copied row by row.
     */
    void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        int blocks = cols / 256;
        float[] work = WORK.get();
        for (int g = rowFrom / GROUP; g * GROUP < rowTo; g++) {
            int base = g * GROUP;
            int first = Math.max(rowFrom, base), last = Math.min(rowTo, base + GROUP);
            for (int b = colFrom / 256; b < colTo / 256; b++) {
                long t = tileAt(g, b);
                for (int i = 0; i < GROUP; i++) {
                    work[1024 + i] = QuantLanes.half(tiles, t + HALVES + 2 * i);
                }
                FloatVector d0 = FloatVector.fromArray(Kernels.FLOATS, work, 1024);
                FloatVector d1 = FloatVector.fromArray(Kernels.FLOATS, work, 1024 + 16);
                for (int s = 0; s < 16; s++) {
                    FloatVector scale0 = ((FloatVector) ByteVector.fromMemorySegment(QUARTER, tiles, t + SCALE_VECTOR[s], Kernels.LE)
                            .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(d0);
                    FloatVector scale1 = ((FloatVector) ByteVector.fromMemorySegment(QUARTER, tiles, t + SCALE_VECTOR[s] + 16, Kernels.LE)
                            .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(d1);
                    for (int j = 0; j < 16; j++) {
                        int c = 16 * s + j;
                        int h = c / 128, k = c % 128 / 32, l = c % 32;
                        long u = t + QUANT_VECTOR[128 + 32 * h + l];
                        ShortVector word = ShortVector.fromMemorySegment(SHORTS, tiles, u, Kernels.LE);
                        ShortVector c8 = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, u + 2 * GROUP, Kernels.LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                        ShortVector quant = switch (k) {
                            case 0 -> word.and((short) 0x3F);
                            case 1 -> c8.and((short) 0x3F);
                            case 2 -> word.lanewise(VectorOperators.LSHR, 6).and((short) 0x3F);
                            default -> word.lanewise(VectorOperators.LSHR, 12)
                                    .or(c8.lanewise(VectorOperators.LSHR, 2).and((short) 0x30));
                        };
                        IntVector q = quant.sub((short) 32).reinterpretAsInts();
                        ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .convert(VectorOperators.I2F, 0)).mul(scale0).intoArray(work, 32 * j);
                        ((FloatVector) q.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                                .mul(scale1).intoArray(work, 32 * j + 16);
                    }
                    RowGroups.copyColumnsAsRows(work, 16, 512, base, first, last, rowFrom, dst, dstStride,
                            256 * b + 16 * s - colFrom);
                }
            }
        }
    }

    /** A worker's space for {@link #dequantizeTile}: 16 columns of 32 rows, the same as 32 rows of 16, 32 d. */
    private static final ThreadLocal<float[]> WORK = ThreadLocal.withInitial(() -> new float[1024 + GROUP]);

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int groupFrom, int groupTo) {
        multiply(tiles, cols, x.q8kShorts(), x.q8kScales(), x.q8kCentring(), out, outOffset, groupFrom, groupTo);
    }

    /**
     * For groups {@code [groupFrom, groupTo)}: one token's Q8_K values {@code xq}, super-block scales {@code xd} and
     * 32 × the sum of every eight values {@code x8}.
     */
    private static void multiply(MemorySegment tiles, int cols, short[] xq, float[] xd, int[] x8, float[] out,
                                 int outOffset, int groupFrom, int groupTo) {
        int blocks = cols / 256;
        for (int g = groupFrom; g < groupTo; g++) {
            FloatVector s0 = FloatVector.zero(Kernels.FLOATS), s1 = s0;
            long base = (long) g * blocks * TILE_BYTES;
            for (int b = 0; b < blocks; b++) {
                long t = base + (long) b * TILE_BYTES;
                IntVector sums0 = IntVector.zero(INTS), sums1 = sums0;
                for (int pair = 0; pair < 4; pair++) { // (h, m / 2)
                    long sc = t + (long) PAIR_BYTES * pair;
                    for (int mm = 0; mm < 2; mm++) {
                        long u = sc + SCALE_BYTES + (long) UNIT_BYTES * mm;
                        // Column of the unit's first low nibble for q = 0: 128h + 8m.
                        int xo = 256 * b + 128 * (pair >> 1) + 8 * (2 * (pair & 1) + mm);
                        // One qh vector serves four columns: for q = 0 the low nibbles' high bits are at bits 0-1,
                        // the high nibbles' at 4-5; for q = 1 (columns 32 further) at 2-3 and 6-7.
                        ShortVector lows0 = ShortVector.zero(SHORTS), highs0 = lows0, lows1 = lows0, highs1 = lows0;
                        for (int i = 0; i < 8; i++) {
                            long v = u + 3L * GROUP * i;
                            // The word: A (column 128h + l) in bits 0-5, B (+64) in 6-11, D's low bits in 12-15; then
                            // a byte: C (+32) in bits 0-5, D's high bits in 6-7 (see the class comment).
                            ShortVector word = ShortVector.fromMemorySegment(SHORTS, tiles, v, Kernels.LE);
                            ShortVector c8 = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, v + 2 * GROUP, Kernels.LE)
                                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                            lows0 = lows0.add(word.and((short) 0x3F).mul(xq[xo + i]));
                            highs0 = highs0.add(word.lanewise(VectorOperators.LSHR, 6).and((short) 0x3F).mul(xq[xo + 64 + i]));
                            lows1 = lows1.add(c8.and((short) 0x3F).mul(xq[xo + 32 + i]));
                            highs1 = highs1.add(word.lanewise(VectorOperators.LSHR, 12)
                                    .or(c8.lanewise(VectorOperators.LSHR, 2).and((short) 0x30)).mul(xq[xo + 96 + i]));
                        }
                        lows0 = lows0.sub((short) x8[xo / 8]);
                        highs0 = highs0.sub((short) x8[xo / 8 + 8]);
                        lows1 = lows1.sub((short) x8[xo / 8 + 4]);
                        highs1 = highs1.sub((short) x8[xo / 8 + 12]);
                        // Rows 0..15 in the low halves of the int lanes, 16..31 in the high; scale vectors: q = 0 low
                        // nibbles 0, q = 1 low 1, q = 0 high 2, q = 1 high 3.
                        IntVector a = lows0.reinterpretAsInts();
                        sums0 = sums0.add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc, Kernels.LE)
                                        .convertShape(VectorOperators.B2I, INTS, 0)));
                        sums1 = sums1.add(a.lanewise(VectorOperators.ASHR, 16)
                                .mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + 16, Kernels.LE)
                                        .convertShape(VectorOperators.B2I, INTS, 0)));
                        a = lows1.reinterpretAsInts();
                        sums0 = sums0.add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + GROUP, Kernels.LE)
                                        .convertShape(VectorOperators.B2I, INTS, 0)));
                        sums1 = sums1.add(a.lanewise(VectorOperators.ASHR, 16)
                                .mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + GROUP + 16, Kernels.LE)
                                        .convertShape(VectorOperators.B2I, INTS, 0)));
                        a = highs0.reinterpretAsInts();
                        sums0 = sums0.add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + 2 * GROUP, Kernels.LE)
                                        .convertShape(VectorOperators.B2I, INTS, 0)));
                        sums1 = sums1.add(a.lanewise(VectorOperators.ASHR, 16)
                                .mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + 2 * GROUP + 16, Kernels.LE)
                                        .convertShape(VectorOperators.B2I, INTS, 0)));
                        a = highs1.reinterpretAsInts();
                        sums0 = sums0.add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + 3 * GROUP, Kernels.LE)
                                        .convertShape(VectorOperators.B2I, INTS, 0)));
                        sums1 = sums1.add(a.lanewise(VectorOperators.ASHR, 16)
                                .mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + 3 * GROUP + 16, Kernels.LE)
                                        .convertShape(VectorOperators.B2I, INTS, 0)));
                    }
                }
                // d times the input's scale, from half precision in int lanes (as InterleavedQ4_0's scales).
                float d = xd[b] * 0x1p112f;
                IntVector h = (IntVector) ShortVector.fromMemorySegment(HALF_LANES, tiles, t + HALVES, Kernels.LE)
                        .convertShape(VectorOperators.S2I, INTS, 0);
                s0 = ((FloatVector) sums0.convert(VectorOperators.I2F, 0)).fma(h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(d), s0);
                h = (IntVector) ShortVector.fromMemorySegment(HALF_LANES, tiles, t + HALVES + 32, Kernels.LE)
                        .convertShape(VectorOperators.S2I, INTS, 0);
                s1 = ((FloatVector) sums1.convert(VectorOperators.I2F, 0)).fma(h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(d), s1);
            }
            s0.intoArray(out, outOffset + GROUP * g);
            s1.intoArray(out, outOffset + GROUP * g + 16);
        }
    }
}
