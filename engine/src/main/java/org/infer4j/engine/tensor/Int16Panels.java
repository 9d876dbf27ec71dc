package org.infer4j.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * A batch's 8-bit quantized input (Q8_0 or Q8_K) laid out for {@link Int16Gemm}: the int8 values widened to int16,
 * in panels of {@link TileGemm#PANEL} tokens, plus each token's scale (and, for Q8_K, scaled sum) per block of
 * {@value #BLOCK} columns, in panels of tokens too.
 * <p>
 * Panel {@code p} holds, for column {@code k}, its tokens' values at {@code values[(p·cols + k)·PANEL ..]}, in two
 * vectors of {@code 2·LANES} shorts. Within a vector, lane {@code 2i} is token {@code i} and lane {@code 2i + 1} is
 * token {@code LANES + i} (of that vector's tokens): read as ints, an int16 sum's low halves are then the first
 * {@code LANES} tokens and its high halves the next, in order, so a shift and a conversion bring both into float
 * lanes in token order. Scales and sums are at {@code [(p·cols/BLOCK + b)·PANEL + t]}, tokens in order; the scales
 * of the tokens in low halves are stored times 2<sup>-16</sup>, as the kernel reads those sums shifted up by 16 bits
 * (exact: a power of two, short of scales below ~10<sup>-33</sup>, where it rounds). Tokens past the batch are zero.
 */
final class Int16Panels implements RangeTask {
    /** Columns per scale: a Q8_0 block, a Q4_K sub-block. */
    static final int BLOCK = 32;
    /** The factor on the scales of the tokens in low halves, which the kernel reads shifted up by 16 bits. */
    private static final float LOW_HALF_SCALE = 0x1p-16f;
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
        allocate();
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

    /**
     * Lays out the Q8_0 form of a batch given in columns, {@code columns[c·stride + t]} for token {@code t} and column
     * {@code c}, without the batch in rows: each token's blocks quantized as {@link Quantizer#quantizeQ8Activations}
     * quantizes a row (the same products and roundings, so the same values and scales), sixteen tokens to a vector.
     * Values past the batch in {@code columns} are not read. {@code pool} may be null.
     */
    void prepareFromColumns(float[] columns, int stride, int tokens, int cols, WorkerPool pool) {
        if (cols % BLOCK != 0 || tokens > maxTokens || cols > maxCols || stride < TileGemm.paddedTokens(tokens)) {
            throw new IllegalArgumentException("columns of " + tokens + "x" + cols + " (stride " + stride
                    + ") for panels of at most " + maxTokens + "x" + maxCols);
        }
        allocate();
        columnSource = columns;
        columnStride = stride;
        columnTokens = tokens;
        columnCount = cols;
        if (pool == null) {
            fromColumns(0, cols / BLOCK, 0);
        } else {
            pool.parallelFor(cols / BLOCK, fromColumnsTask);
        }
        columnSource = null;
        format = InputFormat.Q8_0;
    }

    private float[] columnSource;
    private int columnStride;
    private int columnTokens;
    private int columnCount;
    private final RangeTask fromColumnsTask = this::fromColumns;

    /**
     * Blocks {@code [from, to)} of {@link #prepareFromColumns}: per vector of a panel, its two sets of sixteen tokens
     * (low and high halves), each block's 32 columns read twice (their largest magnitude, then the quants) from
     * strips that stay in L1.
     */
    private void fromColumns(int from, int to, int worker) {
        final int lanes = Kernels.LANES;
        final int panel = TileGemm.PANEL;
        float[] x = columnSource;
        int stride = columnStride;
        int tokens = columnTokens;
        int cols = columnCount;
        int blocks = cols / BLOCK;
        float[] work = WORK.get();
        for (int b = from; b < to; b++) {
            int c0 = b * BLOCK;
            for (int p = 0; p * panel < tokens; p++) {
                for (int v = 0; v < panel / (2 * lanes); v++) {
                    int low = p * panel + 2 * lanes * v;
                    int high = low + lanes;
                    VectorMask<Float> lowOut = Kernels.FLOATS.indexInRange(low, tokens).not();
                    VectorMask<Float> highOut = Kernels.FLOATS.indexInRange(high, tokens).not();
                    FloatVector lowMax = FloatVector.zero(Kernels.FLOATS);
                    FloatVector highMax = lowMax;
                    for (int k = 0, at = c0 * stride; k < BLOCK; k++, at += stride) {
                        lowMax = lowMax.max(FloatVector.fromArray(Kernels.FLOATS, x, at + low).blend(0f, lowOut).abs());
                        highMax = highMax.max(FloatVector.fromArray(Kernels.FLOATS, x, at + high).blend(0f, highOut).abs());
                    }
                    FloatVector lowInverse = FloatVector.broadcast(Kernels.FLOATS, 127f).div(lowMax).blend(0f, lowMax.eq(0f));
                    FloatVector highInverse = FloatVector.broadcast(Kernels.FLOATS, 127f).div(highMax).blend(0f, highMax.eq(0f));
                    int scaleAt = (p * blocks + b) * panel + 2 * lanes * v;
                    lowMax.div(127f).intoArray(work, 0);
                    highMax.div(127f).intoArray(work, lanes);
                    for (int i = 0; i < lanes; i++) {
                        // Low halves are read shifted up by 16 bits (see the class comment).
                        scales[scaleAt + i] = Half.roundToF16(work[i]) * LOW_HALF_SCALE;
                        scales[scaleAt + lanes + i] = Half.roundToF16(work[lanes + i]);
                    }
                    int vector = p * cols * panel + 2 * lanes * v;
                    for (int k = 0, at = c0 * stride; k < BLOCK; k++, at += stride) {
                        IntVector lowQuants = Quantizer.q8Quants(FloatVector.fromArray(Kernels.FLOATS, x, at + low).blend(0f, lowOut), lowInverse);
                        IntVector highQuants = Quantizer.q8Quants(FloatVector.fromArray(Kernels.FLOATS, x, at + high).blend(0f, highOut), highInverse);
                        lowQuants.and(0xFFFF).or(highQuants.lanewise(VectorOperators.LSHL, 16)).reinterpretAsShorts()
                                .intoArray(values, vector + (c0 + k) * panel);
                    }
                }
            }
        }
    }

    private void allocate() {
        if (values == null) {
            int padded = TileGemm.paddedTokens(maxTokens);
            int paddedCols = Math.ceilDiv(maxCols, BLOCK) * BLOCK;
            values = new short[padded * paddedCols];
            scales = new float[padded * paddedCols / BLOCK];
            sums = new float[padded * paddedCols / BLOCK];
        }
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
            boolean vectors = lanes == 16 && colFrom % 16 == 0 && colTo % 16 == 0;
            if (vectors) {
                for (int v = 0; v < panel / (2 * lanes); v++) {
                    layOutValues(q, tokens, cols, first + 2 * lanes * v, base + 2 * lanes * v, colFrom, colTo);
                }
            }
            for (int j = 0; j < panel; j++) {
                // Lane of token j: which vector, then interleaved as the class comment says.
                int v = j / (2 * lanes);
                int i = j % (2 * lanes);
                int lane = v * 2 * lanes + (i < lanes ? 2 * i : 2 * (i - lanes) + 1);
                if (j >= count) {
                    for (int c = colFrom; c < colTo && !vectors; c++) {
                        values[base + c * panel + lane] = 0;
                    }
                    for (int b = colFrom / BLOCK; b < colTo / BLOCK; b++) {
                        scales[(p * blocks + b) * panel + j] = 0;
                        sums[(p * blocks + b) * panel + j] = 0;
                    }
                    continue;
                }
                int row = (first + j) * cols;
                for (int c = colFrom; c < colTo && !vectors; c++) {
                    values[base + c * panel + lane] = q[row + c];
                }
                // Low halves reach float shifted up by 16 bits (see the class comment): their scales undo it.
                float unshift = i < lanes ? LOW_HALF_SCALE : 1f;
                for (int b = colFrom / BLOCK; b < colTo / BLOCK; b++) {
                    float scale = d[(row + b * BLOCK) / scaleBlock];
                    scales[(p * blocks + b) * panel + j] = scale * unshift;
                    if (k) {
                        int at = (row + b * BLOCK) / 16;
                        sums[(p * blocks + b) * panel + j] = scale * (sums16[at] + sums16[at + 1]);
                    }
                }
            }
        }
    }

    /**
     * With 16 lanes, one vector of a panel ({@code 2·16} tokens from {@code first}, lanes interleaved as the class
     * says) for columns {@code [colFrom, colTo)}: per 16 columns, each pair of tokens {@code (i, 16 + i)} as one int
     * per column (the first in the low half), a 16 × 16 block of ints transposed ({@link Transpose}, on their bits)
     * into the columns' vectors. Element by element this was 2.6% of a Qwen2.5-0.5B-shaped Q4_0 pp512.
     */
    private void layOutValues(byte[] q, int tokens, int cols, int first, int at, int colFrom, int colTo) {
        float[] work = WORK.get();
        for (int k = colFrom; k < colTo; k += 16) {
            for (int i = 0; i < 16; i++) {
                int a = first + i, b = first + 16 + i;
                IntVector low = a < tokens
                        ? (IntVector) ByteVector.fromArray(ByteVector.SPECIES_128, q, a * cols + k).convertShape(VectorOperators.B2I, IntVector.SPECIES_512, 0)
                        : IntVector.zero(IntVector.SPECIES_512);
                IntVector high = b < tokens
                        ? (IntVector) ByteVector.fromArray(ByteVector.SPECIES_128, q, b * cols + k).convertShape(VectorOperators.B2I, IntVector.SPECIES_512, 0)
                        : IntVector.zero(IntVector.SPECIES_512);
                low.and(0xFFFF).or(high.lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(work, 16 * i);
            }
            Transpose.block(work, 0, 16, work, 256, 16, 16);
            for (int c = 0; c < 16; c++) {
                FloatVector.fromArray(FloatVector.SPECIES_512, work, 256 + 16 * c).reinterpretAsShorts()
                        .intoArray(values, at + (k + c) * TileGemm.PANEL);
            }
        }
    }

    /** A worker's space for {@link #layOutValues}: a 16 × 16 block and its transpose. */
    private static final ThreadLocal<float[]> WORK = ThreadLocal.withInitial(() -> new float[512]);
}
