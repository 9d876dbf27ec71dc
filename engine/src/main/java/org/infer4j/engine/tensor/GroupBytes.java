package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One worker's space for laying out a group of 32 rows ({@link RowGroups#relay}): the group's bytes from the file,
 * turned into columns. Column {@code q} holds byte q of every row of the group, lane {@code L} from row
 * {@code RowGroups.row(L)}, as the four longs {@code columns[4q .. 4q + 3]} (lanes 8k..8k + 7 in long k, lane 8k
 * in its low byte). Every re-laid layout is this transpose, then per-type work on whole columns, which the layouts
 * do on those longs eight lanes at a time (masks keep each shift within its byte).
 * <p>
 * Plain long arithmetic, no Vector API: a layout runs once per file, mostly before C2 has compiled it. The same
 * transpose as one gather, byte permute and scatter per eight rows × eight bytes ran 5.4 GB/s a thread once
 * compiled, but in the interpreter and C1 the vector calls are so slow that a first start of a Llama-3.2-1B-shaped
 * Q4_K_M took 1.8-2.1 s against 1.2-1.4 for this one (1.5-1.7 for the earlier per-type transposes of lanes,
 * byte by byte for the scales).
 */
final class GroupBytes {
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Kernels.LE);
    private static final VarHandle TILE_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int rowBytes;
    /** Longs per row in {@link #rows}: the row's bytes rounded up to a whole long. */
    private final int stride;
    private final long[] rows;
    /** Per lane, where its row starts in {@link #rows}. */
    private final int[] rowStart = new int[RowGroups.GROUP];
    final long[] columns;

    GroupBytes(int rowBytes) {
        this.rowBytes = rowBytes;
        this.stride = Math.ceilDiv(rowBytes, 8);
        this.rows = new long[RowGroups.GROUP * stride];
        this.columns = new long[4 * 8 * stride];
        for (int lane = 0; lane < RowGroups.GROUP; lane++) {
            rowStart[lane] = RowGroups.row(lane) * stride;
        }
    }

    /** Reads the group whose 32 rows of {@code rowBytes} start at {@code offset} in {@code data} into {@link #columns}. */
    void read(MemorySegment data, long offset) {
        if (stride * 8 == rowBytes) {
            MemorySegment.copy(data, WORD, offset, rows, 0, RowGroups.GROUP * stride);
        } else {
            int whole = rowBytes / 8;
            for (int r = 0; r < RowGroups.GROUP; r++) {
                long row = offset + (long) r * rowBytes;
                MemorySegment.copy(data, WORD, row, rows, r * stride, whole);
                long last = 0;
                for (int i = 8 * whole; i < rowBytes; i++) {
                    last |= (data.get(ValueLayout.JAVA_BYTE, row + i) & 0xFFL) << 8 * (i - 8 * whole);
                }
                rows[r * stride + whole] = last;
            }
        }
        for (int k = 0; k < 4; k++) {
            int r0 = rowStart[8 * k], r1 = rowStart[8 * k + 1], r2 = rowStart[8 * k + 2], r3 = rowStart[8 * k + 3],
                    r4 = rowStart[8 * k + 4], r5 = rowStart[8 * k + 5], r6 = rowStart[8 * k + 6], r7 = rowStart[8 * k + 7];
            for (int w = 0; w < stride; w++) {
                transpose(rows[r0 + w], rows[r1 + w], rows[r2 + w], rows[r3 + w], rows[r4 + w], rows[r5 + w],
                        rows[r6 + w], rows[r7 + w], columns, 32 * w + k);
            }
        }
    }

    /** Byte j of {@code xi} to byte i of long j, stored at {@code out[at + 4j]}: three rounds of swapping halves. */
    private static void transpose(long x0, long x1, long x2, long x3, long x4, long x5, long x6, long x7, long[] out, int at) {
        // Round 1: 32-bit halves between i and i + 4.
        long y0 = x0 & 0xFFFFFFFFL | x4 << 32, y4 = x0 >>> 32 | x4 & 0xFFFFFFFF00000000L;
        long y1 = x1 & 0xFFFFFFFFL | x5 << 32, y5 = x1 >>> 32 | x5 & 0xFFFFFFFF00000000L;
        long y2 = x2 & 0xFFFFFFFFL | x6 << 32, y6 = x2 >>> 32 | x6 & 0xFFFFFFFF00000000L;
        long y3 = x3 & 0xFFFFFFFFL | x7 << 32, y7 = x3 >>> 32 | x7 & 0xFFFFFFFF00000000L;
        // Round 2: 16-bit quarters between i and i + 2.
        long z0 = y0 & 0x0000FFFF0000FFFFL | (y2 & 0x0000FFFF0000FFFFL) << 16, z2 = y0 >>> 16 & 0x0000FFFF0000FFFFL | y2 & 0xFFFF0000FFFF0000L;
        long z1 = y1 & 0x0000FFFF0000FFFFL | (y3 & 0x0000FFFF0000FFFFL) << 16, z3 = y1 >>> 16 & 0x0000FFFF0000FFFFL | y3 & 0xFFFF0000FFFF0000L;
        long z4 = y4 & 0x0000FFFF0000FFFFL | (y6 & 0x0000FFFF0000FFFFL) << 16, z6 = y4 >>> 16 & 0x0000FFFF0000FFFFL | y6 & 0xFFFF0000FFFF0000L;
        long z5 = y5 & 0x0000FFFF0000FFFFL | (y7 & 0x0000FFFF0000FFFFL) << 16, z7 = y5 >>> 16 & 0x0000FFFF0000FFFFL | y7 & 0xFFFF0000FFFF0000L;
        // Round 3: bytes between i and i + 1.
        out[at] = z0 & 0x00FF00FF00FF00FFL | (z1 & 0x00FF00FF00FF00FFL) << 8;
        out[at + 4] = z0 >>> 8 & 0x00FF00FF00FF00FFL | z1 & 0xFF00FF00FF00FF00L;
        out[at + 8] = z2 & 0x00FF00FF00FF00FFL | (z3 & 0x00FF00FF00FF00FFL) << 8;
        out[at + 12] = z2 >>> 8 & 0x00FF00FF00FF00FFL | z3 & 0xFF00FF00FF00FF00L;
        out[at + 16] = z4 & 0x00FF00FF00FF00FFL | (z5 & 0x00FF00FF00FF00FFL) << 8;
        out[at + 20] = z4 >>> 8 & 0x00FF00FF00FF00FFL | z5 & 0xFF00FF00FF00FF00L;
        out[at + 24] = z6 & 0x00FF00FF00FF00FFL | (z7 & 0x00FF00FF00FF00FFL) << 8;
        out[at + 28] = z6 >>> 8 & 0x00FF00FF00FF00FFL | z7 & 0xFF00FF00FF00FF00L;
    }

    /**
     * Byte {@code q} of the group's rows {@code 8k .. 8k + 7} in one long (row order, where {@link #columns} are in
     * lane order): rows 0..15 are the even lanes, rows 16..31 the odd ones.
     */
    long inRowOrder(int q, int k) {
        int at = 4 * q + 2 * (k & 1), shift = (k >> 1) << 3;
        return everyOtherByte(columns[at] >>> shift) | everyOtherByte(columns[at + 1] >>> shift) << 32;
    }

    /**
     * Columns {@code q .. q + count - 1} as they are, lane order, each long XOR {@code flip} (per byte: 0x80 flips a
     * high nibble's top bit), to {@code tiles[at ..]}: 32 bytes a column.
     */
    void copyColumns(int q, int count, long flip, byte[] tiles, int at) {
        for (int i = 0; i < 4 * count; i++) {
            TILE_LONGS.set(tiles, at + 8 * i, columns[4 * q + i] ^ flip);
        }
    }

    /**
     * Bytes {@code q} and {@code q + 1} of every row as 32 little-endian 16-bit values in row order (a block's half
     * precision scale) at {@code tiles[at .. at + 64)}.
     */
    void halvesInRowOrder(int q, byte[] tiles, int at) {
        for (int k = 0; k < 4; k++) {
            long low = inRowOrder(q, k), high = inRowOrder(q + 1, k);
            TILE_LONGS.set(tiles, at + 16 * k, widen(low) | widen(high) << 8);
            TILE_LONGS.set(tiles, at + 16 * k + 8, widen(low >>> 32) | widen(high >>> 32) << 8);
        }
    }

    /** Bytes 0, 2, 4 and 6 of {@code x} as its low four bytes. */
    private static long everyOtherByte(long x) {
        x &= 0x00FF00FF00FF00FFL;
        x = (x | x >>> 8) & 0x0000FFFF0000FFFFL;
        return (x | x >>> 16) & 0xFFFFFFFFL;
    }

    /** The low four bytes of {@code x}, each widened to 16 bits (the inverse of {@link #everyOtherByte}). */
    static long widen(long x) {
        x = (x & 0xFFFFFFFFL | (x & 0xFFFFFFFFL) << 16) & 0x0000FFFF0000FFFFL;
        return (x | x << 8) & 0x00FF00FF00FF00FFL;
    }
}
