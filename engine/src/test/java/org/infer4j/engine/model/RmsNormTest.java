package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The RMS norm of a batch's rows: each row as ggml computes it, whatever rows it is done with. */
class RmsNormTest {

    /**
     * Rows normed four at a time (their sums side by side) are bit for bit the rows normed alone, in place or not,
     * and one row's result is its squares summed in order in double, as ggml sums them.
     */
    @Test
    void rowsTogetherAreTheRowsAlone() {
        Random rnd = new Random(4);
        int dim = 67, rows = 11;
        float[] x = new float[rows * dim];
        float[] weight = new float[dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2));
        }
        for (int i = 0; i < dim; i++) {
            weight[i] = (float) rnd.nextGaussian();
        }
        float eps = 1e-6f;
        float[] together = new float[rows * dim];
        TransformerModel.rmsNormRows(x, weight, together, dim, eps, 1, rows);
        float[] inPlace = x.clone();
        TransformerModel.rmsNormRows(inPlace, weight, inPlace, dim, eps, 1, rows);
        for (int t = 1; t < rows; t++) {
            float[] alone = new float[rows * dim];
            TransformerModel.rmsNormRows(x, weight, alone, dim, eps, t, t + 1);
            double sum = 0;
            for (int i = 0; i < dim; i++) {
                sum += x[t * dim + i] * x[t * dim + i];
            }
            float scale = 1f / (float) Math.sqrt((float) (sum / dim) + eps);
            for (int i = 0; i < dim; i++) {
                int at = t * dim + i;
                assertThat(together[at]).as("row %d, %d", t, i).isEqualTo(alone[at]);
                assertThat(inPlace[at]).as("in place, row %d, %d", t, i).isEqualTo(alone[at]);
                assertThat(alone[at]).as("ggml's order, row %d, %d", t, i).isEqualTo(x[at] * scale * weight[i]);
            }
        }
        assertThat(together[0]).as("rows before the range untouched").isZero();
    }
}
