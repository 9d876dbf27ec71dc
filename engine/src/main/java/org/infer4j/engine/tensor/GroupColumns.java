package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A re-laid group's block of 32 columns ({@link RowGroups}) as the rows {@link Int16Gemm} reads
 * ({@link Int16Tiles#int16Tile}), so that the batched kernel reads a re-laid matrix from its copy only and the
 * file's pages of those rows can leave memory.
 * <p>
 * The block's 512 packed bytes are 16 vectors of 32 (byte j of every lane) and must become 32 rows of 16 bytes.
 * Read as eight 64-byte vectors, element (j, lane) sits in vector {@code j >> 1}; a transpose is a swap of
 * vector-index bits with byte-index bits, and a two-source byte permute ({@code selectFrom}, vpermi2b) swaps one:
 * three rounds of eight permutes, the last also putting the rows in order (lane {@code L} is row {@code L/2}, or
 * {@code 16 + L/2} for odd L). Transposing the widened ints instead, 16 × 16 at a time ({@link Transpose}), took
 * 256 permutes and made this 4% of a Qwen2.5-0.5B-shaped Q4_0 pp512 against 1.75% for the file's rows.
 */
final class GroupColumns {
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_512;
    private static final VectorSpecies<Byte> ROW = ByteVector.SPECIES_128;
    // Read through these constants (a permute loaded from an array element may not compile to the instruction).
    private static final ByteVector A0 = round(1, 0), A1 = round(1, 1), A2 = round(1, 2), A3 = round(1, 3),
            A4 = round(1, 4), A5 = round(1, 5), A6 = round(1, 6), A7 = round(1, 7);
    private static final ByteVector B0 = round(2, 0), B1 = round(2, 1), B2 = round(2, 2), B3 = round(2, 3),
            B4 = round(2, 4), B5 = round(2, 5), B6 = round(2, 6), B7 = round(2, 7);
    private static final ByteVector C0 = round(3, 0), C1 = round(3, 1), C2 = round(3, 2), C3 = round(3, 3),
            C4 = round(3, 4), C5 = round(3, 5), C6 = round(3, 6), C7 = round(3, 7);
    /** Bytes 0..31 of the first source, then bytes 32..63 of the second. */
    private static final ByteVector JOIN = join();
    private static final ThreadLocal<byte[]> WORK = ThreadLocal.withInitial(() -> new byte[512]);

    private static ByteVector join() {
        byte[] index = new byte[64];
        for (int i = 0; i < 64; i++) {
            index[i] = (byte) (i < 32 ? i : 64 + i);
        }
        return ByteVector.fromArray(BYTES, index, 0);
    }

    private GroupColumns() {}

    /** A worker's space for {@link #toRows}. */
    static byte[] work() {
        return WORK.get();
    }

    /**
     * Where element (byte {@code j}, lane) sits after round {@code round}: {vector, byte}. Round 0 is the tile;
     * rounds 1..3 move the lane's bits 3, 4 and 0 into vector-index bits 0, 1, 2 in place of j's bits 1, 2, 3;
     * round 3 leaves row r's 16 bytes at {@code 16·r}.
     */
    private static int[] place(int round, int j, int lane) {
        return switch (round) {
            case 0 -> new int[] {j >> 1, (j & 1) << 5 | lane};
            case 1 -> new int[] {(j >> 2) << 1 | (lane >> 3 & 1),
                    (j & 1) << 5 | (lane >> 4 & 1) << 4 | (j >> 1 & 1) << 3 | (lane & 7)};
            case 2 -> new int[] {(j >> 3) << 2 | (lane >> 4 & 1) << 1 | (lane >> 3 & 1),
                    (j & 1) << 5 | (j >> 2 & 1) << 4 | (j >> 1 & 1) << 3 | (lane & 7)};
            default -> {
                int row = RowGroups.row(lane);
                yield new int[] {row >> 2, (row & 3) << 4 | j};
            }
        };
    }

    /**
     * The permute giving vector {@code out} of round {@code round} from the previous round's vectors
     * {@code out & ~bit} (indices 0..63) and {@code out | bit} (64..127), bit = {@code 1 << (round - 1)}.
     */
    private static ByteVector round(int round, int out) {
        int bit = 1 << (round - 1);
        byte[] index = new byte[64];
        for (int j = 0; j < 16; j++) {
            for (int lane = 0; lane < 32; lane++) {
                int[] to = place(round, j, lane);
                if (to[0] != out) {
                    continue;
                }
                int[] from = place(round - 1, j, lane);
                if ((from[0] | bit) != (out | bit)) {
                    throw new AssertionError("round " + round + " needs a third source");
                }
                index[to[1]] = (byte) (from[0] == (out & ~bit) ? from[1] : 64 + from[1]);
            }
        }
        return ByteVector.fromArray(BYTES, index, 0);
    }

    /**
     * From the 16 vectors of 32 packed bytes at {@code q} (lane order and nibbles as {@link RowGroups} says) of the
     * group whose first row is {@code base}: for its rows {@code r} in {@code [rowFrom, rowTo)} and columns
     * {@code c < 32}, {@code quants[(r - rowFrom)·quantStride + column + c]} = the centred quant in both halves of
     * an int.
     */
    static void toRows(MemorySegment tiles, long q, int base, int rowFrom, int rowTo, int[] quants, int quantStride,
                       int column, byte[] work) {
        toRows(tiles, q, false, base, rowFrom, rowTo, quants, quantStride, column, work);
    }

    /**
     * As {@link #toRows(MemorySegment, long, int, int, int, int[], int, int, byte[])}; {@code paired}, the 16 vectors
     * are 64 bytes apart (a pair's merged tiles, {@link InterleavedQ4_0}): each 64-byte vector of two is then taken
     * from two loads, the first 32 bytes of one and of the next.
     */
    static void toRows(MemorySegment tiles, long q, boolean paired, int base, int rowFrom, int rowTo, int[] quants,
                       int quantStride, int column, byte[] work) {
        ByteVector w0, w1, w2, w3, w4, w5, w6, w7;
        if (paired) {
            // The second load starts 32 bytes before the vector it serves, so that it ends within the pair's tiles.
            w0 = JOIN.selectFrom(ByteVector.fromMemorySegment(BYTES, tiles, q, Kernels.LE), ByteVector.fromMemorySegment(BYTES, tiles, q + 32, Kernels.LE));
            w1 = JOIN.selectFrom(ByteVector.fromMemorySegment(BYTES, tiles, q + 128, Kernels.LE), ByteVector.fromMemorySegment(BYTES, tiles, q + 160, Kernels.LE));
            w2 = JOIN.selectFrom(ByteVector.fromMemorySegment(BYTES, tiles, q + 256, Kernels.LE), ByteVector.fromMemorySegment(BYTES, tiles, q + 288, Kernels.LE));
            w3 = JOIN.selectFrom(ByteVector.fromMemorySegment(BYTES, tiles, q + 384, Kernels.LE), ByteVector.fromMemorySegment(BYTES, tiles, q + 416, Kernels.LE));
            w4 = JOIN.selectFrom(ByteVector.fromMemorySegment(BYTES, tiles, q + 512, Kernels.LE), ByteVector.fromMemorySegment(BYTES, tiles, q + 544, Kernels.LE));
            w5 = JOIN.selectFrom(ByteVector.fromMemorySegment(BYTES, tiles, q + 640, Kernels.LE), ByteVector.fromMemorySegment(BYTES, tiles, q + 672, Kernels.LE));
            w6 = JOIN.selectFrom(ByteVector.fromMemorySegment(BYTES, tiles, q + 768, Kernels.LE), ByteVector.fromMemorySegment(BYTES, tiles, q + 800, Kernels.LE));
            w7 = JOIN.selectFrom(ByteVector.fromMemorySegment(BYTES, tiles, q + 896, Kernels.LE), ByteVector.fromMemorySegment(BYTES, tiles, q + 928, Kernels.LE));
        } else {
            w0 = ByteVector.fromMemorySegment(BYTES, tiles, q, Kernels.LE);
            w1 = ByteVector.fromMemorySegment(BYTES, tiles, q + 64, Kernels.LE);
            w2 = ByteVector.fromMemorySegment(BYTES, tiles, q + 128, Kernels.LE);
            w3 = ByteVector.fromMemorySegment(BYTES, tiles, q + 192, Kernels.LE);
            w4 = ByteVector.fromMemorySegment(BYTES, tiles, q + 256, Kernels.LE);
            w5 = ByteVector.fromMemorySegment(BYTES, tiles, q + 320, Kernels.LE);
            w6 = ByteVector.fromMemorySegment(BYTES, tiles, q + 384, Kernels.LE);
            w7 = ByteVector.fromMemorySegment(BYTES, tiles, q + 448, Kernels.LE);
        }
        ByteVector a0 = A0.selectFrom(w0, w1), a1 = A1.selectFrom(w0, w1), a2 = A2.selectFrom(w2, w3),
                a3 = A3.selectFrom(w2, w3), a4 = A4.selectFrom(w4, w5), a5 = A5.selectFrom(w4, w5),
                a6 = A6.selectFrom(w6, w7), a7 = A7.selectFrom(w6, w7);
        ByteVector b0 = B0.selectFrom(a0, a2), b1 = B1.selectFrom(a1, a3), b2 = B2.selectFrom(a0, a2),
                b3 = B3.selectFrom(a1, a3), b4 = B4.selectFrom(a4, a6), b5 = B5.selectFrom(a5, a7),
                b6 = B6.selectFrom(a4, a6), b7 = B7.selectFrom(a5, a7);
        C0.selectFrom(b0, b4).intoArray(work, 0);
        C1.selectFrom(b1, b5).intoArray(work, 64);
        C2.selectFrom(b2, b6).intoArray(work, 128);
        C3.selectFrom(b3, b7).intoArray(work, 192);
        C4.selectFrom(b0, b4).intoArray(work, 256);
        C5.selectFrom(b1, b5).intoArray(work, 320);
        C6.selectFrom(b2, b6).intoArray(work, 384);
        C7.selectFrom(b3, b7).intoArray(work, 448);
        for (int r = Math.max(rowFrom, base); r < Math.min(rowTo, base + RowGroups.GROUP); r++) {
            // Byte j of the row: column j in the low nibble, as it is; j + 16 in the high one, stored XOR 8, so that a
            // sign-extending shift gives the quant minus 8 (RowGroups).
            IntVector v = (IntVector) ByteVector.fromArray(ROW, work, 16 * (r - base))
                    .convertShape(VectorOperators.B2I, IntVector.SPECIES_512, 0);
            IntVector low = v.and(0x0F).sub(8);
            IntVector high = v.lanewise(VectorOperators.ASHR, 4);
            int at = (r - rowFrom) * quantStride + column;
            low.lanewise(VectorOperators.LSHL, 16).or(low.and(0xFFFF)).intoArray(quants, at);
            high.lanewise(VectorOperators.LSHL, 16).or(high.and(0xFFFF)).intoArray(quants, at + 16);
        }
    }
}
