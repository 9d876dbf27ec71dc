package org.infer4j.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.infer4j.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The int16 path of the batched product ({@link Int16Gemm}); {@link TileGemmTest} checks it against the one-token
 * kernels on uneven shapes. Here: its tiles give back the weights, the blocks whose int16 sums reach the
 * largest magnitudes the formats allow are summed without overflow. {@link ColumnsTest} checks its products in
 * columns.
 */
class Int16GemmTest {
    private static WorkerPool pool;

    @BeforeAll
    static void startPool() {
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K"})
    void tilesAreTheWeightsAsScaleTimesQuantPlusBias(GgmlType type) {
        tilesAreTheWeights(type, 5, 1, 5);
    }

    /**
     * 70 rows: two groups of 32 re-laid for one token ({@link RowGroups}), whose tiles then come from the copy
     * ({@link GroupColumns}), and 6 rows from the file; ranges that start and end inside groups and cross into the
     * file's rows.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K"})
    void tilesOfReLaidRowsAreTheWeights(GgmlType type) {
        tilesAreTheWeights(type, 70, 0, 70);
        tilesAreTheWeights(type, 70, 7, 45);
        tilesAreTheWeights(type, 70, 33, 69);
    }

    private static void tilesAreTheWeights(GgmlType type, int rows, int rowFrom, int rowTo) {
        Random rnd = new Random(3);
        int cols = 1024;
        byte[] bytes = type == GgmlType.Q4_0
                ? Quantizer.encode(type, WeightMatrixTest.randomFloats(rnd, rows * cols), 0, rows * cols)
                : QuantizedMatrixTest.randomBlocks(type, rnd, rows * cols / type.blockSize());
        Int16Tiles m = (Int16Tiles) WeightMatrix.of("w", type, MemorySegment.ofArray(bytes), rows, cols);
        int colFrom = 256, colTo = 768, stride = colTo - colFrom + 32, blocks = (colTo - colFrom) / 32;
        int n = rowTo - rowFrom;
        int[] quants = new int[n * stride];
        float[] scales = new float[2 * n * blocks];
        m.int16Tile(rowFrom, rowTo, colFrom, colTo, quants, stride, scales, 0, n * blocks, blocks);
        float[] row = new float[cols];
        for (int r = rowFrom; r < rowTo; r++) {
            m.dequantizeRow(r, row, 0);
            for (int c = colFrom; c < colTo; c++) {
                int packed = quants[(r - rowFrom) * stride + c - colFrom];
                assertThat((short) (packed >>> 16)).as("both halves").isEqualTo((short) packed);
                assertThat((int) (short) packed).isBetween(-8, 7);
                int b = (r - rowFrom) * blocks + (c - colFrom) / 32;
                float bias = m.biased() ? scales[n * blocks + b] : 0;
                float weight = scales[b] * (short) packed + bias;
                assertThat(weight).as("row %d col %d", r, c).isCloseTo(row[c], Offset.offset(1e-6f * Math.abs(row[c]) + 1e-9f));
            }
            for (int c = colTo - colFrom; c < stride; c++) {
                assertThat(quants[(r - rowFrom) * stride + c]).as("past the columns, row %d", r).isZero();
            }
        }
    }

    /**
     * Every quant at the end of its range that meets the input's sign, every input value at ±127: each block's int16
     * sum is ±8·127·32 = ±32512, near the int16 limit. The product must still be the exact sum of the blocks.
     */
    @Test
    void extremeQ4_0BlocksSumWithoutOverflow() {
        extremeQ4_0Blocks(7, TileGemm.PANEL + 5);
        // Two groups re-laid for one token (RowGroups): their int16 sums wrap on the way and come out exact.
        extremeQ4_0Blocks(64, 1);
        extremeQ4_0Blocks(64, TileGemm.PANEL + 5);
    }

    private static void extremeQ4_0Blocks(int rows, int tokens) {
        int cols = 512;
        byte[] bytes = new byte[rows * cols / 32 * 18];
        for (int b = 0; b < rows * cols / 32; b++) {
            bytes[18 * b] = 0x00;
            bytes[18 * b + 1] = 0x3C; // scale 1.0 in half precision
            // nibble 0 (-8) in even rows, nibble 15 (+7) in odd rows: most negative and most positive weights
            Arrays.fill(bytes, 18 * b + 2, 18 * b + 18, (b / (cols / 32)) % 2 == 0 ? (byte) 0x00 : (byte) 0xFF);
        }
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q4_0, MemorySegment.ofArray(bytes), rows, cols);
        Activations x = new Activations(tokens, cols);
        for (int t = 0; t < tokens; t++) {
            // Constant tokens quantize to ±127 in every block; their sign alternates with the token.
            Arrays.fill(x.values(), t * cols, (t + 1) * cols, t % 2 == 0 ? 0.5f : -0.25f);
        }
        x.set(tokens, cols);
        float[] out = new float[tokens * rows];
        new MatMul(pool, cols).multiply(m, x, out);
        for (int t = 0; t < tokens; t++) {
            float value = t % 2 == 0 ? 0.5f : -0.25f;
            for (int r = 0; r < rows; r++) {
                // Input scale |v|/127 rounded to half precision, times ±127 per value: the quantized input is ±127·d.
                float d = Half.roundToF16(Math.abs(value) / 127f);
                double expected = (r % 2 == 0 ? -8 : 7) * Math.signum(value) * 127 * d * cols;
                assertThat((double) out[t * rows + r]).as("row %d token %d", r, t)
                        .isCloseTo(expected, Offset.offset(1e-5 * Math.abs(expected)));
            }
        }
    }

    /** As {@link #extremeQ4_0BlocksSumWithoutOverflow} for Q4_K: scale 63, no min, every nibble 0 (-8 centred). */
    @Test
    void extremeQ4_KBlocksSumWithoutOverflow() {
        int rows = 4, cols = 512, tokens = 2 * TileGemm.PANEL;
        byte[] bytes = new byte[rows * cols / 256 * 144];
        for (int b = 0; b < rows * cols / 256; b++) {
            int at = 144 * b;
            bytes[at + 1] = 0x3C; // d = 1.0
            // dmin = 0; scales 0..3 = 63 with the high bits of scales 4..7 (3) on top; mins 0; scales 4..7 low bits 15
            Arrays.fill(bytes, at + 4, at + 8, (byte) 0xFF);
            Arrays.fill(bytes, at + 12, at + 16, (byte) 0x0F);
            // nibbles: 0 everywhere (weight 0·63 = 0 after the -8 centring is undone)
        }
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q4_K, MemorySegment.ofArray(bytes), rows, cols);
        float[] row = new float[cols];
        m.dequantizeRow(0, row, 0);
        assertThat(row).containsOnly(0f);
        // Make the nibbles 15 (weight 15·63 = 945) in odd rows: their centred quants are +7, even rows' -8.
        for (int b = 0; b < rows * cols / 256; b++) {
            if ((b / (cols / 256)) % 2 == 1) {
                Arrays.fill(bytes, 144 * b + 16, 144 * b + 144, (byte) 0xFF);
            }
        }
        Activations x = new Activations(tokens, cols);
        for (int t = 0; t < tokens; t++) {
            Arrays.fill(x.values(), t * cols, (t + 1) * cols, t % 2 == 0 ? 2f : -3f);
        }
        x.set(tokens, cols);
        float[] out = new float[tokens * rows];
        new MatMul(pool, cols).multiply(m, x, out);
        for (int t = 0; t < tokens; t++) {
            float value = t % 2 == 0 ? 2f : -3f;
            for (int r = 0; r < rows; r++) {
                // Q8_K quantizes a constant block to -127 with scale -value/127: the input is the value itself. Even
                // rows are 0 as the difference of two block terms of ~32512·63·scale each, so the tolerance is
                // relative to the terms, not to the result.
                double expected = (r % 2 == 0 ? 0 : 945) * (double) value * cols;
                assertThat((double) out[t * rows + r]).as("row %d token %d", r, t)
                        .isCloseTo(expected, Offset.offset(1e-6 * 945 * Math.abs(value) * cols));
            }
        }
    }
}
