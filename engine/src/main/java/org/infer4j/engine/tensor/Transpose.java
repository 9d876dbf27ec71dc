package org.infer4j.engine.tensor;

import jdk.incubator.vector.FloatVector;

/**
 * Transposes square blocks of {@link Kernels#LANES} × {@link Kernels#LANES} floats between a row-major layout and its
 * transpose: the batched kernels keep tokens along the vector lanes while the rest of the model keeps them in rows.
 * <p>
 * With 16 lanes the block passes through registers: four rounds, each swapping the off-diagonal quarters of every
 * 2h × 2h sub-block (h = 8, 4, 2, 1) with one two-source permute per row ({@code selectFrom}, vpermi2ps), 64 permutes
 * and 32 whole-vector moves where a scalar copy makes 256 loads and 256 stores, most of them to other cache lines.
 * Other widths copy element by element.
 */
final class Transpose {
    private static final int N = 16;
    private static final FloatVector LOW_8 = indices(8, false), HIGH_8 = indices(8, true);
    private static final FloatVector LOW_4 = indices(4, false), HIGH_4 = indices(4, true);
    private static final FloatVector LOW_2 = indices(2, false), HIGH_2 = indices(2, true);
    private static final FloatVector LOW_1 = indices(1, false), HIGH_1 = indices(1, true);

    private Transpose() {}

    /**
     * The selectFrom indices of one round: for rows {@code a} (index bit h clear) and {@code b = a + h}, the new row
     * {@code a} keeps {@code a}'s lanes with bit h clear and takes {@code b}'s lanes {@code c - h} in the others
     * ({@code high}: the new row {@code b}, {@code a}'s lanes {@code c + h} and {@code b}'s own).
     */
    private static FloatVector indices(int h, boolean high) {
        if (Kernels.LANES != N) {
            return null;
        }
        float[] index = new float[N];
        for (int c = 0; c < N; c++) {
            boolean own = (c & h) == 0;
            index[c] = high ? (own ? c + h : N + c) : (own ? c : N + c - h);
        }
        return FloatVector.fromArray(Kernels.FLOATS, index, 0);
    }

    /**
     * {@code dst[d + i·dstStride + j] = src[s + j·srcStride + i]} for {@code j < LANES} and {@code i < dstRows}
     * ({@code dstRows ≤ LANES}): a block of LANES rows of {@code src} becomes LANES columns of {@code dst}, of which
     * the first {@code dstRows} rows are written.
     */
    static void block(float[] src, int s, int srcStride, float[] dst, int d, int dstStride, int dstRows) {
        if (Kernels.LANES != N) {
            for (int i = 0; i < dstRows; i++) {
                for (int j = 0; j < Kernels.LANES; j++) {
                    dst[d + i * dstStride + j] = src[s + j * srcStride + i];
                }
            }
            return;
        }
        FloatVector v0 = FloatVector.fromArray(Kernels.FLOATS, src, s);
        FloatVector v1 = FloatVector.fromArray(Kernels.FLOATS, src, s + 1 * srcStride);
        FloatVector v2 = FloatVector.fromArray(Kernels.FLOATS, src, s + 2 * srcStride);
        FloatVector v3 = FloatVector.fromArray(Kernels.FLOATS, src, s + 3 * srcStride);
        FloatVector v4 = FloatVector.fromArray(Kernels.FLOATS, src, s + 4 * srcStride);
        FloatVector v5 = FloatVector.fromArray(Kernels.FLOATS, src, s + 5 * srcStride);
        FloatVector v6 = FloatVector.fromArray(Kernels.FLOATS, src, s + 6 * srcStride);
        FloatVector v7 = FloatVector.fromArray(Kernels.FLOATS, src, s + 7 * srcStride);
        FloatVector v8 = FloatVector.fromArray(Kernels.FLOATS, src, s + 8 * srcStride);
        FloatVector v9 = FloatVector.fromArray(Kernels.FLOATS, src, s + 9 * srcStride);
        FloatVector v10 = FloatVector.fromArray(Kernels.FLOATS, src, s + 10 * srcStride);
        FloatVector v11 = FloatVector.fromArray(Kernels.FLOATS, src, s + 11 * srcStride);
        FloatVector v12 = FloatVector.fromArray(Kernels.FLOATS, src, s + 12 * srcStride);
        FloatVector v13 = FloatVector.fromArray(Kernels.FLOATS, src, s + 13 * srcStride);
        FloatVector v14 = FloatVector.fromArray(Kernels.FLOATS, src, s + 14 * srcStride);
        FloatVector v15 = FloatVector.fromArray(Kernels.FLOATS, src, s + 15 * srcStride);
        FloatVector t;
        // Round h = 8.
        t = LOW_8.selectFrom(v0, v8);
        v8 = HIGH_8.selectFrom(v0, v8);
        v0 = t;
        t = LOW_8.selectFrom(v1, v9);
        v9 = HIGH_8.selectFrom(v1, v9);
        v1 = t;
        t = LOW_8.selectFrom(v2, v10);
        v10 = HIGH_8.selectFrom(v2, v10);
        v2 = t;
        t = LOW_8.selectFrom(v3, v11);
        v11 = HIGH_8.selectFrom(v3, v11);
        v3 = t;
        t = LOW_8.selectFrom(v4, v12);
        v12 = HIGH_8.selectFrom(v4, v12);
        v4 = t;
        t = LOW_8.selectFrom(v5, v13);
        v13 = HIGH_8.selectFrom(v5, v13);
        v5 = t;
        t = LOW_8.selectFrom(v6, v14);
        v14 = HIGH_8.selectFrom(v6, v14);
        v6 = t;
        t = LOW_8.selectFrom(v7, v15);
        v15 = HIGH_8.selectFrom(v7, v15);
        v7 = t;
        // Round h = 4.
        t = LOW_4.selectFrom(v0, v4);
        v4 = HIGH_4.selectFrom(v0, v4);
        v0 = t;
        t = LOW_4.selectFrom(v1, v5);
        v5 = HIGH_4.selectFrom(v1, v5);
        v1 = t;
        t = LOW_4.selectFrom(v2, v6);
        v6 = HIGH_4.selectFrom(v2, v6);
        v2 = t;
        t = LOW_4.selectFrom(v3, v7);
        v7 = HIGH_4.selectFrom(v3, v7);
        v3 = t;
        t = LOW_4.selectFrom(v8, v12);
        v12 = HIGH_4.selectFrom(v8, v12);
        v8 = t;
        t = LOW_4.selectFrom(v9, v13);
        v13 = HIGH_4.selectFrom(v9, v13);
        v9 = t;
        t = LOW_4.selectFrom(v10, v14);
        v14 = HIGH_4.selectFrom(v10, v14);
        v10 = t;
        t = LOW_4.selectFrom(v11, v15);
        v15 = HIGH_4.selectFrom(v11, v15);
        v11 = t;
        // Round h = 2.
        t = LOW_2.selectFrom(v0, v2);
        v2 = HIGH_2.selectFrom(v0, v2);
        v0 = t;
        t = LOW_2.selectFrom(v1, v3);
        v3 = HIGH_2.selectFrom(v1, v3);
        v1 = t;
        t = LOW_2.selectFrom(v4, v6);
        v6 = HIGH_2.selectFrom(v4, v6);
        v4 = t;
        t = LOW_2.selectFrom(v5, v7);
        v7 = HIGH_2.selectFrom(v5, v7);
        v5 = t;
        t = LOW_2.selectFrom(v8, v10);
        v10 = HIGH_2.selectFrom(v8, v10);
        v8 = t;
        t = LOW_2.selectFrom(v9, v11);
        v11 = HIGH_2.selectFrom(v9, v11);
        v9 = t;
        t = LOW_2.selectFrom(v12, v14);
        v14 = HIGH_2.selectFrom(v12, v14);
        v12 = t;
        t = LOW_2.selectFrom(v13, v15);
        v15 = HIGH_2.selectFrom(v13, v15);
        v13 = t;
        // Round h = 1.
        t = LOW_1.selectFrom(v0, v1);
        v1 = HIGH_1.selectFrom(v0, v1);
        v0 = t;
        t = LOW_1.selectFrom(v2, v3);
        v3 = HIGH_1.selectFrom(v2, v3);
        v2 = t;
        t = LOW_1.selectFrom(v4, v5);
        v5 = HIGH_1.selectFrom(v4, v5);
        v4 = t;
        t = LOW_1.selectFrom(v6, v7);
        v7 = HIGH_1.selectFrom(v6, v7);
        v6 = t;
        t = LOW_1.selectFrom(v8, v9);
        v9 = HIGH_1.selectFrom(v8, v9);
        v8 = t;
        t = LOW_1.selectFrom(v10, v11);
        v11 = HIGH_1.selectFrom(v10, v11);
        v10 = t;
        t = LOW_1.selectFrom(v12, v13);
        v13 = HIGH_1.selectFrom(v12, v13);
        v12 = t;
        t = LOW_1.selectFrom(v14, v15);
        v15 = HIGH_1.selectFrom(v14, v15);
        v14 = t;
        switch (dstRows) {
            case 16 -> {
                v0.intoArray(dst, d + 0 * dstStride);
                v1.intoArray(dst, d + 1 * dstStride);
                v2.intoArray(dst, d + 2 * dstStride);
                v3.intoArray(dst, d + 3 * dstStride);
                v4.intoArray(dst, d + 4 * dstStride);
                v5.intoArray(dst, d + 5 * dstStride);
                v6.intoArray(dst, d + 6 * dstStride);
                v7.intoArray(dst, d + 7 * dstStride);
                v8.intoArray(dst, d + 8 * dstStride);
                v9.intoArray(dst, d + 9 * dstStride);
                v10.intoArray(dst, d + 10 * dstStride);
                v11.intoArray(dst, d + 11 * dstStride);
                v12.intoArray(dst, d + 12 * dstStride);
                v13.intoArray(dst, d + 13 * dstStride);
                v14.intoArray(dst, d + 14 * dstStride);
                v15.intoArray(dst, d + 15 * dstStride);
            }
            default -> {
                // A last partial block: the rows past dstRows are not the caller's to write.
                v0.intoArray(dst, d);
                if (1 < dstRows) v1.intoArray(dst, d + 1 * dstStride);
                if (2 < dstRows) v2.intoArray(dst, d + 2 * dstStride);
                if (3 < dstRows) v3.intoArray(dst, d + 3 * dstStride);
                if (4 < dstRows) v4.intoArray(dst, d + 4 * dstStride);
                if (5 < dstRows) v5.intoArray(dst, d + 5 * dstStride);
                if (6 < dstRows) v6.intoArray(dst, d + 6 * dstStride);
                if (7 < dstRows) v7.intoArray(dst, d + 7 * dstStride);
                if (8 < dstRows) v8.intoArray(dst, d + 8 * dstStride);
                if (9 < dstRows) v9.intoArray(dst, d + 9 * dstStride);
                if (10 < dstRows) v10.intoArray(dst, d + 10 * dstStride);
                if (11 < dstRows) v11.intoArray(dst, d + 11 * dstStride);
                if (12 < dstRows) v12.intoArray(dst, d + 12 * dstStride);
                if (13 < dstRows) v13.intoArray(dst, d + 13 * dstStride);
                if (14 < dstRows) v14.intoArray(dst, d + 14 * dstStride);
                if (15 < dstRows) v15.intoArray(dst, d + 15 * dstStride);
            }
        }
    }
}
