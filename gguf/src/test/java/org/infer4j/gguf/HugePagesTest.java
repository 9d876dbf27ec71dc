package org.infer4j.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HugePagesTest {
    @TempDir
    Path dir;

    @Test
    void aFileMappingTakesTheAdviceWhereLinuxHasHugePagesAndReadsTheSame() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")), "Linux with transparent huge pages");
        byte[] bytes = new byte[5 << 20];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 12));
        }
        Path file = Files.write(dir.resolve("weights"), bytes);
        try (Arena arena = Arena.ofConfined(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            assertThat(HugePages.advise(mapping)).isTrue();
            assertThat(mapping.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(bytes);
        }
    }

    @Test
    void allocatedMemoryIsZeroedAlignedAndWritableLargeOrSmall() {
        for (long bytes : new long[] {100, (2 << 20) - 64, 2 << 20, (5 << 20) + 7}) {
            MemorySegment m = HugePages.allocate(bytes);
            assertThat(m.byteSize()).isEqualTo(bytes);
            assertThat(m.address() % 64).isZero();
            if (bytes >= 2 << 20 && Files.isReadable(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"))) {
                assertThat(m.address() % (2 << 20)).as("2 MB-aligned, %d bytes", bytes).isZero();
            }
            for (long at = 0; at < bytes; at += 4093) {
                assertThat(m.get(ValueLayout.JAVA_BYTE, at)).isZero();
                m.set(ValueLayout.JAVA_BYTE, at, (byte) at);
            }
            for (long at = 0; at < bytes; at += 4093) {
                assertThat(m.get(ValueLayout.JAVA_BYTE, at)).isEqualTo((byte) at);
            }
            assertThat(m.get(ValueLayout.JAVA_BYTE, bytes - 1)).isZero();
        }
    }

    @Test
    void memoryThatIsNoFileMappingIsLeftAlone() {
        assertThat(HugePages.advise(MemorySegment.ofArray(new byte[1 << 20]))).isFalse();
        try (Arena arena = Arena.ofConfined()) {
            assertThat(HugePages.advise(arena.allocate(1 << 20))).isFalse();
            assertThat(HugePages.advise(MemorySegment.NULL)).isFalse();
        }
    }
}
