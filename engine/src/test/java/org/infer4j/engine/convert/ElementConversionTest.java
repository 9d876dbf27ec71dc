package org.infer4j.engine.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.infer4j.gguf.GgmlType;
import org.junit.jupiter.api.Test;

class ElementConversionTest {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void bf16RoundsToNearestEvenAndKeepsNaNsQuiet() {
        assertEquals((short) 0x3f80, ElementConversion.toBf16(1f));
        // 1 + 2^-8 is exactly half way between two bf16 values: ties go to the even mantissa (1.0)
        assertEquals((short) 0x3f80, ElementConversion.toBf16(Float.intBitsToFloat(0x3f808000)));
        // 1 + 3 * 2^-8 is half way with an odd lower neighbour: rounds up
        assertEquals((short) 0x3f82, ElementConversion.toBf16(Float.intBitsToFloat(0x3f818000)));
        assertEquals((short) 0x3f81, ElementConversion.toBf16(Float.intBitsToFloat(0x3f808001)));
        assertEquals((short) 0x7fc0, ElementConversion.toBf16(Float.intBitsToFloat(0x7f800001)));
        assertEquals((short) 0xff80, ElementConversion.toBf16(Float.NEGATIVE_INFINITY));
    }

    @Test
    void convertsBetweenTypesAndPassesSameTypeThrough() {
        MemorySegment f32 = MemorySegment.ofArray(new float[] {1.5f, -0.1f, 65504f, 1e-8f});
        assertSame(f32, ElementConversion.convert(f32, SafetensorsDType.F32, GgmlType.F32));
        MemorySegment f16 = ElementConversion.convert(f32, SafetensorsDType.F32, GgmlType.F16);
        assertEquals(8, f16.byteSize());
        assertEquals(Float.floatToFloat16(-0.1f), f16.getAtIndex(U16, 1));
        assertEquals(65504f, ElementConversion.read(f16, SafetensorsDType.F16, 2));
        MemorySegment bf16 = ElementConversion.convert(f16, SafetensorsDType.F16, GgmlType.BF16);
        assertEquals(1.5f, ElementConversion.read(bf16, SafetensorsDType.BF16, 0));
        MemorySegment back = ElementConversion.convert(bf16, SafetensorsDType.BF16, GgmlType.F32);
        assertEquals(1.5f, back.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
    }
}
