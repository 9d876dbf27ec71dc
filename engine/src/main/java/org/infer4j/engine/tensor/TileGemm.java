package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * sums for a run of tokens. Measured on AVX-512 with operands in L1: 6×4 ran at ~73% of the FMA peak, 8×3 at
 * ~62%, 8×2 at ~66%, 4×4 at ~57% (fewer broadcasts per multiply-add wins; 32 registers bound the tile).
 * <p>
 * Cache blocking: a group of up to {@value #ROW_GROUP} rows is dequantized {@value #K_CHUNK} columns at a time (384
 * KB of floats, in L2), every panel of tokens passes over it while its chunk of input (256 KB) is hot, and the rows'
 * partial sums wait in a small tile of scratch until the last chunk, then go to {@code out} once (or, in columns,
 * are summed in {@code out} itself, {@link #multiplyColumns}). The first chunk stores its sums rather than adding
 * them to zeroed scratch (the fill was ~1% of a Qwen2.5-0.5B-shaped Q8_0 pp512).
 * The order of operations is fixed, so the same call gives the same bits every time.
 */
final class TileGemm {
    /** Rows of weights per micro-tile. */
    static final int ROWS = 6;
    /** Vectors of tokens per micro-tile. */
    static final int VECTORS = 4;
    /** Tokens per input panel: the width of a micro-tile. */
    static final int PANEL = VECTORS * Kernels.LANES;
    /**
     * Columns dequantized at a time: a multiple of every type's block (256 for the k-quants). The tile and the input's
     * chunk fill ~640 KB of a 1 MB L2; each micro-tile call sums this many columns before it flushes its 24
     * accumulators. Against 256 (Zen 4, pp512, alternating rounds): Qwen2.5-0.5B-shaped Q8_0 242 -> 257 t/s,
     * Llama-3.2-1B-shaped Q4_K_M 115 -> 121, Q4_0 (int16 kernel, same chunks) 344 -> 357.
     */
    static final int K_CHUNK = 1024;
    /**
     * Columns each accumulator of a float-weight type (F32, F16, BF16) sums before it is added to the partial sums.
     * Their products carry no quantization noise, so the order of the sums shows: one run per 256 columns left an
     * F32 Gemma 3's log-probabilities 1.1e-3 from llama.cpp's (whose dot products run 16 lanes in parallel), runs
     * of 32 left 8.7e-4 (main's kernel: 6.9e-4). Short runs cost a third of the kernel's speed, so quantized types,
     * whose integer sums differ from ours far more than by this order, run whole chunks.
     */
    static final int FLOAT_SUM_RUN = 32;
    /** Rows dequantized at a time: a whole number of micro-tiles. */
    static final int ROW_GROUP = 16 * ROWS;

    private TileGemm() {}

    /**
     * Touches panel {@code panel}'s share (of {@code panelCount}) of the tile after the one at row group
     * {@code [g, groupEnd)}, columns from {@code k}, of a range ending at {@code rowTo} (see {@link #touch}): in the
     * file for its rows from {@link WeightMatrix#relaidRows} on, in the re-laid copy for those before; returns the
     * bytes' sum.
     */
    static int touchNext(WeightMatrix w, int g, int groupEnd, int k, int rowTo, int panel, int panelCount) {
        // The tile after this one: this group's next columns, else the next group's first ones (none after the last).
        int cols = w.cols();
        boolean lastChunk = k + K_CHUNK >= cols;
        int nextRow = lastChunk ? groupEnd : g;
        int nextRows = Math.max(0, (lastChunk ? groupEnd(groupEnd, rowTo) : groupEnd) - nextRow);
        int nextCol = lastChunk ? 0 : k + K_CHUNK;
        int rowFloor = w.relaidRows();
        int touchRows = Math.ceilDiv(nextRows, panelCount);
        int t0 = Math.min(nextRows, panel * touchRows);
        int nextColEnd = Math.min(cols, nextCol + K_CHUNK);
        int sum = touch(w, Math.max(rowFloor, nextRow + t0), nextRow + Math.min(nextRows, t0 + touchRows), nextCol,
                nextColEnd);
        // Rows below the floor come from a re-laid copy: its tiles, a share of their lines per panel. Without this the
        // int16 tile transposes (GroupColumns) waited on memory (perf, Qwen2.5-0.5B-shaped Q4_0 pp512: GroupColumns 5.4%
        // of the samples before, 1.35% after; the pp512 rate itself moved within the machine's noise).
        if (rowFloor > nextRow) {
            sum += w.touchRelaid(nextRow, Math.min(rowFloor, nextRow + nextRows), nextCol, nextColEnd, panel, panelCount);
        }
        return sum;
    }

    /**
     * Loads one byte of every cache line that rows {@code [rowFrom, rowTo)} × columns {@code [colFrom, colTo)} of
     * {@code w} occupy in the mapped file, and returns their sum (the caller must use it: C2 drops loads whose value
     * is never used). Java has no prefetch instruction; these loads, a handful per panel while the FMA-bound kernel
     * runs, bring the next tile's weights into the cache before {@link WeightMatrix#dequantizeTile} needs them. Its
     * reads from the file are a row's short piece at a time, a row apart, which the hardware prefetcher does not
     * follow: dequantizing waited on memory for most of its time (perf, Llama-3.2-1B-shaped Q4_K_M pp512: the tile
     * dequantizers 6.5% of the samples before, 4.1% after).
     */
    private static int touch(WeightMatrix w, int rowFrom, int rowTo, int colFrom, int colTo) {
        MemorySegment data = w.data();
        long rowBytes = w.type().byteSize(w.cols());
        long from = w.type().byteSize(colFrom);
        long last = w.type().byteSize(colTo) - 1;
        int sum = 0;
        for (long row = rowFrom * rowBytes; rowFrom < rowTo; rowFrom++, row += rowBytes) {
            for (long o = from; o < last; o += 64) {
                sum += data.get(ValueLayout.JAVA_BYTE, row + o);
            }
            sum += data.get(ValueLayout.JAVA_BYTE, row + last);
        }
        return sum;
    }

    /**
     * Where the row group from row {@code g} of a range ending at {@code rowTo} ends: at the next multiple of
     * {@value #ROW_GROUP} rows of the matrix. A range that starts half a group in ({@link MatMul} hands a batch out
     * in halves of groups) first takes the half to it; the groups after it then hold whole re-laid groups of 32 rows
     * ({@link RowGroups}), which a cut would make both sides dequantize.
     */
    static int groupEnd(int g, int rowTo) {
        return Math.min(rowTo, g + ROW_GROUP - g % ROW_GROUP);
    }

    /** Floats of per-worker scratch {@link #multiply} needs for a batch of {@code tokens}. */
    static int scratchFloats(int tokens) {
        return ROW_GROUP * K_CHUNK + ROW_GROUP * sumStride(tokens);
    }

    /**
     * Floats from one row's partial sums to the next: the padded tokens and one cache line more. At a whole number of
     * panels alone the rows were a power of two of bytes apart (2 KB at 512 tokens), so the column of sums that the
     * copy to {@code out} read for one token fell into two sets of the L1 cache and missed on every read (perf,
     * Qwen2.5-0.5B-shaped Q8_0 pp512: this method's own share of the samples 8.4% -> 6.3%).
     */
    static int sumStride(int tokens) {
        return paddedTokens(tokens) + Kernels.LANES;
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
        multiply(w, x, out, outOffset, outStride, rowFrom, rowTo, scratch, false);
    }

    /**
     * As {@link #multiply} with the output in columns: {@code out[r·sumStride(tokens) + t] = dot(row r, x_t)}, the
     * layout the kernel makes the sums in, so they are summed there and never transposed (tokens past the batch, up
     * to the stride, hold no defined value). For a consumer that reads the products by row of the matrix, as
     * {@link Activations#setQuantizedColumns} does.
     */
    static void multiplyColumns(WeightMatrix w, Activations x, float[] out, int rowFrom, int rowTo, float[] scratch) {
        multiply(w, x, out, 0, 0, rowFrom, rowTo, scratch, true);
    }

    private static void multiply(WeightMatrix w, Activations x, float[] out, int outOffset, int outStride, int rowFrom,
                                 int rowTo, float[] scratch, boolean columns) {
        float[] panels = x.panels(w.inputFormat());
        int tokens = x.tokens();
        int cols = w.cols();
        int panelCount = Math.ceilDiv(tokens, PANEL);
        int sumStride = sumStride(tokens);
        int sums = ROW_GROUP * K_CHUNK;
        int sumRun = switch (w.inputFormat()) {
            case F32, F16_ROUNDED, BF16_ROUNDED -> FLOAT_SUM_RUN;
            case Q8_0, Q8_1, Q8_K -> K_CHUNK;
        };
        if (scratch.length < sums + ROW_GROUP * sumStride) {
            throw new IllegalArgumentException("scratch of " + scratch.length + " floats, need " + scratchFloats(tokens));
        }
        int touched = 0;
        float[] c = columns ? out : scratch;
        for (int g = rowFrom, groupRows; g < rowTo; g += groupRows) {
            groupRows = groupEnd(g, rowTo) - g;
            int cBase = columns ? g * sumStride : sums;
            for (int k = 0; k < cols; k += K_CHUNK) {
                int kLen = Math.min(K_CHUNK, cols - k);
                boolean add = k > 0;
                w.dequantizeTile(g, g + groupRows, k, k + kLen, scratch, K_CHUNK);
                for (int p = 0; p < panelCount; p++) {
                    touched += touchNext(w, g, g + groupRows, k, rowTo, p, panelCount);
                    int xo = p * cols * PANEL + k * PANEL;
                    int vectors = Math.ceilDiv(Math.min(PANEL, tokens - p * PANEL), Kernels.LANES);
                    int so = cBase + p * PANEL;
                    int r = 0;
                    for (; r + ROWS <= groupRows; r += ROWS) {
                        int wo = r * K_CHUNK;
                        int o = so + r * sumStride;
                        switch (vectors) {
                            case 1 -> tile6x1(scratch, wo, kLen, sumRun, panels, xo, c, o, sumStride, add);
                            case 2 -> tile6x2(scratch, wo, kLen, sumRun, panels, xo, c, o, sumStride, add);
                            default -> tile6x4(scratch, wo, kLen, sumRun, panels, xo, c, o, sumStride, add);
                        }
                    }
                    for (; r < groupRows; r++) {
                        tile1x4(scratch, r * K_CHUNK, kLen, sumRun, panels, xo, c, so + r * sumStride, sumStride, add);
                    }
                }
            }
            if (!columns) {
                storeSums(scratch, sums, sumStride, groupRows, tokens, out, outOffset, outStride, g);
            }
        }
        // The touched bytes' sum goes where nothing reads it, the first row's padding of the partial-sum tile.
        scratch[sums + paddedTokens(tokens)] = touched;
    }

    /**
     * A row group's partial sums ({@code rows} rows from {@code g}, {@code sumStride} apart at {@code c[co ..]}, tokens
     * along each) to {@code out}, token-major: blocks of LANES rows × LANES tokens transposed in registers, then the
     * rows left. A run of LANES tokens takes all its row blocks before the next run: each token's piece of the row
     * group (a few cache lines, rarely in the cache: {@code out} is megabytes) is written in one go, where row blocks
     * outermost came back to every token's row once per block (pp512 Qwen2.5-0.5B-shaped Q4_0 +2.5%, Q8_0 +1%, three
     * alternating runs).
     */
    static void storeSums(float[] c, int co, int sumStride, int rows, int tokens, float[] out, int outOffset,
                          int outStride, int g) {
        int blocked = rows - rows % Kernels.LANES;
        for (int t = 0; t < tokens; t += Kernels.LANES) {
            for (int r = 0; r < blocked; r += Kernels.LANES) {
                Transpose.block(c, co + r * sumStride + t, sumStride, out, outOffset + t * outStride + g + r,
                        outStride, Math.min(Kernels.LANES, tokens - t));
            }
        }
        for (int t = 0; t < tokens && blocked < rows; t++) {
            int o = outOffset + t * outStride + g;
            for (int r = blocked, s = co + blocked * sumStride + t; r < rows; r++, s += sumStride) {
                out[o + r] = c[s];
            }
        }
    }

    // The kernels below are one kernel unrolled to a few tile shapes (the Vector API has no arrays of registers).
    // Weight rows are K_CHUNK apart, a constant rather than kLen: with constant offsets the JIT proves all the
    // weight loads in bounds once per loop, and the kernel ran 1.5x faster than with a variable stride.

    /**
     * Rows {@code w[wo + i·K_CHUNK ..]} (i &lt; 6) · 4 vectors of tokens of the panel at {@code xo}, over {@code kLen}
     * columns in runs of {@code sumRun}, added to {@code c[co + i·cStride + v·LANES]}.
     */
    static void tile6x4(float[] w, int wo, int kLen, int sumRun, float[] x, int xo, float[] c, int co, int cStride,
                        boolean add) {
        final int n = Kernels.LANES;
        for (int run = 0; run < kLen; run += sumRun) {
            // The first run of a row group's first chunk stores its sums: no zeroed scratch to add them to.
            boolean sum = add || run > 0;
            FloatVector a00 = FloatVector.zero(Kernels.FLOATS), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00,
                    a12 = a00, a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00,
                    a33 = a00, a40 = a00, a41 = a00, a42 = a00, a43 = a00, a50 = a00, a51 = a00, a52 = a00, a53 = a00;
            for (int k = run, end = Math.min(kLen, run + sumRun); k < end; k++) {
                int xi = xo + k * PANEL;
                FloatVector x0 = FloatVector.fromArray(Kernels.FLOATS, x, xi);
                FloatVector x1 = FloatVector.fromArray(Kernels.FLOATS, x, xi + n);
                FloatVector x2 = FloatVector.fromArray(Kernels.FLOATS, x, xi + 2 * n);
                FloatVector x3 = FloatVector.fromArray(Kernels.FLOATS, x, xi + 3 * n);
                FloatVector b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                a02 = x2.fma(b, a02);
                a03 = x3.fma(b, a03);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + K_CHUNK]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                a12 = x2.fma(b, a12);
                a13 = x3.fma(b, a13);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 2 * K_CHUNK]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                a22 = x2.fma(b, a22);
                a23 = x3.fma(b, a23);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 3 * K_CHUNK]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
                a32 = x2.fma(b, a32);
                a33 = x3.fma(b, a33);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 4 * K_CHUNK]);
                a40 = x0.fma(b, a40);
                a41 = x1.fma(b, a41);
                a42 = x2.fma(b, a42);
                a43 = x3.fma(b, a43);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 5 * K_CHUNK]);
                a50 = x0.fma(b, a50);
                a51 = x1.fma(b, a51);
                a52 = x2.fma(b, a52);
                a53 = x3.fma(b, a53);
            }
            (sum ? a00.add(FloatVector.fromArray(Kernels.FLOATS, c, co)) : a00).intoArray(c, co);
            (sum ? a01.add(FloatVector.fromArray(Kernels.FLOATS, c, co + n)) : a01).intoArray(c, co + n);
            (sum ? a02.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * n)) : a02).intoArray(c, co + 2 * n);
            (sum ? a03.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * n)) : a03).intoArray(c, co + 3 * n);
            (sum ? a10.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride)) : a10).intoArray(c, co + cStride);
            (sum ? a11.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride + n)) : a11).intoArray(c, co + cStride + n);
            (sum ? a12.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride + 2 * n)) : a12).intoArray(c, co + cStride + 2 * n);
            (sum ? a13.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride + 3 * n)) : a13).intoArray(c, co + cStride + 3 * n);
            (sum ? a20.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride)) : a20).intoArray(c, co + 2 * cStride);
            (sum ? a21.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride + n)) : a21).intoArray(c, co + 2 * cStride + n);
            (sum ? a22.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride + 2 * n)) : a22).intoArray(c, co + 2 * cStride + 2 * n);
            (sum ? a23.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride + 3 * n)) : a23).intoArray(c, co + 2 * cStride + 3 * n);
            (sum ? a30.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * cStride)) : a30).intoArray(c, co + 3 * cStride);
            (sum ? a31.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * cStride + n)) : a31).intoArray(c, co + 3 * cStride + n);
            (sum ? a32.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * cStride + 2 * n)) : a32).intoArray(c, co + 3 * cStride + 2 * n);
            (sum ? a33.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * cStride + 3 * n)) : a33).intoArray(c, co + 3 * cStride + 3 * n);
            (sum ? a40.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 4 * cStride)) : a40).intoArray(c, co + 4 * cStride);
            (sum ? a41.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 4 * cStride + n)) : a41).intoArray(c, co + 4 * cStride + n);
            (sum ? a42.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 4 * cStride + 2 * n)) : a42).intoArray(c, co + 4 * cStride + 2 * n);
            (sum ? a43.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 4 * cStride + 3 * n)) : a43).intoArray(c, co + 4 * cStride + 3 * n);
            (sum ? a50.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 5 * cStride)) : a50).intoArray(c, co + 5 * cStride);
            (sum ? a51.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 5 * cStride + n)) : a51).intoArray(c, co + 5 * cStride + n);
            (sum ? a52.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 5 * cStride + 2 * n)) : a52).intoArray(c, co + 5 * cStride + 2 * n);
            (sum ? a53.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 5 * cStride + 3 * n)) : a53).intoArray(c, co + 5 * cStride + 3 * n);
        }
    }

    /** As {@link #tile6x4} for a last panel of at most two vectors of tokens. */
    static void tile6x2(float[] w, int wo, int kLen, int sumRun, float[] x, int xo, float[] c, int co, int cStride,
                        boolean add) {
        final int n = Kernels.LANES;
        for (int run = 0; run < kLen; run += sumRun) {
            // The first run of a row group's first chunk stores its sums: no zeroed scratch to add them to.
            boolean sum = add || run > 0;
            FloatVector a00 = FloatVector.zero(Kernels.FLOATS), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
                    a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
            for (int k = run, end = Math.min(kLen, run + sumRun); k < end; k++) {
                int xi = xo + k * PANEL;
                FloatVector x0 = FloatVector.fromArray(Kernels.FLOATS, x, xi);
                FloatVector x1 = FloatVector.fromArray(Kernels.FLOATS, x, xi + n);
                FloatVector b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + K_CHUNK]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 2 * K_CHUNK]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 3 * K_CHUNK]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 4 * K_CHUNK]);
                a40 = x0.fma(b, a40);
                a41 = x1.fma(b, a41);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 5 * K_CHUNK]);
                a50 = x0.fma(b, a50);
                a51 = x1.fma(b, a51);
            }
            (sum ? a00.add(FloatVector.fromArray(Kernels.FLOATS, c, co)) : a00).intoArray(c, co);
            (sum ? a01.add(FloatVector.fromArray(Kernels.FLOATS, c, co + n)) : a01).intoArray(c, co + n);
            (sum ? a10.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride)) : a10).intoArray(c, co + cStride);
            (sum ? a11.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride + n)) : a11).intoArray(c, co + cStride + n);
            (sum ? a20.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride)) : a20).intoArray(c, co + 2 * cStride);
            (sum ? a21.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride + n)) : a21).intoArray(c, co + 2 * cStride + n);
            (sum ? a30.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * cStride)) : a30).intoArray(c, co + 3 * cStride);
            (sum ? a31.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * cStride + n)) : a31).intoArray(c, co + 3 * cStride + n);
            (sum ? a40.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 4 * cStride)) : a40).intoArray(c, co + 4 * cStride);
            (sum ? a41.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 4 * cStride + n)) : a41).intoArray(c, co + 4 * cStride + n);
            (sum ? a50.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 5 * cStride)) : a50).intoArray(c, co + 5 * cStride);
            (sum ? a51.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 5 * cStride + n)) : a51).intoArray(c, co + 5 * cStride + n);
        }
    }

    /** As {@link #tile6x4} for a last panel of one vector of tokens. */
    static void tile6x1(float[] w, int wo, int kLen, int sumRun, float[] x, int xo, float[] c, int co, int cStride,
                        boolean add) {
        final int n = Kernels.LANES;
        for (int run = 0; run < kLen; run += sumRun) {
            // The first run of a row group's first chunk stores its sums: no zeroed scratch to add them to.
            boolean sum = add || run > 0;
            FloatVector a00 = FloatVector.zero(Kernels.FLOATS), a10 = a00, a20 = a00, a30 = a00, a40 = a00, a50 = a00;
            for (int k = run, end = Math.min(kLen, run + sumRun); k < end; k++) {
                int xi = xo + k * PANEL;
                FloatVector x0 = FloatVector.fromArray(Kernels.FLOATS, x, xi);
                FloatVector b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k]);
                a00 = x0.fma(b, a00);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + K_CHUNK]);
                a10 = x0.fma(b, a10);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 2 * K_CHUNK]);
                a20 = x0.fma(b, a20);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 3 * K_CHUNK]);
                a30 = x0.fma(b, a30);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 4 * K_CHUNK]);
                a40 = x0.fma(b, a40);
                b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k + 5 * K_CHUNK]);
                a50 = x0.fma(b, a50);
            }
            (sum ? a00.add(FloatVector.fromArray(Kernels.FLOATS, c, co)) : a00).intoArray(c, co);
            (sum ? a10.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride)) : a10).intoArray(c, co + cStride);
            (sum ? a20.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride)) : a20).intoArray(c, co + 2 * cStride);
            (sum ? a30.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * cStride)) : a30).intoArray(c, co + 3 * cStride);
            (sum ? a40.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 4 * cStride)) : a40).intoArray(c, co + 4 * cStride);
            (sum ? a50.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 5 * cStride)) : a50).intoArray(c, co + 5 * cStride);
        }
    }

    /** One row · a whole panel: the rows of a group left over after its micro-tiles. */
    static void tile1x4(float[] w, int wo, int kLen, int sumRun, float[] x, int xo, float[] c, int co, int cStride,
                        boolean add) {
        final int n = Kernels.LANES;
        for (int run = 0; run < kLen; run += sumRun) {
            // The first run of a row group's first chunk stores its sums: no zeroed scratch to add them to.
            boolean sum = add || run > 0;
            FloatVector a00 = FloatVector.zero(Kernels.FLOATS), a01 = a00, a02 = a00, a03 = a00;
            for (int k = run, end = Math.min(kLen, run + sumRun); k < end; k++) {
                int xi = xo + k * PANEL;
                FloatVector x0 = FloatVector.fromArray(Kernels.FLOATS, x, xi);
                FloatVector x1 = FloatVector.fromArray(Kernels.FLOATS, x, xi + n);
                FloatVector x2 = FloatVector.fromArray(Kernels.FLOATS, x, xi + 2 * n);
                FloatVector x3 = FloatVector.fromArray(Kernels.FLOATS, x, xi + 3 * n);
                FloatVector b = FloatVector.broadcast(Kernels.FLOATS, w[wo + k]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                a02 = x2.fma(b, a02);
                a03 = x3.fma(b, a03);
            }
            (sum ? a00.add(FloatVector.fromArray(Kernels.FLOATS, c, co)) : a00).intoArray(c, co);
            (sum ? a01.add(FloatVector.fromArray(Kernels.FLOATS, c, co + n)) : a01).intoArray(c, co + n);
            (sum ? a02.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * n)) : a02).intoArray(c, co + 2 * n);
            (sum ? a03.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * n)) : a03).intoArray(c, co + 3 * n);
        }
    }
}
