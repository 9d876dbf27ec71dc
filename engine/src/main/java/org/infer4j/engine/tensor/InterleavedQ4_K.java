package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
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
 * Q4_K's {@link RowGroups}: per group of 32 rows and super-block of 256 columns one tile ({@value #TILE_BYTES}
 * bytes, 2.8% more than the file's 32 × 144): per sub-block s the rows' 6-bit scales as bytes (row order), their
 * 6-bit mins, then 16 vectors of 32 packed bytes, lane {@code L} holding, for byte {@code j}, the nibbles of columns
 * {@code 32s + j} and {@code 32s + j + 16} (as Q4_0's, so both nibbles of a byte belong to one sub-block); after the
 * eight sub-blocks the rows' half-precision d, then their dmin (row order). Every part is whole vectors of 32 bytes.
 * <p>
 * Groups go in pairs (2p, 2p + 1; a last one without a partner alone at the end), their tiles merged block by block,
 * vector by vector (the first group's 32 bytes, then the second's), so one token multiplies a pair in step
 * ({@link #multiplyPair}), each broadcast of the input serving both groups, and reads one forward stream, as
 * {@link InterleavedQ4_0} does. Llama-3.2-1B-shaped ffn_gate, one thread, in cache: 44.0/45.2 -> 50.0/49.4 GB/s.
 * <p>
 * The scales stay integers to the end of the super-block: a sub-block's int16 sum Σ(q − 8)·x, widened, plus
 * 8·Σx gives Σq·x (|·| ≤ 60960), times its scale byte summed over the eight sub-blocks in int lanes (≤ 31 M), and
 * the mins likewise against the input's sub-block sums; one conversion and one multiply by d (and dmin) per
 * super-block. The first layout (scales converted to floats per sub-block) cost 8 conversions per 64 columns and
 * ran slower than the row kernel.
 */
record InterleavedQ4_K(MemorySegment tiles, int groupedRows, int cols) implements RowGroups {
    /** Per sub-block: the rows' scale bytes, their min bytes, 16 vectors of packed bytes. */
    private static final int SCALES = 0, MINS = GROUP, QUANTS = 2 * GROUP;
    private static final int SUB_BLOCK_BYTES = QUANTS + 16 * GROUP;
    private static final int SUB_BLOCK_VECTORS = SUB_BLOCK_BYTES / 32;
    /** After the eight sub-blocks: the rows' d, then their dmin, as halves. */
    private static final int HALVES = 8 * SUB_BLOCK_BYTES;
    static final int TILE_BYTES = HALVES + 2 * 2 * GROUP;
    private static final int BLOCK_BYTES = 144;
    /** A worker's {@link #scales} of one block. */
    private static final ThreadLocal<float[]> SCALES_WORK = ThreadLocal.withInitial(() -> new float[8 * 16]);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_256;
    private static final VectorSpecies<Byte> QUARTER = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> HALF_LANES = ShortVector.SPECIES_256;

    /**
     * {@code data}'s whole groups re-laid, from {@code copies}; null if there are none, the machine's vectors do not
     * fit or {@code copies} leaves them to the file's kernels for now.
     */
    static InterleavedQ4_K of(MemorySegment data, int rows, int cols, RelaidCopies copies) {
        if (!RowGroups.supported() || rows < GROUP) {
            return null;
        }
        MemorySegment tiles = RowGroups.relay(data, rows, cols / 256, BLOCK_BYTES, TILE_BYTES,
                InterleavedQ4_K::layOutGroup, InterleavedQ4_K::mergePair, copies, "Q4_K pairs");
        return tiles == null ? null : new InterleavedQ4_K(tiles, rows - rows % GROUP, cols);
    }

    @Override
    public int tileColumns() {
        return 256;
    }

    @Override
    public int tileBytes() {
        return TILE_BYTES;
    }

    @Override
    public boolean pairs() {
        return true;
    }

    /**
     * Where byte {@code o} of group {@code g}'s tile of block {@code b} is: in a pair the two tiles alternate by
     * vectors of 32 bytes (the first group's, then the second's), so its vectors are 64 bytes apart.
     */
    private long at(int g, int b, int o) {
        return paired(g) ? tileAt(g, b) + 2L * (o & ~31) + 32 * (g & 1) + (o & 31) : tileAt(g, b) + o;
    }

    /** Two groups' tiles merged vector by vector (RowGroups.GroupPairing). */
    private static void mergePair(byte[] first, byte[] second, int blocks, byte[] pair) {
        for (int b = 0; b < blocks; b++) {
            int t = b * TILE_BYTES;
            for (int v = 0; v < TILE_BYTES; v += 32) {
                System.arraycopy(first, t + v, pair, 2 * t + 2 * v, 32);
                System.arraycopy(second, t + v, pair, 2 * t + 2 * v + 32, 32);
            }
        }
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int groupFrom, int groupTo) {
        short[] xq = x.q4kFactors();
        float[] xd = x.q8kScales();
        int[] xs = x.q8kSums();
        float[] scales = SCALES_WORK.get();
        // Pairs in step where the range holds both groups, a group alone elsewhere: a row's sum is the same either way.
        for (int g = groupFrom; g < groupTo; ) {
            if (g % 2 == 0 && g + 1 < groupTo) {
                multiplyPair(tiles, cols, xq, xd, xs, out, outOffset, g, tileAt(g, 0), scales);
                g += 2;
            } else {
                multiply(tiles, cols, xq, xd, xs, out, outOffset, g, at(g, 0, 0), paired(g) ? 64 : 32, blockSpan(g), scales);
                g++;
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        int blocks = cols / 256;
        int i = row % GROUP, lane = RowGroups.lane(i);
        int g = row / GROUP;
        for (int b = 0; b < blocks; b++) {
            float d = QuantLanes.half(tiles, at(g, b, HALVES + 2 * i));
            float dmin = QuantLanes.half(tiles, at(g, b, HALVES + 2 * GROUP + 2 * i));
            for (int s = 0; s < 8; s++) {
                int sub = SUB_BLOCK_BYTES * s;
                float dl = d * QuantLanes.u8(tiles, at(g, b, sub + SCALES + i));
                float ml = dmin * QuantLanes.u8(tiles, at(g, b, sub + MINS + i));
                for (int j = 0; j < 16; j++) {
                    int packed = QuantLanes.u8(tiles, at(g, b, sub + QUANTS + GROUP * j + lane));
                    dst[offset + 256 * b + 32 * s + j] = dl * (packed & 0x0F) - ml;
                    dst[offset + 256 * b + 32 * s + j + 16] = dl * ((packed >>> 4) ^ 8) - ml;
                }
            }
        }
    }

    /**
     * {@link Int16Tiles#int16Tile} for rows {@code [rowFrom, rowTo)} within the groups, from the tiles
     * ({@link GroupColumns}): the batched kernel never reads the file's bytes of these rows.
     */
    void int16Tile(int rowFrom, int rowTo, int colFrom, int colTo, int[] quants, int quantStride, float[] dst,
                          int scaleOffset, int biasOffset, int scaleStride) {
        int blocks = cols / 256;
        byte[] work = GroupColumns.work();
        for (int g = rowFrom / GROUP; g * GROUP < rowTo; g++) {
            int base = g * GROUP;
            for (int b = colFrom / 256; b < colTo / 256; b++) {
                for (int s = 0; s < 8; s++) {
                    int sub = SUB_BLOCK_BYTES * s;
                    GroupColumns.toRows(tiles, at(g, b, sub + QUANTS), paired(g), base, rowFrom, rowTo, quants,
                            quantStride, 256 * b + 32 * s - colFrom, work);
                    int block = (256 * b + 32 * s - colFrom) / 32;
                    for (int r = Math.max(rowFrom, base); r < Math.min(rowTo, base + GROUP); r++) {
                        int i = r - base;
                        float d = QuantLanes.half(tiles, at(g, b, HALVES + 2 * i));
                        float dmin = QuantLanes.half(tiles, at(g, b, HALVES + 2 * GROUP + 2 * i));
                        float scale = d * QuantLanes.u8(tiles, at(g, b, sub + SCALES + i));
                        int so = (r - rowFrom) * scaleStride + block;
                        dst[scaleOffset + so] = scale;
                        dst[biasOffset + so] = 8 * scale - dmin * QuantLanes.u8(tiles, at(g, b, sub + MINS + i));
                    }
                }
            }
        }
    }

    /** One group's tiles (RowGroups.GroupLayout). */
    private static void layOutGroup(GroupBytes group, int blocks, byte[] tiles) {
        long[] columns = group.columns;
        long[] packed = new long[12];
        for (int b = 0; b < blocks; b++) {
            int t = b * TILE_BYTES, q = b * BLOCK_BYTES;
            group.halvesInRowOrder(q, tiles, t + HALVES);
            group.halvesInRowOrder(q + 2, tiles, t + HALVES + 2 * GROUP);
            for (int k = 0; k < 4; k++) {
                for (int i = 0; i < 12; i++) {
                    packed[i] = group.inRowOrder(q + 4 + i, k);
                }
                for (int s = 0; s < 8; s++) {
                    LONGS.set(tiles, t + SUB_BLOCK_BYTES * s + SCALES + 8 * k, scaleOrMin(packed, s));
                    LONGS.set(tiles, t + SUB_BLOCK_BYTES * s + MINS + 8 * k, scaleOrMin(packed, s + 8));
                }
            }
            // The file's bytes j and j + 16 of a run of 32 hold sub-blocks 2p (low nibbles) and 2p + 1 (high); a
            // tile byte pairs columns j and j + 16 of one sub-block: eight lanes at a time in a long.
            for (int p = 0; p < 4; p++) {
                for (int j = 0; j < 16; j++) {
                    int first = 4 * (q + 16 + 32 * p + j), second = first + 4 * 16;
                    int to = t + SUB_BLOCK_BYTES * 2 * p + QUANTS + GROUP * j;
                    for (int k = 0; k < 4; k++) {
                        long f = columns[first + k], s = columns[second + k];
                        LONGS.set(tiles, to + 8 * k,
                                (f & 0x0F0F0F0F0F0F0F0FL | (s & 0x0F0F0F0F0F0F0F0FL) << 4) ^ 0x8080808080808080L);
                        LONGS.set(tiles, to + SUB_BLOCK_BYTES + 8 * k,
                                (f >>> 4 & 0x0F0F0F0F0F0F0F0FL | s & 0xF0F0F0F0F0F0F0F0L) ^ 0x8080808080808080L);
                    }
                }
            }
        }
    }

    /**
     * Scale {@code i} (0..7) or min {@code i - 8} of eight rows at once, each byte of {@code packed[j]} a row's packed
     * byte j: {@link QuantLanes#k4Scale}'s and {@link QuantLanes#k4Min}'s bit layout, every shift masked to its byte.
     */
    private static long scaleOrMin(long[] packed, int i) {
        return i < 4 ? packed[i] & 0x3F3F3F3F3F3F3F3FL
                : i < 8 ? packed[i + 4] & 0x0F0F0F0F0F0F0F0FL | (packed[i - 4] & 0xC0C0C0C0C0C0C0C0L) >>> 2
                : i < 12 ? packed[i - 4] & 0x3F3F3F3F3F3F3F3FL
                : (packed[i - 4] & 0xF0F0F0F0F0F0F0F0L) >>> 4 | (packed[i - 8] & 0xC0C0C0C0C0C0C0C0L) >>> 2;
    }

    /**
     * Group {@code g} alone: byte o of its block b's tile at {@code t0 + b·step + (o / 32)·vs + o % 32} ({@code vs} 32
     * for a group on its own, 64 for one of a pair); one token's Q8_K nibble-pair factors {@code xq}, super-block scales
     * {@code xd} and 16-value sums {@code xs}.
     */
    private static void multiply(MemorySegment tiles, int cols, short[] xq, float[] xd, int[] xs, float[] out,
                                 int outOffset, int g, long t0, int vs, long step, float[] scales) {
        int blocks = cols / 256;
        FloatVector s0 = FloatVector.zero(Kernels.FLOATS), s1 = s0;
        for (int b = 0; b < blocks; b++) {
            long t = t0 + b * step;
            IntVector sums0 = IntVector.zero(INTS), sums1 = sums0, mins0 = sums0, mins1 = sums0;
            for (int s = 0; s < 8; s++) {
                int xo = 256 * b + 32 * s;
                long sub = t + (long) vs * SUB_BLOCK_VECTORS * s;
                long q = sub + (long) vs * (QUANTS / 32);
                ShortVector acc = ShortVector.zero(SHORTS), acc2 = acc;
                for (int j = 0; j < 16; j++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, q + (long) vs * j, Kernels.LE)
                            .convertShape(VectorOperators.B2S, SHORTS, 0);
                    // byte·x_j + high·(x_{j+16} − 16·x_j) = low·x_j + high·x_{j+16} (Activations#q4kFactors).
                    ShortVector high = v.lanewise(VectorOperators.ASHR, 4);
                    acc = acc.add(v.mul(xq[xo + j]));
                    acc2 = acc2.add(high.mul(xq[xo + j + 16]));
                }
                acc = acc.add(acc2).sub((short) (8 * xs[16 * b + 2 * s])); // the low nibbles' 8 (RowGroups)
                int xsum = xs[16 * b + 2 * s] + xs[16 * b + 2 * s + 1];
                IntVector sum = acc.reinterpretAsInts();
                // Σq·x = Σ(q − 8)·x + 8·Σx; rows 0..15 in the low halves of the int lanes, 16..31 in the high.
                IntVector low = sum.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(8 * xsum);
                IntVector high = sum.lanewise(VectorOperators.ASHR, 16).add(8 * xsum);
                // Scale and min bytes widened in place: in a body this large a helper returning a vector is
                // left out of line and boxes it.
                long sc = sub + (long) vs * (SCALES / 32), m = sub + (long) vs * (MINS / 32);
                sums0 = sums0.add(low.mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)));
                sums1 = sums1.add(high.mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + 16, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)));
                mins0 = mins0.add(((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, m, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)).mul(xsum));
                mins1 = mins1.add(((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, m + 16, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)).mul(xsum));
            }
            scales(tiles, t + (long) vs * (HALVES / 32), vs, 4, xd[b], scales);
            s0 = ((FloatVector) sums0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 0), s0);
            s1 = ((FloatVector) sums1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 16), s1);
            s0 = ((FloatVector) mins0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 32), s0);
            s1 = ((FloatVector) mins1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 48), s1);
        }
        s0.intoArray(out, outOffset + GROUP * g);
        s1.intoArray(out, outOffset + GROUP * g + 16);
    }

    /**
     * The scales of one block's rows as floats: {@code count} vectors of 16 half-precision values at {@code halves},
     * {@code step} bytes apart (the d of each 16 rows, then their dmin), each times the input's scale {@code xd}
     * (negated for the dmin) into {@code scales[16i ..]}, from half precision in int lanes as
     * {@link RowGroups#SIGN_AND_MAGNITUDE} says.
     * A loop over arrays, apart from the kernels: written out in their bodies (a helper returning a vector would
     * box it) the eight conversions made multiplyPair so large that C2 sometimes left Vector API calls out of line,
     * and generation then made garbage (7-18 collections in two tg64 runs of a Llama-3.2-1B-shaped Q4_K_M after pp64
     * in about one start of three).
     */
    private static void scales(MemorySegment tiles, long halves, int step, int count, float xd, float[] scales) {
        float d = xd * 0x1p112f;
        for (int i = 0; i < count; i++) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HALF_LANES, tiles, halves + (long) step * i, Kernels.LE)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_MAGNITUDE).reinterpretAsFloats().mul(i < count / 2 ? d : -d).intoArray(scales, 16 * i);
        }
    }

    /**
     * Groups {@code g} and {@code g + 1} in step, their merged tiles from {@code pair} (block b at
     * {@code pair + 2b·TILE_BYTES}, vector v of the first at {@code 64v}, of the second at {@code 64v + 32}): as
     * {@link #multiply} for each (the same bits), each broadcast of the input serving both, one forward stream.
     */
    private static void multiplyPair(MemorySegment tiles, int cols, short[] xq, float[] xd, int[] xs, float[] out,
                                     int outOffset, int g, long pair, float[] scales) {
        int blocks = cols / 256;
        FloatVector s0 = FloatVector.zero(Kernels.FLOATS), s1 = s0, s2 = s0, s3 = s0;
        for (int b = 0; b < blocks; b++) {
            long t = pair + 2L * b * TILE_BYTES;
            IntVector sums0 = IntVector.zero(INTS), sums1 = sums0, mins0 = sums0, mins1 = sums0;
            IntVector sums2 = sums0, sums3 = sums0, mins2 = sums0, mins3 = sums0;
            for (int s = 0; s < 8; s++) {
                int xo = 256 * b + 32 * s;
                long sub = t + 2L * SUB_BLOCK_BYTES * s;
                long q = sub + 2 * QUANTS;
                ShortVector acc = ShortVector.zero(SHORTS), acc2 = acc, accB = acc, acc2B = acc;
                for (int j = 0; j < 16; j++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, q + 64L * j, Kernels.LE)
                            .convertShape(VectorOperators.B2S, SHORTS, 0);
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, tiles, q + 64L * j + 32, Kernels.LE)
                            .convertShape(VectorOperators.B2S, SHORTS, 0);
                    short low = xq[xo + j], highFactor = xq[xo + j + 16];
                    acc = acc.add(v.mul(low));
                    acc2 = acc2.add(v.lanewise(VectorOperators.ASHR, 4).mul(highFactor));
                    accB = accB.add(w.mul(low));
                    acc2B = acc2B.add(w.lanewise(VectorOperators.ASHR, 4).mul(highFactor));
                }
                short centring = (short) (8 * xs[16 * b + 2 * s]);
                acc = acc.add(acc2).sub(centring);
                accB = accB.add(acc2B).sub(centring);
                int xsum = xs[16 * b + 2 * s] + xs[16 * b + 2 * s + 1];
                IntVector sum = acc.reinterpretAsInts();
                IntVector low = sum.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(8 * xsum);
                IntVector high = sum.lanewise(VectorOperators.ASHR, 16).add(8 * xsum);
                long sc = sub + 2 * SCALES, m = sub + 2 * MINS;
                sums0 = sums0.add(low.mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)));
                sums1 = sums1.add(high.mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + 16, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)));
                mins0 = mins0.add(((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, m, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)).mul(xsum));
                mins1 = mins1.add(((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, m + 16, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)).mul(xsum));
                sum = accB.reinterpretAsInts();
                low = sum.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(8 * xsum);
                high = sum.lanewise(VectorOperators.ASHR, 16).add(8 * xsum);
                sums2 = sums2.add(low.mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + 32, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)));
                sums3 = sums3.add(high.mul((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, sc + 48, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)));
                mins2 = mins2.add(((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, m + 32, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)).mul(xsum));
                mins3 = mins3.add(((IntVector) ByteVector.fromMemorySegment(QUARTER, tiles, m + 48, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)).mul(xsum));
            }
            // d and dmin of both groups, as in multiply: d at vectors HALVES/32 and +1, dmin at +2 and +3.
            scales(tiles, t + 2 * HALVES, 32, 8, xd[b], scales);
            s0 = ((FloatVector) sums0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 0), s0);
            s2 = ((FloatVector) sums2.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 16), s2);
            s1 = ((FloatVector) sums1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 32), s1);
            s3 = ((FloatVector) sums3.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 48), s3);
            s0 = ((FloatVector) mins0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 64), s0);
            s2 = ((FloatVector) mins2.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 80), s2);
            s1 = ((FloatVector) mins1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 96), s1);
            s3 = ((FloatVector) mins3.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, scales, 112), s3);
        }
        s0.intoArray(out, outOffset + GROUP * g);
        s1.intoArray(out, outOffset + GROUP * g + 16);
        s2.intoArray(out, outOffset + GROUP * g + 32);
        s3.intoArray(out, outOffset + GROUP * g + 48);
    }
}
