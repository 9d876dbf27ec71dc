package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pieces shared by the k-quant kernels, which multiply in float lanes: the Q8_K input's int8 values decoded once
 * per call to floats (exact small integers), the 6-bit scales and mins of Q4_K/Q5_K decoded with a few 32-bit
 * operations into eight bytes each, and the species and shuffle that spread eight packed bytes over the lanes. The
 * kernels unpack their weights with Vector API calls written out in their own bodies: helpers taking or returning
 * vectors were left out of line there by C2 and boxed (DEVELOPERS.md, rules 1 and 14).
 * <p>
 * Why float lanes: products of small integers (|q| &lt; 64, |x| &le; 128) and their sums over a super-block stay
 * below 2^24, so float lanes hold ggml's integer sums exactly, and a fused multiply-add costs one instruction where
 * 32-bit integer lanes need a slow {@code vpmulld} and a widening of both operands.
 */
final class KQuantLanes {
    /** Longs as wide as {@link Kernels#BYTES}: eight packed bytes broadcast into every 8 of its lanes (Q5_K's mins). */
    static final VectorSpecies<Long> LONGS = VectorSpecies.of(long.class, Kernels.BYTES.vectorShape());
    /** Byte lane i takes byte i/2: eight packed bytes spread over 16 lanes, each twice. */
    static final VectorShuffle<Byte> PAIRS = VectorShuffle.fromOp(Kernels.BYTES, i -> i / 2);

    private KQuantLanes() {}

    /** {@code dst[i] = src[from + i]} as floats for i &lt; n (n a multiple of 256). */
    static void toFloats(byte[] src, int from, float[] dst, int n) {
        for (int i = 0; i < n; i += Kernels.LANES) {
            ((FloatVector) ByteVector.fromArray(Kernels.BYTES, src, from + i).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0))
                    .intoArray(dst, i);
        }
    }

    /** Byte {@code s} (0..7) of {@code packed}, as from {@link #k4Scales} or {@link #k4Mins}. */
    static int at(long packed, int s) {
        return (int) (packed >>> (8 * s)) & 0xFF;
    }

    /**
     * The eight 6-bit scales of a Q4_K/Q5_K super-block, byte j of the result for sub-block j, from the 12 packed
     * bytes at {@code at} (layout: {@link QuantLanes#k4Scale}). Bytes 0..3 keep scales 0..3 in their low 6 bits;
     * scales 4..7 take their low 4 bits from the low nibbles of bytes 8..11 and their top 2 bits from the top of
     * bytes 0..3 — per byte, {@code (b >> 6) << 4 == (b >> 2) & 0x30}.
     */
    static long k4Scales(MemorySegment w, long at) {
        int u0 = w.get(Kernels.INT, at);
        int u2 = w.get(Kernels.INT, at + 8);
        int low = u0 & 0x3F3F3F3F;
        int high = (u2 & 0x0F0F0F0F) | ((u0 >>> 2) & 0x30303030);
        return (low & 0xFFFFFFFFL) | (long) high << 32;
    }

    /** The eight 6-bit mins, as {@link #k4Scales}: bytes 4..7 for mins 0..3; high nibbles of 8..11 and top of 4..7. */
    static long k4Mins(MemorySegment w, long at) {
        int u1 = w.get(Kernels.INT, at + 4);
        int u2 = w.get(Kernels.INT, at + 8);
        int low = u1 & 0x3F3F3F3F;
        int high = ((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 2) & 0x30303030);
        return (low & 0xFFFFFFFFL) | (long) high << 32;
    }
}
