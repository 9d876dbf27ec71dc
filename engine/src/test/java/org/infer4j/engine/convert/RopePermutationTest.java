package org.infer4j.engine.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Q/K permutation turns Hugging Face's rotate-half RoPE into llama.cpp's adjacent-pair RoPE: rotating the
 * permuted projection pairwise gives the same rotated vector as rotating the original by halves, reordered.
 */
class RopePermutationTest {
    private static final int HEADS = 3;
    private static final int HEAD_DIM = 8;
    private static final int COLS = 5;

    @Test
    void adjacentPairRopeOnPermutedRowsEqualsRotateHalfRopeOnOriginalRows() {
        Random random = new Random(42);
        int rows = HEADS * HEAD_DIM;
        float[] w = new float[rows * COLS];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        float[] x = new float[COLS];
        for (int i = 0; i < COLS; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] permuted = new RopePermutation(HEADS).apply("q", MemorySegment.ofArray(w), rows)
                .toArray(ValueLayout.JAVA_FLOAT);
        double[] hf = matVec(w, x, rows);
        double[] cpp = matVec(permuted, x, rows);
        int position = 7;
        double theta = 10000;
        for (int h = 0; h < HEADS; h++) {
            int base = h * HEAD_DIM;
            int half = HEAD_DIM / 2;
            for (int i = 0; i < half; i++) {
                double angle = position * Math.pow(theta, -2.0 * i / HEAD_DIM);
                double c = Math.cos(angle);
                double s = Math.sin(angle);
                // Hugging Face: element i pairs with i + d/2
                double hfFirst = hf[base + i] * c - hf[base + i + half] * s;
                double hfSecond = hf[base + i + half] * c + hf[base + i] * s;
                // llama.cpp (LLAMA_ROPE_TYPE_NORM): element 2i pairs with 2i + 1
                double cppFirst = cpp[base + 2 * i] * c - cpp[base + 2 * i + 1] * s;
                double cppSecond = cpp[base + 2 * i] * s + cpp[base + 2 * i + 1] * c;
                assertEquals(hfFirst, cppFirst, 1e-9);
                assertEquals(hfSecond, cppSecond, 1e-9);
            }
        }
    }

    @Test
    void rowOrderWithinEachHead() {
        // 2 heads of 4 rows, one column: rows 0..7 → per head [0, 2, 1, 3]
        float[] rows = {0, 1, 2, 3, 4, 5, 6, 7};
        float[] out = new RopePermutation(2).apply("k", MemorySegment.ofArray(rows), 8).toArray(ValueLayout.JAVA_FLOAT);
        assertArrayEquals(new float[] {0, 2, 1, 3, 4, 6, 5, 7}, out);
    }

    @Test
    void rowsThatDoNotSplitIntoHeadsAreRejected() {
        assertThrows(UnsupportedCheckpointException.class,
                () -> new RopePermutation(3).apply("q", MemorySegment.ofArray(new float[8]), 8));
    }

    private static double[] matVec(float[] w, float[] x, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < COLS; c++) {
                out[r] += (double) w[r * COLS + c] * x[c];
            }
        }
        return out;
    }
}
