package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Small pieces shared by the integer kernels of the quantized types: widening bytes to int lanes, the lane
 * index (to pick one bit per lane out of a bit mask), and the 6-bit scale/min packing of Q4_K and Q5_K.
 */
final class QuantLanes {
    /** 0, 1, 2, ... one per int lane. */
    static final IntVector LANE_INDEX = IntVector.zero(Kernels.INTS).addIndex(1);

    private QuantLanes() {}

    /** {@link Kernels#LANES} int8 of {@code a} at {@code offset}, sign-extended to int lanes. */
    static IntVector ints(byte[] a, int offset) {
        return widen(ByteVector.fromArray(Kernels.BYTES, a, offset));
    }

    /** {@link Kernels#LANES} bytes of {@code w} at {@code offset}. */
    static ByteVector bytes(MemorySegment w, long offset) {
        return ByteVector.fromMemorySegment(Kernels.BYTES, w, offset, Kernels.LE);
    }

    static IntVector widen(ByteVector v) {
        return (IntVector) v.convertShape(VectorOperators.B2I, Kernels.INTS, 0);
    }

    /** Lane i holds bit {@code first + i} of {@code mask}, as 0 or 1. */
    static IntVector bits(int mask, int first) {
        return IntVector.broadcast(Kernels.INTS, mask >>> first).lanewise(VectorOperators.LSHR, LANE_INDEX).and(1);
    }

    static int u8(MemorySegment w, long offset) {
        return w.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    static float half(MemorySegment w, long offset) {
        return Float.float16ToFloat(w.get(Kernels.HALF, offset));
    }

    /**
     * The 6-bit scale of sub-block {@code j} (0..7) from the 12 packed bytes at {@code at}: sub-blocks 0..3 keep
     * scale and min in the low 6 bits of bytes j and j+4; sub-blocks 4..7 keep their low 4 bits in the nibbles of
     * byte j+4 and their top 2 bits in the top bits of bytes j-4 (scale) and j (min).
     */
    static int k4Scale(MemorySegment w, long at, int j) {
        return j < 4 ? u8(w, at + j) & 63 : (u8(w, at + j + 4) & 0x0F) | ((u8(w, at + j - 4) >>> 6) << 4);
    }

    /** The 6-bit min of sub-block {@code j}; see {@link #k4Scale}. */
    static int k4Min(MemorySegment w, long at, int j) {
        return j < 4 ? u8(w, at + j + 4) & 63 : (u8(w, at + j + 4) >>> 4) | ((u8(w, at + j) >>> 6) << 4);
    }
}
