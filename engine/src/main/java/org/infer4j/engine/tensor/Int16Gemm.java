package org.infer4j.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix × many tokens for {@link Int16Tiles} types: {@link TileGemm}'s cache blocking, with the products summed in
 * int16 lanes over each block of {@value #BLOCK} columns, then converted to float and scaled once per block.
 * <p>
 * Why: in float lanes prompt processing is bound by the fused multiply-add units (TileGemm runs at ~90% of their
 * peak), and the Vector API has no integer dot product. An int16 multiply and an add issue on different pipes, so
 * int16 lanes do 1.7x the float multiply-accumulates per cycle ({@code MacRateBenchmark}); a centred 4-bit quant
 * times an int8 input, summed over a block, fits in 16 bits ({@link Int16Tiles}). The block sums are exact, as
 * llama.cpp's integer kernels' are; the row is {@code Σ_blocks scale_w·scale_x·isum (+ bias_w·scale_x·Σx)}.
 * <p>
 * A micro-tile is {@value #ROWS} rows × one panel of tokens (two vectors of int16 lanes, the tokens interleaved as
 * {@link Int16Panels} says): per column two loads of input, one broadcast per row (the quant in both halves of an
 * int, a plain 32-bit broadcast), a multiply and an add per accumulator. Its float sums stay in registers too:
 * 6 int16 and 12 float accumulators, the input and the scales fill the 32 registers. Measured one thread, operands
 * in cache ({@code Int16KernelBenchmark}): the column loop alone 93-96 GMAC/s, with the per-block conversion 82
 * (float TileGemm ~52). Larger tiles did worse: 6 rows × 2 vectors with the int16 sums scaled through memory ran
 * 66-70 (the per-block pass over them cost 30%); written out in registers, the method grew past what C2 inlines
 * (NodeCountInliningCutoff) and boxed its vectors. 6 rows × 1 vector: 67.
 * <p>
 * An int lane holds two tokens' sums: the high one is its arithmetic shift right by 16, the low one its shift left
 * by 16, read as 65536 × the sum (exact in an int and in a float); {@link Int16Panels} stores those tokens' scales
 * times 2<sup>-16</sup>, which saves the shift back per low half (Zen 5, {@code Int16KernelBenchmark}: ~176 -> ~180
 * GMAC/s). The first chunk of columns stores its sums rather than adding them to zeroed scratch: filling the row
 * group's sums first was ~1.5% of a Qwen2.5-0.5B-shaped Q4_0 pp512.
 */
final class Int16Gemm {
    /** Rows per micro-tile: 3 rows × 2 vectors keep the int16 and the float sums in the 32 vector registers. */
    static final int ROWS = 3;
    /** Columns per int16 sum: one scale of weights and of input each. */
    static final int BLOCK = Int16Panels.BLOCK;
    static final int K_CHUNK = TileGemm.K_CHUNK;
    static final int ROW_GROUP = TileGemm.ROW_GROUP;
    static final int PANEL = TileGemm.PANEL;
    /** Blocks per chunk of columns: the stride of a tile row's scales. */
    static final int CHUNK_BLOCKS = K_CHUNK / BLOCK;
    /** int16 lanes per vector: two per float lane. */
    static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, Kernels.FLOATS.vectorShape());
    private static final int LANES = Kernels.LANES;

    private Int16Gemm() {}

    /** Ints of per-worker scratch {@link #multiply} needs. */
    static int scratchInts() {
        return ROW_GROUP * K_CHUNK;
    }

    /** Floats of per-worker scratch {@link #multiply} needs for a batch of {@code tokens}. */
    static int scratchFloats(int tokens) {
        return 2 * ROW_GROUP * CHUNK_BLOCKS + ROW_GROUP * TileGemm.sumStride(tokens);
    }

    /**
     * For every row {@code r} in {@code [rowFrom, rowTo)} and every token {@code t} of {@code x} (its int16 panels
     * prepared): {@code out[outOffset + t·outStride + r] = dot(row r, x_t)}.
     */
    static void multiply(Int16Tiles w, Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo,
                         Scratch workerScratch) {
        multiply(w, x, out, outOffset, outStride, rowFrom, rowTo, workerScratch, false);
    }

    /**
     * As {@link #multiply} with the output in columns, {@code out[r·TileGemm.sumStride(tokens) + t] = dot(row r, x_t)}:
     * the layout the sums are made in, so the kernels write them there and nothing is transposed (tokens past the
     * batch, up to the stride, hold no defined value). For a consumer that reads the products by row of the matrix, as
     * {@link Activations#setQuantizedColumns} does.
     */
    static void multiplyColumns(Int16Tiles w, Activations x, float[] out, int rowFrom, int rowTo, Scratch workerScratch) {
        multiply(w, x, out, 0, 0, rowFrom, rowTo, workerScratch, true);
    }

    private static void multiply(Int16Tiles w, Activations x, float[] out, int outOffset, int outStride, int rowFrom,
                                 int rowTo, Scratch workerScratch, boolean columns) {
        float[] scratch = workerScratch.floats();
        int[] ints = workerScratch.ints();
        InputFormat format = w.inputFormat();
        Int16Panels input = x.int16Panels(format);
        short[] panels = input.values(format);
        float[] xScales = input.scales(format);
        boolean biased = w.biased();
        float[] xSums = biased ? input.sums(format) : null;
        int tokens = x.tokens();
        int cols = w.cols();
        int blocks = cols / BLOCK;
        int panelCount = Math.ceilDiv(tokens, PANEL);
        int sumStride = TileGemm.sumStride(tokens);
        int scaleAt = 0;
        int biasAt = ROW_GROUP * CHUNK_BLOCKS;
        int sums = 2 * ROW_GROUP * CHUNK_BLOCKS;
        if (scratch.length < scratchFloats(tokens) || ints.length < scratchInts()) {
            throw new IllegalArgumentException("scratch of " + scratch.length + " floats and " + ints.length
                    + " ints, need " + scratchFloats(tokens) + " and " + scratchInts());
        }
        int touched = 0;
        float[] c = columns ? out : scratch;
        for (int g = rowFrom, groupRows; g < rowTo; g += groupRows) {
            groupRows = TileGemm.groupEnd(g, rowTo) - g;
            int cBase = columns ? g * sumStride : sums;
            for (int k = 0; k < cols; k += K_CHUNK) {
                int kLen = Math.min(K_CHUNK, cols - k);
                w.int16Tile(g, g + groupRows, k, k + kLen, ints, K_CHUNK, scratch, scaleAt, biasAt, CHUNK_BLOCKS);
                int chunkBlocks = kLen / BLOCK;
                for (int p = 0; p < panelCount; p++) {
                    touched += TileGemm.touchNext(w, g, g + groupRows, k, rowTo, p, panelCount);
                    int xo = p * cols * PANEL + k * PANEL;
                    int so = (p * blocks + k / BLOCK) * PANEL;
                    int co = cBase + p * PANEL;
                    int vectors = tokens - p * PANEL > 2 * LANES ? 2 : 1;
                    int r = 0;
                    if (vectors == 2) {
                        for (; r + ROWS <= groupRows; r += ROWS) {
                            tile3x2(ints, r * K_CHUNK, chunkBlocks, panels, xo, scratch, scaleAt + r * CHUNK_BLOCKS,
                                    biased ? biasAt + r * CHUNK_BLOCKS : -1, xScales, so, xSums, c,
                                    co + r * sumStride, sumStride, k > 0);
                        }
                    } else {
                        // A last panel of at most one vector of tokens.
                        for (; r + 6 <= groupRows; r += 6) {
                            tile6x1(ints, r * K_CHUNK, chunkBlocks, panels, xo, scratch, scaleAt + r * CHUNK_BLOCKS,
                                    biased ? biasAt + r * CHUNK_BLOCKS : -1, xScales, so, xSums, c,
                                    co + r * sumStride, sumStride, k > 0);
                        }
                    }
                    for (; r < groupRows; r++) {
                        for (int v = 0; v < vectors; v++) {
                            int shift = 2 * v * LANES;
                            tile1(ints, r * K_CHUNK, chunkBlocks, panels, xo + shift, scratch, scaleAt + r * CHUNK_BLOCKS,
                                    biased ? biasAt + r * CHUNK_BLOCKS : -1, xScales, so + shift, xSums, c,
                                    co + r * sumStride + shift, k > 0);
                        }
                    }
                }
            }
            if (!columns) {
                TileGemm.storeSums(scratch, sums, sumStride, groupRows, tokens, out, outOffset, outStride, g);
            }
        }
        scratch[sums + TileGemm.paddedTokens(tokens)] = touched;
    }

    /**
     * Rows {@code w[wo + i·K_CHUNK ..]} (i &lt; 3) · the panel at {@code xo} (two vectors of int16 lanes, {@link #PANEL}
     * tokens), over {@code blocks} blocks: per block the int16 sums, then in float lanes each row's block scale
     * ({@code s[so + i·CHUNK_BLOCKS + b]}) times each token's ({@code xs[xso + b·PANEL ..]}) times the sums, plus,
     * when {@code bo >= 0}, the row's block bias ({@code s[bo ..]}) times the token's scaled sum ({@code xSums}); all
     * in registers, added to {@code c[co + i·cStride ..]} at the end ({@code add}) or stored there.
     */
    static void tile3x2(int[] w, int wo, int blocks, short[] x, int xo, float[] s, int so, int bo, float[] xs, int xso,
                        float[] xSums, float[] c, int co, int cStride, boolean add) {
        final int n = LANES;
        FloatVector c00 = FloatVector.zero(Kernels.FLOATS), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00,
                c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        for (int b = 0; b < blocks; b++) {
            ShortVector a00 = ShortVector.zero(SHORTS), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
            for (int k = b * BLOCK, end = k + BLOCK; k < end; k++) {
                ShortVector x0 = ShortVector.fromArray(SHORTS, x, xo + k * PANEL);
                ShortVector x1 = ShortVector.fromArray(SHORTS, x, xo + k * PANEL + 2 * n);
                ShortVector m;
                m = IntVector.broadcast(Kernels.INTS, w[wo + k]).reinterpretAsShorts();
                a00 = a00.add(x0.mul(m));
                a01 = a01.add(x1.mul(m));
                m = IntVector.broadcast(Kernels.INTS, w[wo + k + K_CHUNK]).reinterpretAsShorts();
                a10 = a10.add(x0.mul(m));
                a11 = a11.add(x1.mul(m));
                m = IntVector.broadcast(Kernels.INTS, w[wo + k + 2 * K_CHUNK]).reinterpretAsShorts();
                a20 = a20.add(x0.mul(m));
                a21 = a21.add(x1.mul(m));
            }
            int t = xso + b * PANEL;
            FloatVector s0 = FloatVector.fromArray(Kernels.FLOATS, xs, t);
            FloatVector s1 = FloatVector.fromArray(Kernels.FLOATS, xs, t + n);
            FloatVector s2 = FloatVector.fromArray(Kernels.FLOATS, xs, t + 2 * n);
            FloatVector s3 = FloatVector.fromArray(Kernels.FLOATS, xs, t + 3 * n);
            FloatVector d;
            IntVector sum;
            d = FloatVector.broadcast(Kernels.FLOATS, s[so + b]);
            sum = a00.reinterpretAsInts();
            c00 = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(s0.mul(d), c00);
            c01 = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(s1.mul(d), c01);
            sum = a01.reinterpretAsInts();
            c02 = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(s2.mul(d), c02);
            c03 = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(s3.mul(d), c03);
            d = FloatVector.broadcast(Kernels.FLOATS, s[so + b + CHUNK_BLOCKS]);
            sum = a10.reinterpretAsInts();
            c10 = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(s0.mul(d), c10);
            c11 = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(s1.mul(d), c11);
            sum = a11.reinterpretAsInts();
            c12 = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(s2.mul(d), c12);
            c13 = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(s3.mul(d), c13);
            d = FloatVector.broadcast(Kernels.FLOATS, s[so + b + 2 * CHUNK_BLOCKS]);
            sum = a20.reinterpretAsInts();
            c20 = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(s0.mul(d), c20);
            c21 = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(s1.mul(d), c21);
            sum = a21.reinterpretAsInts();
            c22 = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(s2.mul(d), c22);
            c23 = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(s3.mul(d), c23);
            if (bo >= 0) {
                s0 = FloatVector.fromArray(Kernels.FLOATS, xSums, t);
                s1 = FloatVector.fromArray(Kernels.FLOATS, xSums, t + n);
                s2 = FloatVector.fromArray(Kernels.FLOATS, xSums, t + 2 * n);
                s3 = FloatVector.fromArray(Kernels.FLOATS, xSums, t + 3 * n);
                d = FloatVector.broadcast(Kernels.FLOATS, s[bo + b]);
                c00 = s0.fma(d, c00);
                c01 = s1.fma(d, c01);
                c02 = s2.fma(d, c02);
                c03 = s3.fma(d, c03);
                d = FloatVector.broadcast(Kernels.FLOATS, s[bo + b + CHUNK_BLOCKS]);
                c10 = s0.fma(d, c10);
                c11 = s1.fma(d, c11);
                c12 = s2.fma(d, c12);
                c13 = s3.fma(d, c13);
                d = FloatVector.broadcast(Kernels.FLOATS, s[bo + b + 2 * CHUNK_BLOCKS]);
                c20 = s0.fma(d, c20);
                c21 = s1.fma(d, c21);
                c22 = s2.fma(d, c22);
                c23 = s3.fma(d, c23);
            }
        }
        (add ? c00.add(FloatVector.fromArray(Kernels.FLOATS, c, co)) : c00).intoArray(c, co);
        (add ? c01.add(FloatVector.fromArray(Kernels.FLOATS, c, co + n)) : c01).intoArray(c, co + n);
        (add ? c02.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * n)) : c02).intoArray(c, co + 2 * n);
        (add ? c03.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * n)) : c03).intoArray(c, co + 3 * n);
        (add ? c10.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride)) : c10).intoArray(c, co + cStride);
        (add ? c11.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride + n)) : c11).intoArray(c, co + cStride + n);
        (add ? c12.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride + 2 * n)) : c12).intoArray(c, co + cStride + 2 * n);
        (add ? c13.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride + 3 * n)) : c13).intoArray(c, co + cStride + 3 * n);
        (add ? c20.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride)) : c20).intoArray(c, co + 2 * cStride);
        (add ? c21.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride + n)) : c21).intoArray(c, co + 2 * cStride + n);
        (add ? c22.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride + 2 * n)) : c22).intoArray(c, co + 2 * cStride + 2 * n);
        (add ? c23.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride + 3 * n)) : c23).intoArray(c, co + 2 * cStride + 3 * n);
    }

    /**
     * Rows {@code w[wo + i·K_CHUNK ..]} (i &lt; 6) · one vector of int16 lanes of the panel at {@code xo} ({@code 2·LANES}
     * tokens), over {@code blocks} blocks: per block the int16 sums, then in float lanes each row's block scale
     * ({@code s[so + i·CHUNK_BLOCKS + b]}) times each token's ({@code xs[xso + b·PANEL ..]}) times the sums, plus,
     * when {@code bo >= 0}, the row's block bias ({@code s[bo ..]}) times the token's scaled sum ({@code xSums}); all
     * added to {@code c[co + i·cStride ..]} at the end ({@code add}) or stored there.
     */
    static void tile6x1(int[] w, int wo, int blocks, short[] x, int xo, float[] s, int so, int bo, float[] xs, int xso,
                        float[] xSums, float[] c, int co, int cStride, boolean add) {
        final int n = LANES;
        FloatVector c0l = FloatVector.zero(Kernels.FLOATS), c0h = c0l, c1l = c0l, c1h = c0l, c2l = c0l, c2h = c0l,
                c3l = c0l, c3h = c0l, c4l = c0l, c4h = c0l, c5l = c0l, c5h = c0l;
        for (int b = 0; b < blocks; b++) {
            ShortVector a0 = ShortVector.zero(SHORTS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
            for (int k = b * BLOCK, end = k + BLOCK; k < end; k++) {
                ShortVector x0 = ShortVector.fromArray(SHORTS, x, xo + k * PANEL);
                a0 = a0.add(x0.mul(IntVector.broadcast(Kernels.INTS, w[wo + k]).reinterpretAsShorts()));
                a1 = a1.add(x0.mul(IntVector.broadcast(Kernels.INTS, w[wo + k + K_CHUNK]).reinterpretAsShorts()));
                a2 = a2.add(x0.mul(IntVector.broadcast(Kernels.INTS, w[wo + k + 2 * K_CHUNK]).reinterpretAsShorts()));
                a3 = a3.add(x0.mul(IntVector.broadcast(Kernels.INTS, w[wo + k + 3 * K_CHUNK]).reinterpretAsShorts()));
                a4 = a4.add(x0.mul(IntVector.broadcast(Kernels.INTS, w[wo + k + 4 * K_CHUNK]).reinterpretAsShorts()));
                a5 = a5.add(x0.mul(IntVector.broadcast(Kernels.INTS, w[wo + k + 5 * K_CHUNK]).reinterpretAsShorts()));
            }
            int t = xso + b * PANEL;
            FloatVector xl = FloatVector.fromArray(Kernels.FLOATS, xs, t);
            FloatVector xh = FloatVector.fromArray(Kernels.FLOATS, xs, t + n);
            IntVector sum;
            FloatVector d;
            sum = a0.reinterpretAsInts();
            d = FloatVector.broadcast(Kernels.FLOATS, s[so + b]);
            c0l = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(xl.mul(d), c0l);
            c0h = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(xh.mul(d), c0h);
            sum = a1.reinterpretAsInts();
            d = FloatVector.broadcast(Kernels.FLOATS, s[so + b + CHUNK_BLOCKS]);
            c1l = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(xl.mul(d), c1l);
            c1h = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(xh.mul(d), c1h);
            sum = a2.reinterpretAsInts();
            d = FloatVector.broadcast(Kernels.FLOATS, s[so + b + 2 * CHUNK_BLOCKS]);
            c2l = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(xl.mul(d), c2l);
            c2h = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(xh.mul(d), c2h);
            sum = a3.reinterpretAsInts();
            d = FloatVector.broadcast(Kernels.FLOATS, s[so + b + 3 * CHUNK_BLOCKS]);
            c3l = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(xl.mul(d), c3l);
            c3h = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(xh.mul(d), c3h);
            sum = a4.reinterpretAsInts();
            d = FloatVector.broadcast(Kernels.FLOATS, s[so + b + 4 * CHUNK_BLOCKS]);
            c4l = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(xl.mul(d), c4l);
            c4h = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(xh.mul(d), c4h);
            sum = a5.reinterpretAsInts();
            d = FloatVector.broadcast(Kernels.FLOATS, s[so + b + 5 * CHUNK_BLOCKS]);
            c5l = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(xl.mul(d), c5l);
            c5h = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(xh.mul(d), c5h);
            if (bo >= 0) {
                FloatVector el = FloatVector.fromArray(Kernels.FLOATS, xSums, t);
                FloatVector eh = FloatVector.fromArray(Kernels.FLOATS, xSums, t + n);
                d = FloatVector.broadcast(Kernels.FLOATS, s[bo + b]);
                c0l = el.fma(d, c0l);
                c0h = eh.fma(d, c0h);
                d = FloatVector.broadcast(Kernels.FLOATS, s[bo + b + CHUNK_BLOCKS]);
                c1l = el.fma(d, c1l);
                c1h = eh.fma(d, c1h);
                d = FloatVector.broadcast(Kernels.FLOATS, s[bo + b + 2 * CHUNK_BLOCKS]);
                c2l = el.fma(d, c2l);
                c2h = eh.fma(d, c2h);
                d = FloatVector.broadcast(Kernels.FLOATS, s[bo + b + 3 * CHUNK_BLOCKS]);
                c3l = el.fma(d, c3l);
                c3h = eh.fma(d, c3h);
                d = FloatVector.broadcast(Kernels.FLOATS, s[bo + b + 4 * CHUNK_BLOCKS]);
                c4l = el.fma(d, c4l);
                c4h = eh.fma(d, c4h);
                d = FloatVector.broadcast(Kernels.FLOATS, s[bo + b + 5 * CHUNK_BLOCKS]);
                c5l = el.fma(d, c5l);
                c5h = eh.fma(d, c5h);
            }
        }
        (add ? c0l.add(FloatVector.fromArray(Kernels.FLOATS, c, co)) : c0l).intoArray(c, co);
        (add ? c0h.add(FloatVector.fromArray(Kernels.FLOATS, c, co + n)) : c0h).intoArray(c, co + n);
        (add ? c1l.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride)) : c1l).intoArray(c, co + cStride);
        (add ? c1h.add(FloatVector.fromArray(Kernels.FLOATS, c, co + cStride + n)) : c1h).intoArray(c, co + cStride + n);
        (add ? c2l.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride)) : c2l).intoArray(c, co + 2 * cStride);
        (add ? c2h.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 2 * cStride + n)) : c2h).intoArray(c, co + 2 * cStride + n);
        (add ? c3l.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * cStride)) : c3l).intoArray(c, co + 3 * cStride);
        (add ? c3h.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 3 * cStride + n)) : c3h).intoArray(c, co + 3 * cStride + n);
        (add ? c4l.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 4 * cStride)) : c4l).intoArray(c, co + 4 * cStride);
        (add ? c4h.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 4 * cStride + n)) : c4h).intoArray(c, co + 4 * cStride + n);
        (add ? c5l.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 5 * cStride)) : c5l).intoArray(c, co + 5 * cStride);
        (add ? c5h.add(FloatVector.fromArray(Kernels.FLOATS, c, co + 5 * cStride + n)) : c5h).intoArray(c, co + 5 * cStride + n);
    }

    /** As {@link #tile6x1} for one row: the rows of a group left over after its micro-tiles. */
    static void tile1(int[] w, int wo, int blocks, short[] x, int xo, float[] s, int so, int bo, float[] xs, int xso,
                      float[] xSums, float[] c, int co, boolean add) {
        final int n = LANES;
        FloatVector c0l = FloatVector.zero(Kernels.FLOATS), c0h = c0l;
        for (int b = 0; b < blocks; b++) {
            ShortVector a0 = ShortVector.zero(SHORTS);
            for (int k = b * BLOCK, end = k + BLOCK; k < end; k++) {
                ShortVector x0 = ShortVector.fromArray(SHORTS, x, xo + k * PANEL);
                a0 = a0.add(x0.mul(IntVector.broadcast(Kernels.INTS, w[wo + k]).reinterpretAsShorts()));
            }
            int t = xso + b * PANEL;
            FloatVector xl = FloatVector.fromArray(Kernels.FLOATS, xs, t);
            FloatVector xh = FloatVector.fromArray(Kernels.FLOATS, xs, t + n);
            IntVector sum;
            FloatVector d;
            sum = a0.reinterpretAsInts();
            d = FloatVector.broadcast(Kernels.FLOATS, s[so + b]);
            c0l = ((FloatVector) sum.lanewise(VectorOperators.LSHL, 16)
                    .convert(VectorOperators.I2F, 0)).fma(xl.mul(d), c0l);
            c0h = ((FloatVector) sum.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(xh.mul(d), c0h);
            if (bo >= 0) {
                FloatVector el = FloatVector.fromArray(Kernels.FLOATS, xSums, t);
                FloatVector eh = FloatVector.fromArray(Kernels.FLOATS, xSums, t + n);
                d = FloatVector.broadcast(Kernels.FLOATS, s[bo + b]);
                c0l = el.fma(d, c0l);
                c0h = eh.fma(d, c0h);
            }
        }
        (add ? c0l.add(FloatVector.fromArray(Kernels.FLOATS, c, co)) : c0l).intoArray(c, co);
        (add ? c0h.add(FloatVector.fromArray(Kernels.FLOATS, c, co + n)) : c0h).intoArray(c, co + n);
    }
}
