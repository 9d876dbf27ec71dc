package org.infer4j.engine.convert;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.infer4j.gguf.GgmlType;

/**
 * Converts tensor elements between F32, F16 and BF16 (all little-endian), rounding as gguf-py does:
 * to F16 with IEEE round-to-nearest-even, to BF16 by rounding the F32 bits to nearest-even with NaNs kept quiet.
 */
final class ElementConversion {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ElementConversion() {}

    /** {@code source} unchanged when the types agree, else a converted copy in new memory. */
    static MemorySegment convert(MemorySegment source, SafetensorsDType from, GgmlType to) {
        if (sameType(from, to)) {
            return source;
        }
        long n = source.byteSize() / from.bytes();
        int toBytes = switch (to) {
            case F32 -> 4;
            case F16, BF16 -> 2;
            default -> throw new IllegalArgumentException("the converter does not write " + to);
        };
        MemorySegment out = Arena.ofAuto().allocate(n * toBytes, 8);
        for (long i = 0; i < n; i++) {
            float v = read(source, from, i);
            switch (to) {
                case F32 -> out.setAtIndex(F32, i, v);
                case F16 -> out.setAtIndex(U16, i, Float.floatToFloat16(v));
                case BF16 -> out.setAtIndex(U16, i, toBf16(v));
                default -> throw new IllegalStateException();
            }
        }
        return out;
    }

    /** A copy of the F32 elements of {@code source}, each plus {@code addend}. */
    static MemorySegment add(MemorySegment source, float addend) {
        long n = source.byteSize() / 4;
        MemorySegment out = Arena.ofAuto().allocate(source.byteSize(), 8);
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, i, source.getAtIndex(F32, i) + addend);
        }
        return out;
    }

    private static boolean sameType(SafetensorsDType from, GgmlType to) {
        return switch (from) {
            case F32 -> to == GgmlType.F32;
            case F16 -> to == GgmlType.F16;
            case BF16 -> to == GgmlType.BF16;
        };
    }

    static float read(MemorySegment source, SafetensorsDType type, long i) {
        return switch (type) {
            case F32 -> source.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(source.getAtIndex(U16, i));
            case BF16 -> Float.intBitsToFloat((source.getAtIndex(U16, i) & 0xffff) << 16);
        };
    }

    static short toBf16(float v) {
        long bits = Float.floatToRawIntBits(v) & 0xffffffffL;
        if ((bits & 0x7fffffffL) > 0x7f800000L) {
            bits = (bits & 0xffff0000L) | (64L << 16); // NaN: keep sign and exponent, force a quiet mantissa
        }
        return (short) ((bits + (0x7fffL + ((bits >> 16) & 1))) >> 16);
    }
}
