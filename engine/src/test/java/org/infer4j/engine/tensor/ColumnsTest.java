package org.infer4j.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.infer4j.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A batch's feed-forward in columns: products written in columns ({@link MatMul#multiplyColumns}) by both batched
 * kernels ({@link Int16Gemm}, {@link TileGemm}) and the Q8_0 panels laid out from columns
 * ({@link Activations#setQuantizedColumns}, int16 and float) are those of the batch in rows, bit for bit.
 */
class ColumnsTest {
    private static WorkerPool pool;

    @BeforeAll
    static void startPool() {
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    /**
     * Batches of whole and partial panels (the last of one, two or three vectors), two matrices of uneven rows
     * (partial row groups and micro-tiles), columns ending in a partial chunk: the int16 types, a float type summed
     * in short runs (F32), and quantized float-tile types with blocks of 32 and 256.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K", "Q8_0", "Q5_0", "Q6_K", "F32"})
    void productsInColumnsAreTheProductsInRowsTransposed(GgmlType type) {
        Random rnd = new Random(11);
        int cols = type.blockSize() == 256 ? 768 : 608;
        int[] rowCounts = {TileGemm.ROW_GROUP + 5, 37};
        WeightMatrix[] m = new WeightMatrix[2];
        for (int i = 0; i < 2; i++) {
            m[i] = matrix(type, rowCounts[i], cols, rnd);
            assertThat(MatMul.writesColumns(m[i])).isTrue();
        }
        for (int tokens : new int[] {2, 17, 40, TileGemm.PANEL, TileGemm.PANEL + 40, 2 * TileGemm.PANEL + 3}) {
            Activations x = new Activations(tokens, cols);
            float[] values = WeightMatrixTest.randomFloats(rnd, tokens * cols);
            MatMul matmul = new MatMul(pool, cols);
            float[][] rows = {new float[tokens * rowCounts[0]], new float[tokens * rowCounts[1]]};
            System.arraycopy(values, 0, x.values(), 0, values.length);
            x.set(tokens, cols);
            matmul.multiply(m[0], rows[0], m[1], rows[1], x);
            int stride = MatMul.columnStride(tokens);
            float[][] columns = {new float[rowCounts[0] * stride], new float[rowCounts[1] * stride]};
            x.set(tokens, cols);
            matmul.multiplyColumns(m[0], columns[0], m[1], columns[1], x);
            for (int i = 0; i < 2; i++) {
                for (int r = 0; r < rowCounts[i]; r++) {
                    for (int t = 0; t < tokens; t++) {
                        assertThat(columns[i][r * stride + t]).as("%s matrix %d row %d token %d of %d", type, i, r, t, tokens)
                                .isEqualTo(rows[i][t * rowCounts[i] + r]);
                    }
                }
            }
        }
    }

    /** Types whose batches run neither tiled kernel write no columns (Q4_1, Q5_1: a row at a time). */
    @Test
    void rowAtATimeTypesWriteNoColumns() {
        Random rnd = new Random(3);
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_1, GgmlType.Q5_1}) {
            WeightMatrix w = matrix(type, 4, 64, rnd);
            assertThat(MatMul.writesColumns(w)).as(type.name()).isFalse();
            assertThat(MatMul.readsQuantizedColumns(w)).as(type.name()).isFalse();
        }
        assertThat(MatMul.readsQuantizedColumns(matrix(GgmlType.Q6_K, 4, 256, rnd))).as("Q6_K reads Q8_K").isFalse();
    }

    /**
     * A batch given in columns is laid out as the same Q8_0 panels, values and scales bit for bit, as the batch in
     * rows: int16 panels for an int16-tiled reader (Q4_0), float panels for a float-tiled one (Q8_0, Q5_0); whole
     * and partial panels, tokens of very different magnitudes, an all-zero block, and garbage past the batch in the
     * columns that must not be read.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q5_0"})
    void panelsFromColumnsAreThePanelsFromRows(GgmlType readerType) {
        Random rnd = new Random(12);
        int cols = 96;
        WeightMatrix reader = matrix(readerType, 1, cols, rnd);
        boolean int16 = reader instanceof Int16Tiles;
        for (int tokens : new int[] {2, 16, 33, TileGemm.PANEL, TileGemm.PANEL + 17, 3 * TileGemm.PANEL}) {
            float[] values = new float[tokens * cols];
            for (int t = 0; t < tokens; t++) {
                float magnitude = (float) Math.pow(10, rnd.nextInt(7) - 3);
                for (int c = 0; c < cols; c++) {
                    values[t * cols + c] = c >= 32 && c < 64 && t % 5 == 0 ? 0f : (float) rnd.nextGaussian() * magnitude;
                }
            }
            int stride = MatMul.columnStride(tokens);
            float[] columns = new float[cols * stride];
            Arrays.fill(columns, Float.NaN);
            for (int t = 0; t < tokens; t++) {
                for (int c = 0; c < cols; c++) {
                    columns[c * stride + t] = values[t * cols + c];
                }
            }
            Activations fromRows = new Activations(tokens, cols);
            System.arraycopy(values, 0, fromRows.values(), 0, values.length);
            fromRows.set(tokens, cols);
            fromRows.prepare(InputFormat.Q8_0, int16, false, pool);
            Activations fromColumns = new Activations(tokens, cols);
            fromColumns.setQuantizedColumns(columns, stride, tokens, cols, reader, pool);
            fromColumns.prepare(InputFormat.Q8_0, int16, false, pool);
            int padded = TileGemm.paddedTokens(tokens);
            if (int16) {
                Int16Panels expected = fromRows.int16Panels(InputFormat.Q8_0);
                Int16Panels actual = fromColumns.int16Panels(InputFormat.Q8_0);
                assertThat(Arrays.copyOf(actual.values(InputFormat.Q8_0), padded * cols)).as("values, %d tokens", tokens)
                        .isEqualTo(Arrays.copyOf(expected.values(InputFormat.Q8_0), padded * cols));
                assertThat(Arrays.copyOf(actual.scales(InputFormat.Q8_0), padded * cols / 32)).as("scales, %d tokens", tokens)
                        .isEqualTo(Arrays.copyOf(expected.scales(InputFormat.Q8_0), padded * cols / 32));
            } else {
                assertThat(Arrays.copyOf(fromColumns.panels(InputFormat.Q8_0), padded * cols)).as("panels, %d tokens", tokens)
                        .isEqualTo(Arrays.copyOf(fromRows.panels(InputFormat.Q8_0), padded * cols));
            }
        }
    }

    /**
     * A batch set in columns is read only in the form its reader takes; after {@code set} the rows' forms work
     * again. A reader that takes no Q8_0 panels is refused.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void aBatchSetInColumnsHasNoOtherForm(GgmlType readerType) {
        int tokens = 3, cols = 32;
        WeightMatrix reader = matrix(readerType, 1, cols, new Random(5));
        boolean int16 = reader instanceof Int16Tiles;
        Activations x = new Activations(tokens, cols);
        int stride = MatMul.columnStride(tokens);
        x.setQuantizedColumns(new float[cols * stride], stride, tokens, cols, reader, pool);
        x.prepare(InputFormat.Q8_0, int16, false, pool);
        // The rows were never written: their Q8_0 form in the other layout (or any other form) is not there to be had.
        assertThatThrownBy(() -> x.prepare(InputFormat.Q8_0, !int16, false, pool))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("columns");
        assertThatThrownBy(() -> x.prepare(InputFormat.Q8_K))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("columns");
        x.set(tokens, cols);
        x.prepare(InputFormat.Q8_0);
        WeightMatrix q4k = matrix(GgmlType.Q4_K, 1, 256, new Random(6));
        assertThatThrownBy(() -> x.setQuantizedColumns(new float[cols * stride], stride, tokens, cols, q4k, pool))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Q8_0 panels");
    }

    private static WeightMatrix matrix(GgmlType type, int rows, int cols, Random rnd) {
        return TileGemmTest.matrix(type, rows, cols, rnd);
    }
}
