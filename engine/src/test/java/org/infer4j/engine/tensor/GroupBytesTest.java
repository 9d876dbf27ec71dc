package org.infer4j.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GroupBytes} against its definition, byte by byte: the columns in lane order, the row-order longs and the
 * 16-bit values made of two columns, for row sizes of every type's blocks (18, 34, 144 and 210 bytes, whole rows
 * or not a multiple of eight) read from an offset inside a larger segment, as the layouts read a tensor's groups.
 */
class GroupBytesTest {
    @ParameterizedTest
    @ValueSource(ints = {8, 18, 34, 36, 144, 210, 420, 1680, 5168})
    void columnsHoldEachRowsBytesInLaneOrder(int rowBytes) {
        Random rnd = new Random(rowBytes);
        long offset = 3 * rowBytes + 5; // groups start anywhere in a tensor's bytes
        MemorySegment data = Arena.ofAuto().allocate(offset + (long) RowGroups.GROUP * rowBytes + 7);
        for (long i = 0; i < data.byteSize(); i++) {
            data.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
        }
        GroupBytes group = new GroupBytes(rowBytes);
        for (int pass = 0; pass < 2; pass++) { // a second read replaces the first
            long at = offset + pass;
            group.read(data, at);
            for (int q = 0; q < rowBytes; q++) {
                for (int lane = 0; lane < RowGroups.GROUP; lane++) {
                    byte expected = data.get(ValueLayout.JAVA_BYTE, at + (long) RowGroups.row(lane) * rowBytes + q);
                    byte actual = (byte) (group.columns[4 * q + lane / 8] >>> 8 * (lane % 8));
                    assertThat(actual).as("column %d, lane %d", q, lane).isEqualTo(expected);
                }
                for (int k = 0; k < 4; k++) {
                    long rows = group.inRowOrder(q, k);
                    for (int i = 0; i < 8; i++) {
                        byte expected = data.get(ValueLayout.JAVA_BYTE, at + (long) (8 * k + i) * rowBytes + q);
                        assertThat((byte) (rows >>> 8 * i)).as("column %d, row %d", q, 8 * k + i).isEqualTo(expected);
                    }
                }
            }
            byte[] halves = new byte[2 * 64];
            group.halvesInRowOrder(rowBytes - 2, halves, 64);
            for (int row = 0; row < RowGroups.GROUP; row++) {
                for (int b = 0; b < 2; b++) {
                    byte expected = data.get(ValueLayout.JAVA_BYTE, at + (long) row * rowBytes + rowBytes - 2 + b);
                    assertThat(halves[64 + 2 * row + b]).as("row %d, byte %d", row, b).isEqualTo(expected);
                }
            }
            assertThat(java.util.Arrays.copyOf(halves, 64)).as("nothing written before").containsOnly((byte) 0);
        }
    }
}
