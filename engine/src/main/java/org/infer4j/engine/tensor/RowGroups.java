package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;
import jdk.incubator.vector.ShortVector;

/**
 * A weight matrix's whole groups of {@value #GROUP} rows, re-laid at load so that one vector load holds the same
 * packed byte of all the group's rows, for the one-token kernel (llama.cpp repacks Q4_0 and Q4_K for the same
 * reason): Q4_0, Q4_K, Q6_K and Q8_0. The row-at-a-time kernels are bound by their instruction count (~61 per Q4_0 block of two
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
sealed interface RowGroups permits InterleavedQ4_0, InterleavedQ4_K, InterleavedQ6_K, InterleavedQ8_0 {
    int GROUP = 32;

    /**
     * Half-precision scales to floats in int lanes, two operations: a half sign-extended to an int and shifted left by
     * 13 has its magnitude's bits at a float's place, which reads as the half times 2^-112 (exactly, subnormal halves
     * too: 2^112 then joins the input's scale in one multiply), and its sign in bits 28-31; this mask keeps bit 31,
     * the float's sign. (Masking the magnitude first and putting the sign on after the multiply took five.)
     */
    int SIGN_AND_MAGNITUDE = 0x8FFFFFFF;

    /** Whether this machine's vectors fit the layouts: 32 int16 lanes (AVX-512). Elsewhere the row kernels run. */
    static boolean supported() {
        return ShortVector.SPECIES_PREFERRED.length() >= GROUP;
    }

    /** Rows the groups cover. */
    int groupedRows();

    /** The re-laid copy. */
    MemorySegment tiles();

    /** Columns of the matrix. */
    int cols();

    /** Columns one tile covers (a block of the type). */
    int tileColumns();

    /** Bytes of one tile. */
    int tileBytes();

    /**
     * Whether the layout merges groups in pairs (2p, 2p + 1; a last group without a partner stays alone at the end):
     * block by block, the two tiles at the first's place (InterleavedQ4_0, InterleavedQ4_K).
     */
    default boolean pairs() {
        return false;
    }

    /** Whether group {@code g} has a partner (its tiles merged with it). */
    default boolean paired(int g) {
        return pairs() && (g | 1) < groupedRows() / GROUP;
    }

    /**
     * Where group {@code g}'s tile of block {@code b} starts: a group's tiles one after another, or in a pair its
     * pair's merged tiles of that block.
     */
    default long tileAt(int g, int b) {
        int blocks = cols() / tileColumns();
        return paired(g) ? ((long) (g & ~1) * blocks + 2L * b) * tileBytes() : ((long) g * blocks + b) * tileBytes();
    }

    /** Bytes from {@code tileAt(g, b)} to the end of block b's region: one tile, or a pair's two. */
    default int blockSpan(int g) {
        return paired(g) ? 2 * tileBytes() : tileBytes();
    }

    /**
     * Part {@code part} of {@code parts} of the cache lines that the tiles of rows {@code [rowFrom, rowTo)} × columns
     * {@code [colFrom, colTo)} occupy: loads one byte of each and returns their sum ({@link TileGemm#touchNext}'s
     * prefetch, for the copy). A group's tiles are contiguous, so its lines are split among the parts rather than
     * its rows, which each touch the whole group.
     */
    default int touch(int rowFrom, int rowTo, int colFrom, int colTo, int part, int parts) {
        MemorySegment tiles = tiles();
        int sum = 0;
        for (int g = rowFrom / GROUP; g * GROUP < rowTo; g++) {
            long from = tileAt(g, colFrom / tileColumns());
            long lines = (tileAt(g, Math.ceilDiv(colTo, tileColumns()) - 1) + blockSpan(g) - from + 63) / 64;
            long first = lines * part / parts, last = lines * (part + 1) / parts;
            for (long line = first; line < last; line++) {
                sum += tiles.get(ValueLayout.JAVA_BYTE, from + 64 * line);
            }
        }
        return sum;
    }

    /** For groups {@code [groupFrom, groupTo)}: {@code out[outOffset + row] = dot(row, x)}, x prepared for one token. */
    void multiply(Activations x, float[] out, int outOffset, int groupFrom, int groupTo);

    /**
     * Row {@code row} (below {@link #groupedRows()}) as floats, as the matrix's own {@code dequantizeRow} gives it
     * from the file: token embeddings are looked up this way, and must not bring the file's pages back.
     */
    void dequantizeRow(int row, float[] dst, int offset);

    /**
     * For a re-laid tile's {@code dequantizeTile}: {@code work[32j + i]} is column j ({@code < width}, a multiple of
     * 16) of the group's row i; transposed 16 × 16 at a time ({@link Transpose}) into rows of {@code width} floats at
     * {@code work[at ..]}, of which the group's rows {@code [first, last)} (its first row is {@code base}) are copied
     * to {@code dst[(r - rowFrom)·dstStride + column ..]}; a whole group is transposed straight into {@code dst}.
     */
    static void copyColumnsAsRows(float[] work, int width, int at, int base, int first, int last, int rowFrom,
                                  float[] dst, int dstStride, int column) {
        boolean whole = first == base && last == base + GROUP;
        float[] to = whole ? dst : work;
        int toAt = whole ? (base - rowFrom) * dstStride + column : at;
        int toStride = whole ? dstStride : width;
        for (int c = 0; c < width; c += 16) {
            Transpose.block(work, GROUP * c, GROUP, to, toAt + c, toStride, 16);
            Transpose.block(work, GROUP * c + 16, GROUP, to, toAt + 16 * toStride + c, toStride, 16);
        }
        for (int r = first; r < last && !whole; r++) {
            System.arraycopy(work, at + width * (r - base), dst, (r - rowFrom) * dstStride + column, width);
        }
    }

    /** Lane of row {@code i} of a group in a vector of packed bytes (see above). */
    static int lane(int i) {
        return i < 16 ? 2 * i : 2 * (i - 16) + 1;
    }

    /** Row of a group held in lane {@code lane} of a vector of packed bytes: {@link #lane}'s inverse. */
    static int row(int lane) {
        return lane % 2 == 0 ? lane / 2 : 16 + lane / 2;
    }

    /** Merges two groups' tiles ({@link GroupLayout}'s, {@code blocks} each) into one region for a pair. */
    @FunctionalInterface
    interface GroupPairing {
        void merge(byte[] first, byte[] second, int blocks, byte[] pair);
    }

    /** Lays out one group: its 32 rows' bytes from the file as columns in, its {@code blocks} tiles (one after another) out. */
    @FunctionalInterface
    interface GroupLayout {
        void layOut(GroupBytes group, int blocks, byte[] tiles);
    }

    /**
     * The tiles of {@code data}'s whole groups of {@code rows} (each row {@code blocks} blocks of {@code blockBytes}
     * in the file, each group {@code blocks} tiles of {@code tileBytes}), from {@code copies} under the name
     * {@code name}: reused, or laid out in parallel into the zeroed segment it gives (a Qwen2.5-0.5B-shaped Q4_0 file
     * loads in 0.25 -> 0.55 s with every tensor laid out). With a {@code pairing} (may be null), groups 2p and 2p + 1
     * (where both exist) are laid out and then merged by it into one region of twice a group's bytes at the first's
     * place (a last group without a partner stays as it is). The file's bytes of the grouped rows are then unloaded.
     * Null where {@code copies} gives none (the rows stay with the file's kernels for now).
     */
    static MemorySegment relay(MemorySegment data, int rows, int blocks, int blockBytes, int tileBytes, GroupLayout layout,
                               GroupPairing pairing, RelaidCopies copies, String name) {
        int groups = rows / GROUP;
        MemorySegment tiles = copies.copy(data, name, (long) groups * blocks * tileBytes,
                into -> layOut(data, groups, blocks, blockBytes, tileBytes, layout, pairing, into));
        if (tiles != null) {
            unload(data, (long) groups * GROUP * blocks * blockBytes);
        }
        return tiles;
    }

    private static void layOut(MemorySegment data, int groups, int blocks, int blockBytes, int tileBytes,
                               GroupLayout layout, GroupPairing pairing, MemorySegment tiles) {
        int rowBytes = blocks * blockBytes;
        int groupBytes = blocks * tileBytes;
        int chunk = 2 * Math.max(1, Math.ceilDiv(1 << 20, 2 * groupBytes)); // even: pairs stay in one chunk
        IntStream.range(0, Math.ceilDiv(groups, chunk)).parallel().forEach(c -> {
            GroupBytes group = new GroupBytes(rowBytes);
            byte[] groupTiles = new byte[groupBytes];
            byte[] partnerTiles = pairing == null ? null : new byte[groupBytes];
            byte[] pairTiles = pairing == null ? null : new byte[2 * groupBytes];
            for (int g = c * chunk; g < Math.min(groups, (c + 1) * chunk); g++) {
                group.read(data, (long) g * GROUP * rowBytes);
                layout.layOut(group, blocks, groupTiles);
                if (pairing != null && g + 1 < groups) {
                    group.read(data, (long) (g + 1) * GROUP * rowBytes);
                    layout.layOut(group, blocks, partnerTiles);
                    pairing.merge(groupTiles, partnerTiles, blocks, pairTiles);
                    MemorySegment.copy(pairTiles, 0, tiles, ValueLayout.JAVA_BYTE, (long) g * groupBytes, 2 * groupBytes);
                    g++;
                } else {
                    MemorySegment.copy(groupTiles, 0, tiles, ValueLayout.JAVA_BYTE, (long) g * groupBytes, groupBytes);
                }
            }
        });
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
