package org.infer4j.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.infer4j.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The batched kernel ({@link TileGemm}, every multiply of several tokens) against each type's single-token kernel,
 * token by token, on shapes that cut its tiles unevenly: tokens not a multiple of the panel, rows not a multiple of
 * the micro-tile or of the row group, columns that end in a partial chunk. And every type's
 * {@link WeightMatrix#dequantizeTile} against its {@link WeightMatrix#dequantizeRow}, value for value.
 */
class TileGemmTest {
    private static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K,
            GgmlType.Q6_K};
    private static WorkerPool pool;

    @BeforeAll
    static void startPool() {
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    static Stream<Arguments> shapes() {
        int panel = TileGemm.PANEL;
        List<Arguments> list = new ArrayList<>();
        for (GgmlType type : TYPES) {
            int[][] shapes = type.blockSize() == 256
                    ? new int[][] {{8, 256, 2}, {13, 512, panel + 1}, {67, 768, 17}, {130, 256, panel - 1}, {3, 1280, 2 * panel + 5}}
                    : new int[][] {{8, 32, 2}, {13, 288, panel + 1}, {67, 800, 17}, {130, 96, panel - 1}, {1, 64, 2 * panel + 5},
                    {TileGemm.ROW_GROUP + 9, 544, 3}};
            for (int[] s : shapes) {
                list.add(Arguments.of(type, s[0], s[1], s[2]));
            }
            if (type.blockSize() == 1) {
                // Columns not a multiple of the vector lanes: the panels' last columns are laid out value by value.
                list.add(Arguments.of(type, 37, 100, panel + 3));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2}, {3} tokens")
    @MethodSource("shapes")
    void batchMatchesTheSingleTokenKernel(GgmlType type, int rows, int cols, int tokens) {
        Random rnd = new Random(rows * 131L + cols * 17L + tokens * 3L + type.ordinal());
        WeightMatrix m = matrix(type, rows, cols, rnd);
        float[] input = WeightMatrixTest.randomFloats(rnd, tokens * cols);
        float[] out = new float[tokens * rows];
        Activations x = new Activations(tokens, cols);
        System.arraycopy(input, 0, x.values(), 0, input.length);
        x.set(tokens, cols);
        MatMul matmul = new MatMul(pool, cols);
        matmul.multiply(m, x, out);

        Activations one = new Activations(1, cols);
        float[] single = new float[rows];
        float[] row = new float[cols];
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(input, t * cols, one.values(), 0, cols);
            one.set(1, cols);
            matmul.multiply(m, one, single);
            for (int r = 0; r < rows; r++) {
                m.dequantizeRow(r, row, 0);
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    magnitude += Math.abs(row[c] * input[t * cols + c]);
                }
                assertThat((double) out[t * rows + r]).as("row %d token %d", r, t)
                        .isCloseTo(single[r], Offset.offset(2e-6 * magnitude + 1e-6));
            }
        }

        float[] again = new float[tokens * rows];
        x.set(tokens, cols);
        matmul.multiply(m, x, again);
        assertThat(again).as("same call, same bits").containsExactly(out);
    }

    /** Q/K/V-style: several matrices in one task, with row counts that split 8-row units across matrices. */
    @Test
    void threeMatricesWithUnevenRowsShareOneBatch() {
        Random rnd = new Random(7);
        int cols = 256, tokens = TileGemm.PANEL + 3;
        WeightMatrix a = matrix(GgmlType.Q8_0, 21, cols, rnd);
        WeightMatrix b = matrix(GgmlType.Q4_K, 13, cols, rnd);
        WeightMatrix c = matrix(GgmlType.Q4_0, 30, cols, rnd);
        Activations x = new Activations(tokens, cols);
        float[] input = WeightMatrixTest.randomFloats(rnd, tokens * cols);
        System.arraycopy(input, 0, x.values(), 0, input.length);
        x.set(tokens, cols);
        float[] oa = new float[tokens * 21], ob = new float[tokens * 13], oc = new float[tokens * 30];
        MatMul matmul = new MatMul(pool, cols);
        matmul.multiply(a, oa, b, ob, c, oc, x);
        for (WeightMatrix w : new WeightMatrix[] {a, b, c}) {
            float[] expected = new float[tokens * w.rows()];
            x.set(tokens, cols);
            matmul.multiply(w, x, expected);
            float[] actual = w == a ? oa : w == b ? ob : oc;
            assertThat(actual).as(w.name()).containsExactly(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void tilesDequantizeLikeRows(GgmlType type) {
        Random rnd = new Random(type.ordinal());
        int rows = 11, cols = 4 * Math.max(256, type.blockSize());
        WeightMatrix m = matrix(type, rows, cols, rnd);
        int block = type.blockSize() == 1 ? 32 : type.blockSize();
        int colFrom = block, colTo = cols - block, stride = colTo - colFrom + 5;
        float[] tile = new float[rows * stride];
        m.dequantizeTile(2, rows, colFrom, colTo, tile, stride);
        float[] row = new float[cols];
        for (int r = 2; r < rows; r++) {
            m.dequantizeRow(r, row, 0);
            for (int c = colFrom; c < colTo; c++) {
                assertThat(tile[(r - 2) * stride + c - colFrom]).as("row %d col %d", r, c).isEqualTo(row[c]);
            }
        }
    }

    /**
     * The tiles of rows held by a re-laid copy ({@link RowGroups}: whole groups of 32) against those rows as
     * {@code dequantizeRow} gives them, value for value: a range that starts and ends inside groups, crosses into
     * the rows past them, and whole groups.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(value = GgmlType.class, names = {"Q8_0", "Q6_K", "Q4_0", "Q4_K"})
    void relaidTilesDequantizeLikeRows(GgmlType type) {
        Random rnd = new Random(31 + type.ordinal());
        int rows = 75, cols = 1024;
        WeightMatrix m = matrix(type, rows, cols, rnd);
        int block = type.blockSize();
        float[] row = new float[cols];
        for (int[] range : new int[][] {{5, 70}, {0, 64}, {32, 75}}) {
            int colFrom = block, colTo = cols - block, stride = colTo - colFrom + 3;
            float[] tile = new float[rows * stride];
            m.dequantizeTile(range[0], range[1], colFrom, colTo, tile, stride);
            for (int r = range[0]; r < range[1]; r++) {
                m.dequantizeRow(r, row, 0);
                for (int c = colFrom; c < colTo; c++) {
                    assertThat(tile[(r - range[0]) * stride + c - colFrom]).as("rows %d-%d: row %d col %d", range[0],
                            range[1], r, c).isEqualTo(row[c]);
                }
            }
        }
    }

    static Stream<GgmlType> types() {
        return Stream.of(TYPES);
    }

    /** A matrix of random weights of {@code type} (finite values for the float and legacy types). */
    static WeightMatrix matrix(GgmlType type, int rows, int cols, Random rnd) {
        byte[] bytes = switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 ->
                    Quantizer.encode(type, WeightMatrixTest.randomFloats(rnd, rows * cols), 0, rows * cols);
            default -> QuantizedMatrixTest.randomBlocks(type, rnd, rows * cols / type.blockSize());
        };
        return WeightMatrix.of(type + "-" + rows + "x" + cols, type, MemorySegment.ofArray(bytes), rows, cols);
    }
}
