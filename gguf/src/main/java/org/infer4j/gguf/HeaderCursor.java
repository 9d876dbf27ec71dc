package org.infer4j.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Sequential little-endian reads over the mapped file with a bounds check on every read, so a
 * corrupt or truncated header turns into a {@link GgufFormatException} rather than an
 * out-of-bounds access or a huge allocation.
 */
final class HeaderCursor {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment file;
    private long position;

    HeaderCursor(MemorySegment file) {
        this.file = file;
    }

    long position() {
        return position;
    }

    long remaining() {
        return file.byteSize() - position;
    }

    private long advance(long bytes, String what) {
        if (bytes < 0 || bytes > remaining()) {
            throw new GgufFormatException("truncated header: " + what + " needs " + Long.toUnsignedString(bytes)
                    + " bytes at offset " + position + " but the file has " + remaining() + " left");
        }
        long at = position;
        position += bytes;
        return at;
    }

    int u8() {
        return Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, advance(1, "a byte")));
    }

    int u16() {
        return Short.toUnsignedInt(file.get(U16, advance(2, "a 16-bit value")));
    }

    int i32() {
        return file.get(U32, advance(4, "a 32-bit value"));
    }

    long u32() {
        return Integer.toUnsignedLong(i32());
    }

    long i64() {
        return file.get(U64, advance(8, "a 64-bit value"));
    }

    float f32() {
        return file.get(F32, advance(4, "a float"));
    }

    double f64() {
        return file.get(F64, advance(8, "a double"));
    }

    /** A count that must be plausible: each counted item takes at least {@code minItemBytes}. */
    long count(String what, int minItemBytes) {
        long n = i64();
        if (n < 0 || (minItemBytes > 0 && n > remaining() / minItemBytes)) {
            throw new GgufFormatException("implausible " + what + " " + Long.toUnsignedString(n)
                    + " at offset " + (position - 8) + ": the file is too short for it");
        }
        return n;
    }

    String string() {
        long length = i64();
        long at = advance(length, "a string");
        if (length > Integer.MAX_VALUE - 16) {
            throw new GgufFormatException("string of " + length + " bytes at offset " + at + " is too long");
        }
        // Not MemorySegment.copy(segment, ..., array, ...): 128k calls of it here, at load, left a profile inside the
        // JDK that the kernels' segment loads share, and one start in two of a Q5_K_M file then ran its Q6_K kernel
        // boxed (tg32 10.5 instead of 11.8 t/s, with garbage collections).
        byte[] bytes = file.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE);
        // Malformed UTF-8 becomes U+FFFD, as a replacing decoder would do, without one decoder per string (a
        // 128k-token vocabulary is 128k strings: the file opened in ~165 ms that way, ~100 now).
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
