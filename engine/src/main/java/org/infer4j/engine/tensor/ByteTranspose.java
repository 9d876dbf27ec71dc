package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A re-laid Q8_0 block ({@link InterleavedQ8_0}): 32 columns of 32 int8 quants, each column's rows in
 * {@link RowGroups}' lane order, transposed into 32 rows of 32 bytes in row order while still bytes, so a batch's
 * tile ({@link WeightMatrix#dequantizeTile}) widens each row once, where transposing the widened floats took four
 * 16 × 16 float transposes (256 permutes) per block.
 * <p>
 * The 1024 bytes are 16 vectors of 64; element (column j, lane l) starts at vector {@code j >> 1}, byte
 * {@code (j & 1) << 5 | l}, and must end at vector {@code row >> 1}, byte {@code (row & 1) << 5 | j}, with
 * {@code row = RowGroups.row(l)}. Each of four rounds swaps one vector-index bit for one of the lane's bits with 16
 * two-source byte permutes ({@code selectFrom}, vpermi2b), their indices built here once ({@link #place} says where
 * every element is after each round).
 */
final class ByteTranspose {
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_512;
    private static final int ROUNDS = 4;
    /** Per round and output vector, the 64 indices into the two sources (the second's from 64). */
    private static final byte[] PERMUTES = permutes();
    private static final ThreadLocal<byte[]> WORK = ThreadLocal.withInitial(() -> new byte[2048]);

    private ByteTranspose() {}

    /** {vector, byte} of element (column {@code j}, lane {@code l}) after round {@code round} (0: as re-laid). */
    static int[] place(int round, int j, int l) {
        int l0 = l & 1, l1 = l >> 1 & 1, l2 = l >> 2 & 1, l3 = l >> 3 & 1, l4 = l >> 4 & 1;
        int j0 = j & 1, j1 = j >> 1 & 1, j2 = j >> 2 & 1, j3 = j >> 3 & 1, j4 = j >> 4 & 1;
        return switch (round) {
            case 0 -> new int[] {j >> 1, j0 << 5 | l};
            case 1 -> new int[] {j4 << 3 | j3 << 2 | j2 << 1 | l2, j0 << 5 | j1 << 4 | l4 << 3 | l3 << 2 | l1 << 1 | l0};
            case 2 -> new int[] {j4 << 3 | j3 << 2 | l3 << 1 | l2, j0 << 5 | j1 << 4 | j2 << 3 | l4 << 2 | l1 << 1 | l0};
            case 3 -> new int[] {j4 << 3 | l4 << 2 | l3 << 1 | l2, j0 << 5 | j1 << 4 | j2 << 3 | j3 << 2 | l1 << 1 | l0};
            default -> {
                int row = RowGroups.row(l);
                yield new int[] {row >> 1, (row & 1) << 5 | j};
            }
        };
    }

    private static byte[] permutes() {
        byte[] index = new byte[ROUNDS * 16 * 64];
        boolean[] set = new boolean[index.length];
        for (int round = 1; round <= ROUNDS; round++) {
            int bit = 1 << (round - 1);
            for (int j = 0; j < 32; j++) {
                for (int l = 0; l < 32; l++) {
                    int[] from = place(round - 1, j, l), to = place(round, j, l);
                    if ((from[0] | bit) != (to[0] | bit)) {
                        throw new AssertionError("round " + round + " moves element " + j + "," + l + " across vectors");
                    }
                    int at = ((round - 1) * 16 + to[0]) * 64 + to[1];
                    if (set[at]) {
                        throw new AssertionError("round " + round + " puts two elements at " + to[0] + "," + to[1]);
                    }
                    set[at] = true;
                    index[at] = (byte) ((from[0] & bit) == 0 ? from[1] : 64 + from[1]);
                }
            }
        }
        return index;
    }

    /** A worker's space for {@link #rows}: the rows come back in its first 1024 bytes. */
    static byte[] work() {
        return WORK.get();
    }

    /** The block's 1024 quants at {@code tiles[q ..]} as rows: row r's 32 columns at {@code work[32r ..]}. */
    static void rows(MemorySegment tiles, long q, byte[] work) {
        // Round 1 reads the tile, round 2 the back half of work, round 3 the front, round 4 the back into the front.
        for (int out = 0; out < 16; out++) {
            ByteVector a = ByteVector.fromMemorySegment(BYTES, tiles, q + 64L * (out & ~1), Kernels.LE);
            ByteVector b = ByteVector.fromMemorySegment(BYTES, tiles, q + 64L * (out | 1), Kernels.LE);
            ByteVector.fromArray(BYTES, PERMUTES, 64 * out).selectFrom(a, b).intoArray(work, 1024 + 64 * out);
        }
        for (int round = 2; round <= ROUNDS; round++) {
            int bit = 1 << (round - 1);
            int from = round % 2 == 0 ? 1024 : 0, to = 1024 - from;
            for (int out = 0; out < 16; out++) {
                ByteVector a = ByteVector.fromArray(BYTES, work, from + 64 * (out & ~bit));
                ByteVector b = ByteVector.fromArray(BYTES, work, from + 64 * (out | bit));
                ByteVector.fromArray(BYTES, PERMUTES, ((round - 1) * 16 + out) * 64).selectFrom(a, b)
                        .intoArray(work, to + 64 * out);
            }
        }
    }
}
