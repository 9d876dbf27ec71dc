package org.infer4j.engine.tensor;

import jdk.incubator.vector.FloatVector;

/**
 * Matrix × many tokens (prompt processing), shared by every weight type: {@code out[t·outStride + r] = dot(row r,
 * x_t)} in float lanes, with the tokens along the vector lanes.
 * <p>
 * Each weight type only dequantizes a tile of its rows ({@link WeightMatrix#dequantizeTile}) to the exact values
 * ggml's integer kernel implies (block scale × quant), and the input arrives decoded the same way
 * ({@link Activations#panels}), so the sums are llama.cpp's up to float rounding. The work is then one register
 * blocked kernel: {@value #ROWS} rows × {@value #VECTORS} vectors of tokens, 24 vector accumulators; per column it
 * loads {@value #VECTORS} vectors of input and broadcasts {@value #ROWS} weights for 24 fused multiply-adds, so the
 * kernel is bound by the FMA units, not by loads, and needs no horizontal sums: each accumulator holds one row's
 * sums for a run of tokens.
 * <p>
 * Cache blocking: a group of up to {@value #ROW_GROUP} rows is dequantized {@value #K_CHUNK} columns at a time (64 KB
 * of floats, in L2), every panel of tokens passes over it while its chunk of input (48 KB) is hot, and the rows'
 * partial sums wait in a small tile of scratch until the last chunk, then go to {@code out} once.
 * The order of operations is fixed, so the same call gives the same bits every time.
 */
final class TileGemm {
    /** Rows of weights per micro-tile. */
    static final int ROWS = 8;
    /** Vectors of tokens per micro-tile. */
    static final int VECTORS = 3;
    /** Tokens per input panel: the width of a micro-tile. */
    static final int PANEL = VECTORS * Kernels.LANES;
    /** Columns dequantized at a time: a multiple of every type's block (256 for the k-quants). */
    static final int K_CHUNK = 256;
    /** Rows dequantized at a time. */
    static final int ROW_GROUP = 64;

    private TileGemm() {}

    /** Floats of per-worker scratch {@link #multiply} needs for a batch of {@code tokens}. */
    static int scratchFloats(int tokens) {
        return ROW_GROUP * K_CHUNK + ROW_GROUP * paddedTokens(tokens);
    }

    /** Tokens rounded up to whole panels: the row stride of the partial-sum tile and of the panels' lanes. */
    static int paddedTokens(int tokens) {
        return Math.ceilDiv(tokens, PANEL) * PANEL;
    }

    /**
     * For every row {@code r} in {@code [rowFrom, rowTo)} and every token {@code t} of {@code x} (prepared for
     * {@code w.inputFormat()}): {@code out[outOffset + t·outStride + r] = dot(row r, x_t)}.
     */
    static void multiply(WeightMatrix w, Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo,
                         float[] scratch) {
        float[] panels = x.panels(w.inputFormat());
        int tokens = x.tokens();
        int cols = w.cols();
        int panelCount = Math.ceilDiv(tokens, PANEL);
        int sumStride = panelCount * PANEL;
        int sums = ROW_GROUP * K_CHUNK;
        if (scratch.length < sums + ROW_GROUP * sumStride) {
            throw new IllegalArgumentException("scratch of " + scratch.length + " floats, need " + scratchFloats(tokens));
        }
        for (int g = rowFrom; g < rowTo; g += ROW_GROUP) {
            int groupRows = Math.min(ROW_GROUP, rowTo - g);
            for (int k = 0; k < cols; k += K_CHUNK) {
                int kLen = Math.min(K_CHUNK, cols - k);
                boolean add = k > 0;
                w.dequantizeTile(g, g + groupRows, k, k + kLen, scratch, kLen);
                for (int p = 0; p < panelCount; p++) {
                    int xo = p * cols * PANEL + k * PANEL;
                    int vectors = Math.ceilDiv(Math.min(PANEL, tokens - p * PANEL), Kernels.LANES);
                    int so = sums + p * PANEL;
                    int r = 0;
                    for (; r + ROWS <= groupRows; r += ROWS) {
                        int wo = r * kLen;
                        int o = so + r * sumStride;
                        switch (vectors) {
                            case 3 -> tile8x3(scratch, wo, kLen, panels, xo, scratch, o, sumStride, add);
                            case 2 -> tile8x2(scratch, wo, kLen, panels, xo, scratch, o, sumStride, add);
                            default -> tile8x1(scratch, wo, kLen, panels, xo, scratch, o, sumStride, add);
                        }
                    }
                    for (; r < groupRows; r++) {
                        tile1x3(scratch, r * kLen, kLen, panels, xo, scratch, so + r * sumStride, add);
                    }
                }
            }
            for (int r = 0; r < groupRows; r++) {
                int s = sums + r * sumStride;
                int o = outOffset + g + r;
                for (int t = 0; t < tokens; t++) {
                    out[o + t * outStride] = scratch[s + t];
                }
            }
        }
    }

    /**
     * Rows {@code w[wo + i·kLen ..]} (i &lt; 8) · 3 vectors of tokens of the panel at {@code xo} over {@code kLen}
     * columns, into (or, if {@code add}, added to) {@code c[co + i·cStride + v·LANES]}.
     */
    static void tile8x3(float[] w, int wo, int kLen, float[] x, int xo, float[] c, int co, int cStride, boolean add) {
        final int n = Kernels.LANES;
        FloatVector a00 = FloatVector.zero(Kernels.FLOATS), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00,
                a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00, a40 = a00, a41 = a00, a42 = a00,
                a50 = a00, a51 = a00, a52 = a00, a60 = a00, a61 = a00, a62 = a00, a70 = a00, a71 = a00, a72 = a00;
        int w0 = wo, w1 = wo + kLen, w2 = wo + 2 * kLen, w3 = wo + 3 * kLen, w4 = wo + 4 * kLen, w5 = wo + 5 * kLen,
                w6 = wo + 6 * kLen, w7 = wo + 7 * kLen;
        for (int k = 0; k < kLen; k++) {
            int xi = xo + k * PANEL;
            FloatVector x0 = FloatVector.fromArray(Kernels.FLOATS, x, xi);
            FloatVector x1 = FloatVector.fromArray(Kernels.FLOATS, x, xi + n);
            FloatVector x2 = FloatVector.fromArray(Kernels.FLOATS, x, xi + 2 * n);
            FloatVector b = FloatVector.broadcast(Kernels.FLOATS, w[w0 + k]);
            a00 = x0.fma(b, a00);
            a01 = x1.fma(b, a01);
            a02 = x2.fma(b, a02);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w1 + k]);
            a10 = x0.fma(b, a10);
            a11 = x1.fma(b, a11);
            a12 = x2.fma(b, a12);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w2 + k]);
            a20 = x0.fma(b, a20);
            a21 = x1.fma(b, a21);
            a22 = x2.fma(b, a22);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w3 + k]);
            a30 = x0.fma(b, a30);
            a31 = x1.fma(b, a31);
            a32 = x2.fma(b, a32);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w4 + k]);
            a40 = x0.fma(b, a40);
            a41 = x1.fma(b, a41);
            a42 = x2.fma(b, a42);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w5 + k]);
            a50 = x0.fma(b, a50);
            a51 = x1.fma(b, a51);
            a52 = x2.fma(b, a52);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w6 + k]);
            a60 = x0.fma(b, a60);
            a61 = x1.fma(b, a61);
            a62 = x2.fma(b, a62);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w7 + k]);
            a70 = x0.fma(b, a70);
            a71 = x1.fma(b, a71);
            a72 = x2.fma(b, a72);
        }
        store(a00, c, co, add);
        store(a01, c, co + n, add);
        store(a02, c, co + 2 * n, add);
        store(a10, c, co + cStride, add);
        store(a11, c, co + cStride + n, add);
        store(a12, c, co + cStride + 2 * n, add);
        store(a20, c, co + 2 * cStride, add);
        store(a21, c, co + 2 * cStride + n, add);
        store(a22, c, co + 2 * cStride + 2 * n, add);
        store(a30, c, co + 3 * cStride, add);
        store(a31, c, co + 3 * cStride + n, add);
        store(a32, c, co + 3 * cStride + 2 * n, add);
        store(a40, c, co + 4 * cStride, add);
        store(a41, c, co + 4 * cStride + n, add);
        store(a42, c, co + 4 * cStride + 2 * n, add);
        store(a50, c, co + 5 * cStride, add);
        store(a51, c, co + 5 * cStride + n, add);
        store(a52, c, co + 5 * cStride + 2 * n, add);
        store(a60, c, co + 6 * cStride, add);
        store(a61, c, co + 6 * cStride + n, add);
        store(a62, c, co + 6 * cStride + 2 * n, add);
        store(a70, c, co + 7 * cStride, add);
        store(a71, c, co + 7 * cStride + n, add);
        store(a72, c, co + 7 * cStride + 2 * n, add);
    }

    /** As {@link #tile8x3} for a panel with at most two vectors of tokens left. */
    static void tile8x2(float[] w, int wo, int kLen, float[] x, int xo, float[] c, int co, int cStride, boolean add) {
        final int n = Kernels.LANES;
        FloatVector a00 = FloatVector.zero(Kernels.FLOATS), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
                a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00, a70 = a00, a71 = a00;
        int w0 = wo, w1 = wo + kLen, w2 = wo + 2 * kLen, w3 = wo + 3 * kLen, w4 = wo + 4 * kLen, w5 = wo + 5 * kLen,
                w6 = wo + 6 * kLen, w7 = wo + 7 * kLen;
        for (int k = 0; k < kLen; k++) {
            int xi = xo + k * PANEL;
            FloatVector x0 = FloatVector.fromArray(Kernels.FLOATS, x, xi);
            FloatVector x1 = FloatVector.fromArray(Kernels.FLOATS, x, xi + n);
            FloatVector b = FloatVector.broadcast(Kernels.FLOATS, w[w0 + k]);
            a00 = x0.fma(b, a00);
            a01 = x1.fma(b, a01);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w1 + k]);
            a10 = x0.fma(b, a10);
            a11 = x1.fma(b, a11);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w2 + k]);
            a20 = x0.fma(b, a20);
            a21 = x1.fma(b, a21);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w3 + k]);
            a30 = x0.fma(b, a30);
            a31 = x1.fma(b, a31);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w4 + k]);
            a40 = x0.fma(b, a40);
            a41 = x1.fma(b, a41);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w5 + k]);
            a50 = x0.fma(b, a50);
            a51 = x1.fma(b, a51);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w6 + k]);
            a60 = x0.fma(b, a60);
            a61 = x1.fma(b, a61);
            b = FloatVector.broadcast(Kernels.FLOATS, w[w7 + k]);
            a70 = x0.fma(b, a70);
            a71 = x1.fma(b, a71);
        }
        store(a00, c, co, add);
        store(a01, c, co + n, add);
        store(a10, c, co + cStride, add);
        store(a11, c, co + cStride + n, add);
        store(a20, c, co + 2 * cStride, add);
        store(a21, c, co + 2 * cStride + n, add);
        store(a30, c, co + 3 * cStride, add);
        store(a31, c, co + 3 * cStride + n, add);
        store(a40, c, co + 4 * cStride, add);
        store(a41, c, co + 4 * cStride + n, add);
        store(a50, c, co + 5 * cStride, add);
        store(a51, c, co + 5 * cStride + n, add);
        store(a60, c, co + 6 * cStride, add);
        store(a61, c, co + 6 * cStride + n, add);
        store(a70, c, co + 7 * cStride, add);
        store(a71, c, co + 7 * cStride + n, add);
    }

    /** As {@link #tile8x3} for a panel with one vector of tokens left. */
    static void tile8x1(float[] w, int wo, int kLen, float[] x, int xo, float[] c, int co, int cStride, boolean add) {
        FloatVector a0 = FloatVector.zero(Kernels.FLOATS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int w0 = wo, w1 = wo + kLen, w2 = wo + 2 * kLen, w3 = wo + 3 * kLen, w4 = wo + 4 * kLen, w5 = wo + 5 * kLen,
                w6 = wo + 6 * kLen, w7 = wo + 7 * kLen;
        for (int k = 0; k < kLen; k++) {
            FloatVector x0 = FloatVector.fromArray(Kernels.FLOATS, x, xo + k * PANEL);
            a0 = x0.fma(FloatVector.broadcast(Kernels.FLOATS, w[w0 + k]), a0);
            a1 = x0.fma(FloatVector.broadcast(Kernels.FLOATS, w[w1 + k]), a1);
            a2 = x0.fma(FloatVector.broadcast(Kernels.FLOATS, w[w2 + k]), a2);
            a3 = x0.fma(FloatVector.broadcast(Kernels.FLOATS, w[w3 + k]), a3);
            a4 = x0.fma(FloatVector.broadcast(Kernels.FLOATS, w[w4 + k]), a4);
            a5 = x0.fma(FloatVector.broadcast(Kernels.FLOATS, w[w5 + k]), a5);
            a6 = x0.fma(FloatVector.broadcast(Kernels.FLOATS, w[w6 + k]), a6);
            a7 = x0.fma(FloatVector.broadcast(Kernels.FLOATS, w[w7 + k]), a7);
        }
        store(a0, c, co, add);
        store(a1, c, co + cStride, add);
        store(a2, c, co + 2 * cStride, add);
        store(a3, c, co + 3 * cStride, add);
        store(a4, c, co + 4 * cStride, add);
        store(a5, c, co + 5 * cStride, add);
        store(a6, c, co + 6 * cStride, add);
        store(a7, c, co + 7 * cStride, add);
    }

    /** One row · a whole panel: the rows of a group left over after its blocks of {@value #ROWS}. */
    static void tile1x3(float[] w, int wo, int kLen, float[] x, int xo, float[] c, int co, boolean add) {
        final int n = Kernels.LANES;
        FloatVector a0 = FloatVector.zero(Kernels.FLOATS), a1 = a0, a2 = a0;
        for (int k = 0; k < kLen; k++) {
            int xi = xo + k * PANEL;
            FloatVector b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k]);
            a0 = FloatVector.fromArray(Kernels.FLOATS, x, xi).fma(b, a0);
            a1 = FloatVector.fromArray(Kernels.FLOATS, x, xi + n).fma(b, a1);
            a2 = FloatVector.fromArray(Kernels.FLOATS, x, xi + 2 * n).fma(b, a2);
        }
        store(a0, c, co, add);
        store(a1, c, co + n, add);
        store(a2, c, co + 2 * n, add);
    }

    private static void store(FloatVector v, float[] c, int o, boolean add) {
        (add ? v.add(FloatVector.fromArray(Kernels.FLOATS, c, o)) : v).intoArray(c, o);
    }
}
