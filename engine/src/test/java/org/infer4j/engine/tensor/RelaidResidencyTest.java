package org.infer4j.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.infer4j.gguf.GgmlType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Weights re-laid for one token ({@link RowGroups}) are held once: after loading, the mapped file's pages of the
 * grouped rows are no longer resident in this process, and neither a generated token nor a batch brings them back
 * (both read the copy), nor does looking up a row (token embeddings). Measured as the operating system reports it:
 * the resident size of the file's mapping in {@code /proc/self/smaps} (Linux).
 */
class RelaidResidencyTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K", "Q6_K", "Q8_0"})
    void groupedRowsLeaveTheMappingAndStayOut(GgmlType type) throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")) && RowGroups.supported(), "Linux with 512-bit vectors");
        int rows = 256, cols = 2048, tokens = 5; // 256 KB and more of weights: whole pages
        Random rnd = new Random(7);
        byte[] bytes = type.blockSize() == 32
                ? Quantizer.encode(type, WeightMatrixTest.randomFloats(rnd, rows * cols), 0, rows * cols)
                : QuantizedMatrixTest.randomBlocks(type, rnd, rows * cols / type.blockSize());
        Path file = dir.resolve("weights-" + type + ".bin");
        Files.write(file, bytes);
        try (Arena arena = Arena.ofShared();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             WorkerPool pool = new WorkerPool(2)) {
            MemorySegment data = channel.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            data.load();
            assertThat(residentKb(file)).as("loaded").isGreaterThanOrEqualTo(bytes.length / 1024 - 4);

            WeightMatrix m = WeightMatrix.of("w", type, data, rows, cols);
            assertThat(residentKb(file)).as("after the layout").isLessThanOrEqualTo(4);

            MatMul matmul = new MatMul(pool, cols);
            for (int n : List.of(1, tokens)) {
                Activations x = new Activations(n, cols);
                System.arraycopy(WeightMatrixTest.randomFloats(rnd, n * cols), 0, x.values(), 0, n * cols);
                x.set(n, cols);
                matmul.multiply(m, x, new float[n * rows]);
                assertThat(residentKb(file)).as("after %d tokens", n).isLessThanOrEqualTo(4);
            }
            float[] row = new float[cols];
            m.dequantizeRow(rows / 2, row, 0); // a token's embedding
            assertThat(residentKb(file)).as("after a row lookup").isLessThanOrEqualTo(4);
        }
    }

    private static final Pattern MAPPING = Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    /** Resident kilobytes of this process's mappings of {@code file}. */
    private static long residentKb(Path file) throws IOException {
        String name = file.toRealPath().toString();
        long kb = 0;
        boolean inFile = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (MAPPING.matcher(line).lookingAt()) { // a mapping's first line: its range, ..., its path
                inFile = line.endsWith(" " + name);
            } else if (inFile && line.startsWith("Rss:")) {
                kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return kb;
    }
}
