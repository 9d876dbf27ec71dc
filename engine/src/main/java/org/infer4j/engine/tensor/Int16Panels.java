package org.infer4j.engine.tensor;

/**
 * A batch's 8-bit quantized input (Q8_0 or Q8_K) laid out for {@link Int16Gemm}: the int8 values widened to int16,
 * in panels of {@link TileGemm#PANEL} tokens, plus each token's scale (and, for Q8_K, scaled sum) per block of
 * {@value #BLOCK} columns, in panels of tokens too.
 * <p>
 * Panel {@code p} holds, for column {@code k}, its tokens' values at {@code values[(p·cols + k)·PANEL ..]}, in two
 * vectors of {@code 2·LANES} shorts. Within a vector, lane {@code 2i} is token {@code i} and lane {@code 2i + 1} is
 * token {@code LANES + i} (of that vector's tokens): read as ints, an int16 sum's low halves are then the first
 * {@code LANES} tokens and its high halves the next, in order, so a shift and a conversion bring both into float
 * lanes in token order. Scales and sums are at {@code [(p·cols/BLOCK + b)·PANEL + t]}, tokens in order. Tokens
 * past the batch are zero.
 */
final class Int16Panels implements RangeTask {
    /** Columns per scale: a Q8_0 block, a Q4_K sub-block. */
    static final int BLOCK = 32;
    /** Columns laid out at a time by one task: each token's row is read in order while the strip stays in L1. */
    private static final int STRIP = 64;

    private final int maxTokens;
    private final int maxCols;
    private short[] values;
    private float[] scales;
    private float[] sums;
    /** The form laid out, null when none is (for the current input). */
    private InputFormat format;

    private Activations source;
    private InputFormat laying;

    Int16Panels(int maxTokens, int maxCols) {
        this.maxTokens = maxTokens;
        this.maxCols = maxCols;
    }

    /** Forgets the layout: the input changed. */
    void invalidate() {
        format = null;
    }

    /** Lays out {@code x}'s prepared form {@code form} (Q8_0 or Q8_K) unless it is already; {@code pool} may be null. */
    void prepare(Activations x, InputFormat form, WorkerPool pool) {
        if (format == form) {
            return;
        }
        if (form != InputFormat.Q8_0 && form != InputFormat.Q8_K) {
            throw new IllegalArgumentException("int16 panels of " + form + " input");
        }
        if (values == null) {
            int padded = TileGemm.paddedTokens(maxTokens);
            int paddedCols = Math.ceilDiv(maxCols, BLOCK) * BLOCK;
            values = new short[padded * paddedCols];
            scales = new float[padded * paddedCols / BLOCK];
            sums = new float[padded * paddedCols / BLOCK];
        }
        source = x;
        laying = form;
        int strips = Math.ceilDiv(x.cols(), STRIP);
        if (pool == null) {
            run(0, strips, 0);
        } else {
            pool.parallelFor(strips, this);
        }
        source = null;
        format = form;
    }

    /** Widened values, ready for {@code form}. */
    short[] values(InputFormat form) {
        require(form);
        return values;
    }

    /** Per block and token: the input's scale (Q8_K: its super-block's). */
    float[] scales(InputFormat form) {
        require(form);
        return scales;
    }

    /** Per block and token, Q8_K only: scale × the sum of the block's values. */
    float[] sums(InputFormat form) {
        require(form);
        if (form != InputFormat.Q8_K) {
            throw new IllegalArgumentException("block sums are laid out for Q8_K input only");
        }
        return sums;
    }

    private void require(InputFormat form) {
        if (format != form) {
            throw new IllegalStateException("int16 panels of " + form + " input not prepared");
        }
    }

    /** Lays out strips {@code [from, to)} of {@link #STRIP} columns, every token. */
    @Override
    public void run(int from, int to, int worker) {
        Activations x = source;
        boolean k = laying == InputFormat.Q8_K;
        byte[] q = k ? x.q8kValues() : x.q8Values();
        float[] d = k ? x.q8kScales() : x.q8Scales();
        int[] sums16 = k ? x.q8kSums() : null;
        int tokens = x.tokens();
        int cols = x.cols();
        int blocks = cols / BLOCK;
        int scaleBlock = k ? Activations.Q8K_BLOCK : Activations.Q8_BLOCK;
        final int panel = TileGemm.PANEL;
        final int lanes = Kernels.LANES;
        int colFrom = from * STRIP;
        int colTo = Math.min(cols, to * STRIP);
        for (int p = 0; p * panel < tokens; p++) {
            int first = p * panel;
            int count = Math.min(panel, tokens - first);
            int base = p * cols * panel;
            for (int j = 0; j < panel; j++) {
                // Lane of token j: which vector, then interleaved as the class comment says.
                int v = j / (2 * lanes);
                int i = j % (2 * lanes);
                int lane = v * 2 * lanes + (i < lanes ? 2 * i : 2 * (i - lanes) + 1);
                if (j >= count) {
                    for (int c = colFrom; c < colTo; c++) {
                        values[base + c * panel + lane] = 0;
                    }
                    for (int b = colFrom / BLOCK; b < colTo / BLOCK; b++) {
                        scales[(p * blocks + b) * panel + j] = 0;
                        sums[(p * blocks + b) * panel + j] = 0;
                    }
                    continue;
                }
                int row = (first + j) * cols;
                for (int c = colFrom; c < colTo; c++) {
                    values[base + c * panel + lane] = q[row + c];
                }
                for (int b = colFrom / BLOCK; b < colTo / BLOCK; b++) {
                    float scale = d[(row + b * BLOCK) / scaleBlock];
                    scales[(p * blocks + b) * panel + j] = scale;
                    if (k) {
                        int at = (row + b * BLOCK) / 16;
                        sums[(p * blocks + b) * panel + j] = scale * (sums16[at] + sums16[at + 1]);
                    }
                }
            }
        }
    }
}
