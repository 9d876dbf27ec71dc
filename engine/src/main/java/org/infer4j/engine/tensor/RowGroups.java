package org.infer4j.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;
import jdk.incubator.vector.ShortVector;

/**
 * A weight matrix's whole groups of {@value #GROUP} rows, re-laid at load so that one vector load holds the same
 * packed byte of all the group's rows, for the one-token kernel (llama.cpp repacks Q4_0 and Q4_K for the same
 * reason): Q4_0 and Q4_K. The row-at-a-time kernels are bound by their instruction count (~61 per Q4_0 block of two
 * rows, half of them scalar, ~9 GB/s a thread); here a column pair of 32 rows costs a load, a sign extension, an AND,
 * a shift, two int16 multiplies and two adds. One implementation per type; rows past the last group stay with the
 * type's row kernel. A tile is read front to back, in the order it is laid out: Q4_K's first tiles kept the scale bytes of
 * all sub-blocks ahead of the quants and read them as it went (three interleaved streams within 4.7 KB), and ran at
 * 7.2 GB/s a thread from memory against 15.5 once each sub-block's scales sat right before its quants.
 * <p>
 * Common to the layouts: in a vector of 32 packed bytes, lane {@code L} is row {@code L/2} of the group (L even) or
 * {@code 16 + L/2} (L odd), so that the int16 sums, read as ints, hold rows 0..15 in their low halves and 16..31 in
 * their high ones. The high nibble of a byte (column j + 16 of a block) is stored XOR 8, so one sign-extending
 * shift reads it as its quant minus 8; the low one (column j) as it is, read with one AND. A block's int16 sum of
 * the products is then Σ(q − 8)·x plus 8 times the input's first 16 values, which is subtracted at the end of the
 * block: int16 arithmetic wraps, and the final Σ(q − 8)·x (|·| ≤ 32 × 8 × 127 = 32512) fits, so it comes out exact
 * whatever the intermediate sums did. (Both nibbles XOR 8 cost a shift more per byte: ~10% of the loop's operations.)
 */
sealed interface RowGroups permits InterleavedQ4_0, InterleavedQ4_K {
    int GROUP = 32;

    /** Whether this machine's vectors fit the layouts: 32 int16 lanes (AVX-512). Elsewhere the row kernels run. */
    static boolean supported() {
        return ShortVector.SPECIES_PREFERRED.length() >= GROUP;
    }

    /** Rows the groups cover. */
    int groupedRows();

    /** For groups {@code [groupFrom, groupTo)}: {@code out[outOffset + row] = dot(row, x)}, x prepared for one token. */
    void multiply(Activations x, float[] out, int outOffset, int groupFrom, int groupTo);

    /**
     * {@link Int16Tiles#int16Tile} for rows {@code [rowFrom, rowTo)} within the groups, from the tiles
     * ({@link GroupColumns}): the batched kernel never reads the file's bytes of these rows.
     */
    void int16Tile(int rowFrom, int rowTo, int colFrom, int colTo, int[] quants, int quantStride, float[] dst,
                   int scaleOffset, int biasOffset, int scaleStride);

    /**
     * Row {@code row} (below {@link #groupedRows()}) as floats, as the matrix's own {@code dequantizeRow} gives it
     * from the file: token embeddings are looked up this way, and must not bring the file's pages back.
     */
    void dequantizeRow(int row, float[] dst, int offset);

    /** Lane of row {@code i} of a group in a vector of packed bytes (see above). */
    static int lane(int i) {
        return i < 16 ? 2 * i : 2 * (i - 16) + 1;
    }

    /** Row of a group held in lane {@code lane} of a vector of packed bytes: {@link #lane}'s inverse. */
    static int row(int lane) {
        return lane % 2 == 0 ? lane / 2 : 16 + lane / 2;
    }

    /** Lays out one group: its 32 rows' bytes from the file in, its {@code blocks} tiles (one after another) out. */
    @FunctionalInterface
    interface GroupLayout {
        void layOut(byte[] rowsOfGroup, int blocks, byte[] tiles);
    }

    /**
     * The tiles of {@code data}'s whole groups of {@code rows} (each row {@code blocks} blocks of {@code blockBytes}
     * in the file, each group {@code blocks} tiles of {@code tileBytes}), laid out in parallel into memory the
     * garbage collector frees with the matrix; the file's bytes of those rows are then unloaded. This reads the whole
     * tensor at load (a Qwen2.5-0.5B-shaped Q4_0 file 0.25 -> 0.55 s).
     */
    static MemorySegment relay(MemorySegment data, int rows, int blocks, int blockBytes, int tileBytes, GroupLayout layout) {
        int groups = rows / GROUP;
        int rowBytes = blocks * blockBytes;
        int groupBytes = blocks * tileBytes;
        MemorySegment tiles = Arena.ofAuto().allocate((long) groups * groupBytes, 64);
        int chunk = Math.max(1, Math.ceilDiv(1 << 20, groupBytes));
        IntStream.range(0, Math.ceilDiv(groups, chunk)).parallel().forEach(c -> {
            byte[] rowsOfGroup = new byte[GROUP * rowBytes];
            byte[] groupTiles = new byte[groupBytes];
            for (int g = c * chunk; g < Math.min(groups, (c + 1) * chunk); g++) {
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (long) g * GROUP * rowBytes, rowsOfGroup, 0, GROUP * rowBytes);
                layout.layOut(rowsOfGroup, blocks, groupTiles);
                MemorySegment.copy(groupTiles, 0, tiles, ValueLayout.JAVA_BYTE, (long) g * groupBytes, groupBytes);
            }
        });
        unload(data, (long) groups * GROUP * rowBytes);
        return tiles;
    }

    /**
     * Drops the first {@code bytes} of a mapped weight from this process's memory once they are re-laid: every kernel
     * reads the grouped rows from the copy, so the file's pages would only double the resident weights (the
     * operating system keeps them in its page cache). Heap segments (tests) are left alone.
     */
    static void unload(MemorySegment data, long bytes) {
        if (data.isMapped() && bytes > 0) {
            data.asSlice(0, bytes).unload();
        }
    }

    /**
     * Rows {@code [rowFrom, rowTo)} that fall in the groups: whole groups straight into {@code out}, a group the range
     * cuts computed whole into {@code partial} (32 floats) and its rows copied, so a row's sum does not depend on
     * the range. Returns where the grouped rows of the range end (rows from there on are the caller's).
     */
    default int multiplyRange(Activations x, float[] out, int outOffset, int rowFrom, int rowTo, float[] partial) {
        int r = rowFrom;
        int end = Math.min(rowTo, groupedRows());
        while (r < end) {
            int g = r / GROUP;
            int groupEnd = Math.min(end, GROUP * (g + 1));
            if (r == GROUP * g && groupEnd == GROUP * (g + 1)) {
                int whole = end / GROUP;
                multiply(x, out, outOffset, g, whole);
                r = GROUP * whole;
            } else {
                multiply(x, partial, -GROUP * g, g, g + 1);
                System.arraycopy(partial, r - GROUP * g, out, outOffset + r, groupEnd - r);
                r = groupEnd;
            }
        }
        return Math.max(r, rowFrom);
    }
}
