package org.infer4j.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Transpose#block} against the definition, element by element, for every count of rows written. */
class TransposeTest {
    @Test
    void blockIsTheTransposeAndWritesOnlyTheRowsAsked() {
        int n = Kernels.LANES;
        int srcStride = n + 5, dstStride = 3 * n + 1, s = 7, d = 11;
        Random rnd = new Random(42);
        float[] src = new float[s + n * srcStride];
        for (int i = 0; i < src.length; i++) {
            src[i] = rnd.nextFloat();
        }
        for (int rows = 1; rows <= n; rows++) {
            float[] dst = new float[d + n * dstStride + n];
            java.util.Arrays.fill(dst, Float.NaN);
            Transpose.block(src, s, srcStride, dst, d, dstStride, rows);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < n; j++) {
                    assertThat(dst[d + i * dstStride + j]).as("rows %d: dst row %d col %d", rows, i, j)
                            .isEqualTo(src[s + j * srcStride + i]);
                }
            }
            // Nothing written between the rows or past them.
            for (int i = 0; i < dst.length; i++) {
                int row = (i - d) / dstStride, col = (i - d) % dstStride;
                if (i < d || col >= n || row >= rows) {
                    assertThat(dst[i]).as("rows %d: dst[%d]", rows, i).isNaN();
                }
            }
        }
    }
}
