package org.infer4j.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * A batch of input vectors for matrix multiplication: {@code tokens} rows of {@code cols} floats in
 * {@link #values()}, plus the derived forms that weight types ask for ({@link InputFormat}), computed once
 * per step by {@link #prepare} before the parallel multiply reads them. Buffers are allocated once for a
 * maximum batch and width and reused.
 */
public final class Activations {
    public static final int Q8_BLOCK = 32;
    public static final int Q8K_BLOCK = 256;
    /** Values of a single token one worker quantizes at least: below this the hand-off costs more than the work. */
    private static final int ONE_TOKEN_GRAIN = 1024;
    /** Columns laid out into panels at a time. */
    private static final int PANEL_STRIP = 64;

    private final float[] values;
    private final float[] rounded;
    private final byte[] q8Values;
    private final float[] q8Floats;
    /** One token's -8·(x[j] + x[j+16]) per Q8_0 block, j < 16: what the 4-bit offset of Q4_0 weights contributes. */
    private final float[] q4Offsets;
    private final float[] q4LaneOffsets;
    private final float[] q8Scales;
    private final float[] q8Sums;
    private final byte[] q8kValues;
    /**
     * One token's Q8_K sub-block sums laid out for the k-quant mins: per super-block 16 floats, eight zeros then the
     * sums of its eight runs of 32 values (exact integers).
     */
    private final float[] q8kMinSums;
    /**
     * One token's Q8_K int8 values as floats (exact), reordered for the Q4_K and Q6_K kernels. Off the heap and
     * 64-byte aligned, so a vector load of 16 floats never straddles two cache lines: a float[] lies where the
     * allocator put it, and the same kernel ran 30% slower in the runs whose array was not aligned.
     */
    private final MemorySegment q4kFloats;
    private final float[] q4kBias;
    private final MemorySegment q6kFloats;
    private final float[] q6kBias;
    private final byte[] q6kBytes;
    private final byte[] q4kBytes;
    private final short[] q8kShorts;
    private final short[] q4kFactors;
    private final short[] q4Factors;
    private final short[] q8Shorts;
    private final int[] q8LowSums;
    private final float[] q8kScales;
    private final int[] q8kSums;
    private final int[] q8kCentring;
    private final int maxTokens;
    private final int maxCols;
    /** The Q8_0 and Q8_K forms laid out for {@link Int16Gemm} (allocated on the first batch that needs them). */
    private final Int16Panels q8Int16Panels;
    private final Int16Panels q8kInt16Panels;
    /** The prepared forms rearranged for {@link TileGemm} (allocated on the first batch of several tokens). */
    private float[] floatPanels;
    private float[] q8Panels;
    private float[] q8kPanels;
    private InputFormat floatPanelFormat;
    /** Work handed to the pool by {@link #prepare}: created once, steered by the fields below. */
    private final RangeTask quantizeTask = this::quantizeTokens;
    private final RangeTask oneTokenTask = this::quantizeOneToken;
    private final RangeTask rowFormsTask = this::deriveRowForms;
    /** Whether the row kernels' one-token forms of Q8_0 / Q8_K are derived for the current input. */
    private boolean q8RowForms, q8kRowForms;
    /** Whether {@link #quantizeOneToken} derives them too. */
    private boolean deriving;
    private final RangeTask panelTask = this::layOutStrips;
    private InputFormat quantizing;
    private InputFormat panelSource;
    private float[] panelTarget;
    private boolean q8PanelsReady;
    private boolean q8kPanelsReady;
    private int tokens;
    private int cols;
    private InputFormat roundedFormat;
    private boolean q8Ready;
    private boolean q8SumsReady;
    private boolean q8kReady;
    /** Set by {@link #setQuantizedColumns}: only the Q8_0 panels hold the batch, not {@link #values}. */
    private boolean panelsOnly;
    /** Whether those panels are the int16 ones ({@link Int16Gemm}) or the float ones ({@link TileGemm}). */
    private boolean panelsInt16;
    private final RangeTask panelsFromColumnsTask = this::q8PanelsFromColumns;
    private float[] columnSource;
    private int columnStride;

    public Activations(int maxTokens, int maxCols) {
        this.maxTokens = maxTokens;
        this.maxCols = maxCols;
        int padded = Math.ceilDiv(maxCols, Q8_BLOCK) * Q8_BLOCK;
        this.values = new float[maxTokens * maxCols];
        this.rounded = new float[maxTokens * maxCols];
        this.q8Values = new byte[maxTokens * padded];
        this.q8Floats = new float[maxTokens * padded];
        this.q4Offsets = new float[padded / 2];
        this.q4LaneOffsets = new float[padded / Q8_BLOCK];
        this.q8Scales = new float[maxTokens * padded / Q8_BLOCK];
        this.q8Sums = new float[maxTokens * padded / Q8_BLOCK];
        int paddedK = Math.ceilDiv(maxCols, Q8K_BLOCK) * Q8K_BLOCK;
        this.q8kValues = new byte[maxTokens * paddedK];
        this.q8kMinSums = new float[paddedK / 16];
        this.q4kFloats = Arena.ofAuto().allocate(4L * paddedK, 64);
        this.q4kBias = new float[paddedK / 16];
        this.q6kFloats = Arena.ofAuto().allocate(4L * paddedK, 64);
        this.q6kBias = new float[paddedK / 16];
        this.q6kBytes = new byte[paddedK];
        this.q4kBytes = new byte[paddedK];
        this.q8kShorts = new short[paddedK];
        this.q4kFactors = new short[paddedK];
        this.q4Factors = new short[padded];
        this.q8Shorts = new short[padded];
        this.q8LowSums = new int[padded / Q8_BLOCK];
        this.q8kScales = new float[maxTokens * paddedK / Q8K_BLOCK];
        this.q8kSums = new int[maxTokens * paddedK / 16];
        this.q8kCentring = new int[paddedK / 8];
        this.q8Int16Panels = new Int16Panels(maxTokens, maxCols);
        this.q8kInt16Panels = new Int16Panels(maxTokens, maxCols);
    }

    /** Declares that {@code values()} now holds {@code tokens} rows of {@code cols} (row stride {@code cols}). */
    public Activations set(int tokens, int cols) {
        if (tokens > maxTokens || cols > maxCols) {
            throw new IllegalArgumentException("activations of " + tokens + "x" + cols + " exceed " + maxTokens + "x" + maxCols);
        }
        this.tokens = tokens;
        this.cols = cols;
        this.roundedFormat = null;
        this.q8Ready = false;
        this.q8SumsReady = false;
        this.q8kReady = false;
        this.q8RowForms = false;
        this.q8kRowForms = false;
        this.floatPanelFormat = null;
        this.q8PanelsReady = false;
        this.q8kPanelsReady = false;
        this.q8Int16Panels.invalidate();
        this.q8kInt16Panels.invalidate();
        this.panelsOnly = false;
        return this;
    }

    /**
     * Declares a batch of {@code tokens} rows of {@code cols} given in columns, {@code columns[c·stride + t]} (as
     * {@link MatMul#multiplyColumns} writes them), and lays out the one form {@code reader} then reads it in: the
     * panels of its Q8_0 quantization, int16 or float ({@link MatMul#readsQuantizedColumns}), the same values and
     * scales as {@link #set} and {@link #prepare} would make from the rows. The rows themselves are not written:
     * until the next {@code set}, asking for any other form fails. {@code pool} may be null.
     */
    public void setQuantizedColumns(float[] columns, int stride, int tokens, int cols, WeightMatrix reader,
                                    WorkerPool pool) {
        if (tokens < 2) {
            throw new IllegalArgumentException("a batch in columns needs at least 2 tokens, got " + tokens);
        }
        if (!MatMul.readsQuantizedColumns(reader)) {
            throw new IllegalArgumentException(reader.name() + " (" + reader.type() + ") does not read Q8_0 panels");
        }
        set(tokens, cols);
        panelsInt16 = reader instanceof Int16Tiles;
        if (panelsInt16) {
            q8Int16Panels.prepareFromColumns(columns, stride, tokens, cols, pool);
        } else {
            if (cols % Q8_BLOCK != 0 || stride < TileGemm.paddedTokens(tokens)) {
                throw new IllegalArgumentException("columns of " + tokens + "x" + cols + " (stride " + stride
                        + ") for Q8_0 panels");
            }
            q8Panels = allocated(q8Panels);
            columnSource = columns;
            columnStride = stride;
            run(pool, cols / Q8_BLOCK, 1, panelsFromColumnsTask);
            columnSource = null;
            q8PanelsReady = true;
        }
        panelsOnly = true;
    }

    /**
     * Blocks {@code [from, to)} of a batch in columns ({@link #setQuantizedColumns}) → the float panels of its Q8_0
     * form: per vector of a panel's tokens, the block's 32 columns read twice (their largest magnitude, then the
     * quants), each value quantized as {@link Quantizer#quantizeQ8Activations} quantizes a row and decoded as
     * {@link #layOutStrips} decodes it (quant × the scale rounded to half precision): the same bits. Lanes past the
     * batch are zero, as there.
     */
    private void q8PanelsFromColumns(int from, int to, int worker) {
        final int lanes = Kernels.LANES;
        final int panel = TileGemm.PANEL;
        float[] x = columnSource;
        float[] panels = q8Panels;
        float[] work = PANEL_WORK.get();
        int stride = columnStride;
        for (int b = from; b < to; b++) {
            int c0 = b * Q8_BLOCK;
            for (int p = 0; p * panel < tokens; p++) {
                for (int v = 0; v < panel / lanes; v++) {
                    int first = p * panel + v * lanes;
                    int out = p * cols * panel + c0 * panel + v * lanes;
                    if (first >= tokens) {
                        for (int k = 0; k < Q8_BLOCK; k++) {
                            FloatVector.zero(Kernels.FLOATS).intoArray(panels, out + k * panel);
                        }
                        continue;
                    }
                    VectorMask<Float> past = Kernels.FLOATS.indexInRange(first, tokens).not();
                    FloatVector max = FloatVector.zero(Kernels.FLOATS);
                    for (int k = 0, at = c0 * stride + first; k < Q8_BLOCK; k++, at += stride) {
                        max = max.max(FloatVector.fromArray(Kernels.FLOATS, x, at).blend(0f, past).abs());
                    }
                    FloatVector inverse = FloatVector.broadcast(Kernels.FLOATS, 127f).div(max).blend(0f, max.eq(0f));
                    max.div(127f).intoArray(work, 0);
                    for (int i = 0; i < lanes; i++) {
                        work[i] = Half.roundToF16(work[i]);
                    }
                    FloatVector scale = FloatVector.fromArray(Kernels.FLOATS, work, 0);
                    for (int k = 0, at = c0 * stride + first; k < Q8_BLOCK; k++, at += stride) {
                        FloatVector value = FloatVector.fromArray(Kernels.FLOATS, x, at).blend(0f, past);
                        ((FloatVector) Quantizer.q8Quants(value, inverse).convert(VectorOperators.I2F, 0)).mul(scale)
                                .intoArray(panels, out + k * panel);
                    }
                }
            }
        }
    }

    public float[] values() {
        return values;
    }

    public int tokens() {
        return tokens;
    }

    public int cols() {
        return cols;
    }

    /**
     * Computes the derived form {@code format} (once per {@link #set}); call before a parallel multiply. For a
     * batch of several tokens it also lays that form out as {@link #panels} for the batched kernel.
     */
    public void prepare(InputFormat format) {
        prepare(format, null);
    }

    /**
     * As {@link #prepare(InputFormat)}, sharing a batch's quantization and panel layout among {@code pool}'s workers
     * (by tokens, then by strips of columns): done by one thread it would take a sixth of a prompt's time.
     * {@code pool} may be null (the caller does it all); a single token is always prepared by the caller.
     */
    public void prepare(InputFormat format, WorkerPool pool) {
        prepare(format, false, true, pool);
    }

    /**
     * As {@link #prepare(InputFormat, WorkerPool)}; with {@code int16}, a batch is laid out as {@link #int16Panels}
     * (for {@link Int16Gemm}) instead of float panels. A single token is quantized in blocks shared among the
     * workers, and the forms only the row-at-a-time kernels read are derived with {@code rowForms} alone (for
     * matrices re-laid whole, {@link RowGroups}, they were a third of the time a generated token spent quantizing).
     */
    void prepare(InputFormat format, boolean int16, boolean rowForms, WorkerPool pool) {
        if (panelsOnly) {
            if (format == InputFormat.Q8_0 && int16 == panelsInt16) {
                return;
            }
            throw new IllegalStateException("a batch set in columns has only its Q8_0 " + (panelsInt16 ? "int16 " : "")
                    + "panels, not " + format + (int16 ? " int16 panels" : " panels"));
        }
        switch (format) {
            case F32 -> { }
            case F16_ROUNDED, BF16_ROUNDED -> {
                if (roundedFormat != format) {
                    int n = tokens * cols;
                    for (int i = 0; i < n; i++) {
                        rounded[i] = format == InputFormat.F16_ROUNDED ? Half.roundToF16(values[i]) : Half.roundToBf16(values[i]);
                    }
                    roundedFormat = format;
                }
            }
            case Q8_0, Q8_1 -> {
                if (!q8Ready) {
                    if (cols % Q8_BLOCK != 0) {
                        throw new IllegalStateException("Q8_0 input needs a multiple of " + Q8_BLOCK + " columns, got " + cols);
                    }
                    quantizing = InputFormat.Q8_0;
                    if (tokens == 1) {
                        deriving = rowForms;
                        run(pool, cols / Q8_BLOCK, ONE_TOKEN_GRAIN / Q8_BLOCK, oneTokenTask);
                        q8RowForms = rowForms;
                    } else {
                        run(pool, tokens, 1, quantizeTask);
                    }
                    q8Ready = true;
                } else if (tokens == 1 && rowForms && !q8RowForms) {
                    quantizing = InputFormat.Q8_0;
                    run(pool, cols / Q8_BLOCK, ONE_TOKEN_GRAIN / Q8_BLOCK, rowFormsTask);
                    q8RowForms = true;
                }
                if (format == InputFormat.Q8_1 && !q8SumsReady) {
                    for (int t = 0; t < tokens; t++) {
                        Quantizer.q8BlockSums(values, t * cols, cols, q8Values, t * cols, q8Sums, t * cols / Q8_BLOCK);
                    }
                    q8SumsReady = true;
                }
            }
            case Q8_K -> {
                if (!q8kReady) {
                    if (cols % Q8K_BLOCK != 0) {
                        throw new IllegalStateException("Q8_K input needs a multiple of " + Q8K_BLOCK + " columns, got " + cols);
                    }
                    quantizing = InputFormat.Q8_K;
                    if (tokens == 1) {
                        deriving = rowForms;
                        run(pool, cols / Q8K_BLOCK, ONE_TOKEN_GRAIN / Q8K_BLOCK, oneTokenTask);
                        q8kRowForms = rowForms;
                    } else {
                        run(pool, tokens, 1, quantizeTask);
                    }
                    q8kReady = true;
                } else if (tokens == 1 && rowForms && !q8kRowForms) {
                    quantizing = InputFormat.Q8_K;
                    run(pool, cols / Q8K_BLOCK, ONE_TOKEN_GRAIN / Q8K_BLOCK, rowFormsTask);
                    q8kRowForms = true;
                }
            }
        }
        if (tokens > 1 && int16) {
            int16Panels(format).prepare(this, format, pool);
        } else if (tokens > 1) {
            preparePanels(format, pool);
        }
    }

    /** The batch's int16 panels of {@code format} (Q8_0 or Q8_K), laid out by {@code prepare} with {@code int16}. */
    Int16Panels int16Panels(InputFormat format) {
        return switch (format) {
            case Q8_0 -> q8Int16Panels;
            case Q8_K -> q8kInt16Panels;
            case F32, F16_ROUNDED, BF16_ROUNDED, Q8_1 -> throw new IllegalArgumentException("no int16 panels of " + format);
        };
    }

    private static void run(WorkerPool pool, int count, int grain, RangeTask task) {
        if (pool == null || count == 1) {
            task.run(0, count, 0);
        } else {
            pool.parallelFor(count, grain, task);
        }
    }

    /**
     * Whether the one-token kernels read this input as bytes ({@link Kernels#LONG_ROW}): a matrix's columns are the
     * input's, so one token needs either the float forms or the byte forms, never both.
     */
    private boolean longRows() {
        return cols > Kernels.LONG_ROW;
    }

    /**
     * Fails unless a single-token form is ready for the current input: {@code ready}, one token, and of the width the
     * one-token kernels read at these columns ({@code bytes} past {@link Kernels#LONG_ROW}, floats up to it).
     */
    private void requireOneToken(boolean ready, boolean bytes, String form) {
        if (!ready || tokens != 1 || longRows() != bytes) {
            throw new IllegalStateException(form + " are prepared for a single token of "
                    + (bytes ? "more than " : "at most ") + Kernels.LONG_ROW + " columns");
        }
    }

    /** Quantizes tokens {@code [from, to)} of a batch to the form {@link #quantizing}. */
    private void quantizeTokens(int from, int to, int worker) {
        for (int t = from; t < to; t++) {
            int at = t * cols;
            if (quantizing == InputFormat.Q8_0) {
                Quantizer.quantizeQ8Activations(values, at, cols, q8Values, at, q8Scales, at / Q8_BLOCK);
            } else {
                Quantizer.quantizeQ8KActivations(values, at, cols, q8kValues, at, q8kScales, at / Q8K_BLOCK, q8kSums, at / 16);
            }
        }
    }

    /**
     * A single token: quantizes blocks {@code [from, to)} (of 32 for Q8_0, 256 for Q8_K) to the form
     * {@link #quantizing}, and derives the forms the re-laid kernels read ({@link RowGroups}).
     */
    private void quantizeOneToken(int from, int to, int worker) {
        if (quantizing == InputFormat.Q8_0) {
            Quantizer.quantizeQ8Activations(values, Q8_BLOCK * from, Q8_BLOCK * (to - from), q8Values, Q8_BLOCK * from,
                    q8Scales, from);
            // The values as shorts (InterleavedQ8_0), the factors, then the sums of each block's first 16 values.
            widen(q8Values, q8Shorts, Q8_BLOCK * from, Q8_BLOCK * to);
            nibblePairFactors(q8Values, q4Factors, from, to);
            for (int b = from; b < to; b++) {
                int sum = 0;
                for (int j = 0; j < Q8_BLOCK / 2; j++) {
                    sum += q8Values[Q8_BLOCK * b + j];
                }
                q8LowSums[b] = sum;
            }
        } else {
            Quantizer.quantizeQ8KActivations(values, Q8K_BLOCK * from, Q8K_BLOCK * (to - from), q8kValues,
                    Q8K_BLOCK * from, q8kScales, from, q8kSums, 16 * from);
            widen(q8kValues, q8kShorts, Q8K_BLOCK * from, Q8K_BLOCK * to);
            nibblePairFactors(q8kValues, q4kFactors, Q8K_BLOCK / 32 * from, Q8K_BLOCK / 32 * to);
            for (int e = Q8K_BLOCK / 8 * from; e < Q8K_BLOCK / 8 * to; e++) {
                int sum = 0;
                for (int i = 0; i < 8; i++) {
                    sum += q8kValues[8 * e + i];
                }
                q8kCentring[e] = 32 * sum;
            }
        }
        if (deriving) {
            deriveRowForms(from, to, worker);
        }
    }

    /**
     * A single token, quantized: for blocks {@code [from, to)}, the forms the row-at-a-time kernels read (rows past a
     * matrix's re-laid groups, and types without them).
     */
    private void deriveRowForms(int from, int to, int worker) {
        if (quantizing == InputFormat.Q8_0) {
            for (int b = from; b < to; b++) {
                if (longRows()) {
                    int sum = 0;
                    for (int j = 0; j < Q8_BLOCK; j++) {
                        sum += q8Values[Q8_BLOCK * b + j];
                    }
                    q4LaneOffsets[b] = -8f * sum / Kernels.LANES;
                } else {
                    for (int i = Q8_BLOCK * b; i < Q8_BLOCK * (b + 1); i++) {
                        q8Floats[i] = q8Values[i] * q8Scales[b];
                    }
                    for (int j = 0; j < Q8_BLOCK / 2; j++) {
                        q4Offsets[16 * b + j] = -8f * (q8Floats[Q8_BLOCK * b + j] + q8Floats[Q8_BLOCK * b + 16 + j]);
                    }
                }
            }
            return;
        }
        for (int b = from; b < to; b++) {
            for (int s = 0; s < 8; s++) {
                int runSum = q8kSums[16 * b + 2 * s] + q8kSums[16 * b + 2 * s + 1];
                q8kMinSums[16 * b + s] = 0;
                q8kMinSums[16 * b + 8 + s] = runSum;
                q4kBias[16 * b + s] = -16f * runSum;
                q4kBias[16 * b + 8 + s] = 0;
            }
            for (int g = 0; g < 16; g++) {
                q6kBias[16 * b + g] = -96f * q8kSums[16 * b + g];
            }
            for (int i = 0; i < Q8K_BLOCK; i++) {
                int at4 = Q8K_BLOCK * b + Q4_KMatrix.NIBBLE_ORDER[i], at6 = Q8K_BLOCK * b + Q6_KMatrix.NIBBLE_ORDER[i];
                if (longRows()) {
                    q4kBytes[Q8K_BLOCK * b + i] = q8kValues[at4];
                    q6kBytes[Q8K_BLOCK * b + i] = q8kValues[at6];
                } else {
                    q4kFloats.setAtIndex(ValueLayout.JAVA_FLOAT, Q8K_BLOCK * b + i, q8kValues[at4]);
                    q6kFloats.setAtIndex(ValueLayout.JAVA_FLOAT, Q8K_BLOCK * b + i, q8kValues[at6]);
                }
            }
        }
    }

    private void preparePanels(InputFormat format, WorkerPool pool) {
        switch (format) {
            case F32, F16_ROUNDED, BF16_ROUNDED -> {
                if (floatPanelFormat != format) {
                    floatPanels = layOutPanels(format, floatPanels, pool);
                    floatPanelFormat = format;
                }
            }
            case Q8_0, Q8_1 -> {
                if (!q8PanelsReady) {
                    q8Panels = layOutPanels(InputFormat.Q8_0, q8Panels, pool);
                    q8PanelsReady = true;
                }
            }
            case Q8_K -> {
                if (!q8kPanelsReady) {
                    q8kPanels = layOutPanels(InputFormat.Q8_K, q8kPanels, pool);
                    q8kPanelsReady = true;
                }
            }
        }
    }

    /** Lays out the prepared form {@code source} as panels into {@code panels} (allocated on first use); returns it. */
    private float[] layOutPanels(InputFormat source, float[] panels, WorkerPool pool) {
        panels = allocated(panels);
        panelSource = source;
        panelTarget = panels;
        run(pool, Math.ceilDiv(cols, PANEL_STRIP), 1, panelTask);
        panelTarget = null;
        return panels;
    }

    /** {@code panels}, or room for the panels of the largest batch if it is null. */
    private float[] allocated(float[] panels) {
        return panels != null ? panels : new float[TileGemm.paddedTokens(maxTokens) * maxCols];
    }

    /**
     * Columns {@code [from·PANEL_STRIP, to·PANEL_STRIP)} of every token → panels of {@link TileGemm#PANEL} tokens,
     * token-minor: panel p holds, for each column k, the values of tokens {@code p·PANEL ..} at
     * {@code p·cols·PANEL + k·PANEL}, zero past the last token. A strip at a time, so each token's row is read in
     * order while the strip's panel rows stay in L1.
     */
    private void layOutStrips(int from, int to, int worker) {
        final int width = TileGemm.PANEL;
        float[] panels = panelTarget;
        InputFormat source = panelSource;
        float[] work = PANEL_WORK.get();
        float[] src = switch (source) {
            case F32, F16_ROUNDED, BF16_ROUNDED -> floats(source);
            case Q8_0, Q8_1, Q8_K -> null;
        };
        for (int p = 0; p * width < tokens; p++) {
            int first = p * width;
            int count = Math.min(width, tokens - first);
            int base = p * cols * width;
            for (int k0 = from * PANEL_STRIP, kEnd = Math.min(cols, to * PANEL_STRIP); k0 < kEnd; k0 += PANEL_STRIP) {
                int k1 = Math.min(kEnd, k0 + PANEL_STRIP);
                int blocked = Kernels.LANES == 16 ? k0 + (k1 - k0) / 16 * 16 : k0;
                for (int j0 = 0; j0 < count && blocked > k0; j0 += 16) {
                    for (int k = k0; k < blocked; k += 16) {
                        transposeBlock(source, src, first + j0, Math.min(16, count - j0), k, panels,
                                base + j0 + k * width, width, work);
                    }
                }
                for (int j = 0; j < count; j++) {
                    int s = (first + j) * cols;
                    int d = base + j;
                    // The quantized forms are decoded here, value × block scale, as the kernels of one token do.
                    switch (source) {
                        case F32, F16_ROUNDED, BF16_ROUNDED -> {
                            for (int k = blocked; k < k1; k++) {
                                panels[d + k * width] = src[s + k];
                            }
                        }
                        case Q8_0, Q8_1 -> {
                            for (int k = blocked; k < k1; k++) {
                                panels[d + k * width] = q8Values[s + k] * q8Scales[(s + k) / Q8_BLOCK];
                            }
                        }
                        case Q8_K -> {
                            for (int k = blocked; k < k1; k++) {
                                panels[d + k * width] = q8kValues[s + k] * q8kScales[(s + k) / Q8K_BLOCK];
                            }
                        }
                    }
                }
                for (int k = k0; k < k1; k++) {
                    java.util.Arrays.fill(panels, base + k * width + count, base + (k + 1) * width, 0f);
                }
            }
        }
    }

    /**
     * With 16 lanes, columns {@code [k, k + 16)} of {@code n} (≤ 16) tokens from {@code first} into their panel at
     * {@code d} ({@code width} apart per column): each token's 16 values decoded in one vector (value × block scale
     * for the Q8 forms, one rounding as element by element), a 16 × 16 block transposed in registers
     * ({@link Transpose}); lanes of missing tokens are zero. Element by element, the panels were 4.2% of a
     * Qwen2.5-0.5B-shaped Q8_0 pp512.
     */
    private void transposeBlock(InputFormat source, float[] src, int first, int n, int k, float[] panels, int d,
                                int width, float[] work) {
        for (int i = 0; i < 16; i++) {
            int s = (first + i) * cols + k;
            FloatVector v;
            if (i >= n) {
                v = FloatVector.zero(Kernels.FLOATS);
            } else {
                v = switch (source) {
                    case F32, F16_ROUNDED, BF16_ROUNDED -> FloatVector.fromArray(Kernels.FLOATS, src, s);
                    case Q8_0, Q8_1 -> ((FloatVector) ByteVector.fromArray(ByteVector.SPECIES_128, q8Values, s)
                            .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(q8Scales[s / Q8_BLOCK]);
                    case Q8_K -> ((FloatVector) ByteVector.fromArray(ByteVector.SPECIES_128, q8kValues, s)
                            .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(q8kScales[s / Q8K_BLOCK]);
                };
            }
            v.intoArray(work, 16 * i);
        }
        Transpose.block(work, 0, 16, panels, d, width, 16);
    }

    /** A worker's 16 × 16 block for {@link #transposeBlock}. */
    private static final ThreadLocal<float[]> PANEL_WORK = ThreadLocal.withInitial(() -> new float[256]);

    /**
     * The input in form {@code format} as {@link TileGemm}'s panels of {@link TileGemm#PANEL} tokens (the Q8 forms
     * decoded to value × scale, as {@link #q8Floats()} for one token); prepared by {@link #prepare} when there are several tokens.
     */
    float[] panels(InputFormat format) {
        boolean ready = switch (format) {
            case F32, F16_ROUNDED, BF16_ROUNDED -> floatPanelFormat == format;
            case Q8_0, Q8_1 -> q8PanelsReady;
            case Q8_K -> q8kPanelsReady;
        };
        if (!ready) {
            throw new IllegalStateException(format + " panels not prepared");
        }
        return switch (format) {
            case F32, F16_ROUNDED, BF16_ROUNDED -> floatPanels;
            case Q8_0, Q8_1 -> q8Panels;
            case Q8_K -> q8kPanels;
        };
    }

    /** Rows of floats in the prepared float form ({@code F32}, {@code F16_ROUNDED} or {@code BF16_ROUNDED}). */
    float[] floats(InputFormat format) {
        return switch (format) {
            case F32 -> values;
            case F16_ROUNDED, BF16_ROUNDED -> {
                if (roundedFormat != format) {
                    throw new IllegalStateException(format + " input not prepared");
                }
                yield rounded;
            }
            case Q8_0, Q8_1, Q8_K -> throw new IllegalArgumentException(format + " input is not floats");
        };
    }

    /** int8 values of the Q8_0 form; token {@code t} starts at {@code t * cols()}. */
    byte[] q8Values() {
        if (!q8Ready) {
            throw new IllegalStateException("Q8_0 input not prepared");
        }
        return q8Values;
    }

    /** For a single token, the int8 values of the Q8_0 form as shorts ({@link InterleavedQ8_0}). */
    short[] q8Shorts() {
        if (!q8Ready || tokens != 1) {
            throw new IllegalStateException("Q8_0 values as shorts are prepared for a single token");
        }
        return q8Shorts;
    }

    /** For a single token, per block of the Q8_0 form, the sum of its first 16 values ({@link RowGroups}). */
    int[] q8LowSums() {
        if (!q8Ready || tokens != 1) {
            throw new IllegalStateException("Q8_0 sums are prepared for a single token");
        }
        return q8LowSums;
    }

    /**
     * Runs {@code [from, to)} of 32 values: {@link #q4Factors()}'s factors of {@code values} into {@code factors}.
     */
    private static void nibblePairFactors(byte[] values, short[] factors, int from, int to) {
        if (Kernels.LANES == 16) {
            // Vectors of 16: the plain loop below ran scalar, ~1.4 cycles a value.
            for (int r = from; r < to; r++) {
                ShortVector low = (ShortVector) ByteVector.fromArray(ByteVector.SPECIES_128, values, 32 * r)
                        .convertShape(VectorOperators.B2S, ShortVector.SPECIES_256, 0);
                ShortVector high = (ShortVector) ByteVector.fromArray(ByteVector.SPECIES_128, values, 32 * r + 16)
                        .convertShape(VectorOperators.B2S, ShortVector.SPECIES_256, 0);
                low.intoArray(factors, 32 * r);
                high.sub(low.lanewise(VectorOperators.LSHL, 4)).intoArray(factors, 32 * r + 16);
            }
            return;
        }
        for (int r = from; r < to; r++) {
            for (int j = 0; j < 16; j++) {
                int low = values[32 * r + j];
                factors[32 * r + j] = (short) low;
                factors[32 * r + j + 16] = (short) (values[32 * r + j + 16] - 16 * low);
            }
        }
    }

    /**
     * {@code shorts[i] = values[i]} for i in {@code [from, to)}, a multiple of 16 apart. The widening is written out
     * here and in {@link #nibblePairFactors}: one helper returning the widened vector to both ran a 2048-column token's
     * quantization at 2.4-3.4 ns a value instead of 1.03.
     */
    private static void widen(byte[] values, short[] shorts, int from, int to) {
        if (Kernels.LANES == 16) {
            for (int i = from; i < to; i += 16) {
                ((ShortVector) ByteVector.fromArray(ByteVector.SPECIES_128, values, i)
                        .convertShape(VectorOperators.B2S, ShortVector.SPECIES_256, 0)).intoArray(shorts, i);
            }
            return;
        }
        for (int i = from; i < to; i++) {
            shorts[i] = values[i];
        }
    }

    /**
     * For a single token, what {@link InterleavedQ4_0} multiplies a packed byte and its high nibble by: per block of
     * the Q8_0 form, for j &lt; 16, {@code x_j} at j and {@code x_{j+16} − 16·x_j} at j + 16 (|·| ≤ 2159). A byte is
     * {@code 16·high + low}, so {@code byte·x_j + high·(x_{j+16} − 16·x_j) = low·x_j + high·x_{j+16}}: the kernel
     * multiplies the byte as it is and needs no mask for the low nibble (one operation in six per 32 weights).
     */
    short[] q4Factors() {
        if (!q8Ready || tokens != 1) {
            throw new IllegalStateException("Q8_0 factors of nibble pairs are prepared for a single token");
        }
        return q4Factors;
    }

    /**
     * The Q8_0 form decoded back to floats (value · block scale; same layout as {@link #q8Values()}). Kernels
     * that multiply in float lanes read these: they see exactly the quantized input an integer kernel sees,
     * and differ from it only in float rounding of the sums.
     */
    float[] q8Floats() {
        requireOneToken(q8Ready && q8RowForms, false, "Q8_0 floats");
        return q8Floats;
    }

    /**
     * For a single token, per Q8_0 block: -8 times the sum of its int8 values, divided among the vector lanes (an
     * exact multiple of 1/2), the start of each lane of the Q4_0 kernel that reads the input as bytes.
     */
    float[] q4LaneOffsets() {
        requireOneToken(q8Ready && q8RowForms, true, "Q4_0 lane offsets");
        return q4LaneOffsets;
    }

    /**
     * For a single token, per block of 32 values x: the 16 floats -8·(x[j] + x[j+16]), what the offset of a Q4_0
     * weight (its nibble minus 8) contributes to the dot product of a block whose nibbles pair x[j] and x[j+16].
     */
    float[] q4Offsets() {
        requireOneToken(q8Ready && q8RowForms, false, "Q4_0 offsets");
        return q4Offsets;
    }

    /** Block scales of the Q8_0 form; token {@code t} starts at {@code t * cols() / 32}. */
    float[] q8Scales() {
        return q8Scales;
    }

    /** Per-block {@code s} of the Q8_1 form (half-rounded {@code d * Σq}); token {@code t} starts at {@code t * cols() / 32}. */
    float[] q8Sums() {
        if (!q8SumsReady) {
            throw new IllegalStateException("Q8_1 input not prepared");
        }
        return q8Sums;
    }

    /** int8 values of the Q8_K form; token {@code t} starts at {@code t * cols()}. */
    byte[] q8kValues() {
        if (!q8kReady) {
            throw new IllegalStateException("Q8_K input not prepared");
        }
        return q8kValues;
    }

    /**
     * For a single token, per super-block of the Q8_K form: eight zeros, then the sums of its eight runs of 32 values,
     * so that lanes holding a Q4_K super-block's eight scales then its eight mins, times these, give the mins'
     * products (the scales' lanes vanish).
     */
    float[] q8kMinSums() {
        if (!q8kReady || !q8kRowForms || tokens != 1) {
            throw new IllegalStateException("Q8_K sums are prepared for a single token");
        }
        return q8kMinSums;
    }

    /**
     * For a single token, the int8 values of the Q8_K form as floats, each super-block in the order in which the
     * Q4_K kernel meets its weights ({@link Q4_KMatrix#NIBBLE_ORDER}); 64-byte aligned.
     */
    MemorySegment q4kFloats() {
        requireOneToken(q8kReady && q8kRowForms, false, "Q8_K floats in Q4_K order");
        return q4kFloats;
    }

    /**
     * For a single token, per super-block: -16 times the sums of its eight runs of 32 values, then eight zeros; the
     * Q4_K kernel's lanes of scales times these take out the 16 it adds to every nibble ({@link Q4_KMatrix#dot}).
     */
    float[] q4kBias() {
        if (!q8kReady || !q8kRowForms || tokens != 1) {
            throw new IllegalStateException("Q8_K sums are prepared for a single token");
        }
        return q4kBias;
    }

    /** As {@link #q4kFloats()}, in the order of the Q6_K kernel ({@link Q6_KMatrix#NIBBLE_ORDER}). */
    MemorySegment q6kFloats() {
        requireOneToken(q8kReady && q8kRowForms, false, "Q8_K floats in Q6_K order");
        return q6kFloats;
    }

    /**
     * As {@link #q4Factors()}, for the Q8_K form and {@link InterleavedQ4_K}: per run of 32 values, {@code x_j} at j
     * and {@code x_{j+16} − 16·x_j} at j + 16.
     */
    short[] q4kFactors() {
        if (!q8kReady || tokens != 1) {
            throw new IllegalStateException("Q8_K factors of nibble pairs are prepared for a single token");
        }
        return q4kFactors;
    }

    /**
     * For a single token, the int8 values of the Q8_K form widened to shorts: the re-laid kernels ({@link RowGroups})
     * broadcast each to a vector, which C2 then takes from memory in one load where a byte needs a move, a sign
     * extension and a broadcast from a general register (ModelMatVec Q4_K ffn_up 5-7% faster).
     */
    short[] q8kShorts() {
        if (!q8kReady || tokens != 1) {
            throw new IllegalStateException("Q8_K values as shorts are prepared for a single token");
        }
        return q8kShorts;
    }

    /**
     * For a single token, 32 times the sum of every eight int8 values of the Q8_K form: what centring Q6_K's quants
     * (q − 32) takes off an int16 sum of eight products ({@link InterleavedQ6_K}).
     */
    int[] q8kCentring() {
        if (!q8kReady || tokens != 1) {
            throw new IllegalStateException("Q8_K sums are prepared for a single token");
        }
        return q8kCentring;
    }

    /** {@link #q4kFloats()} as the int8 values themselves, for rows past {@link Kernels#LONG_ROW}. */
    byte[] q4kBytes() {
        requireOneToken(q8kReady && q8kRowForms, true, "Q8_K values in Q4_K order");
        return q4kBytes;
    }

    /** {@link #q6kFloats()} as the int8 values themselves, for rows past {@link Kernels#LONG_ROW}. */
    byte[] q6kBytes() {
        requireOneToken(q8kReady && q8kRowForms, true, "Q8_K values in Q6_K order");
        return q6kBytes;
    }

    /**
     * For a single token, -96 times each 16-value sum of the Q8_K form: the Q6_K kernel's scales times these take
     * out the 64 + 32 its lanes add to every weight ({@link Q6_KMatrix#dot}).
     */
    float[] q6kBias() {
        if (!q8kReady || !q8kRowForms || tokens != 1) {
            throw new IllegalStateException("Q8_K sums are prepared for a single token");
        }
        return q6kBias;
    }

    /** Super-block scales of the Q8_K form; token {@code t} starts at {@code t * cols() / 256}. */
    float[] q8kScales() {
        return q8kScales;
    }

    /** Sums of every 16 int8 values of the Q8_K form; token {@code t} starts at {@code t * cols() / 16}. */
    int[] q8kSums() {
        return q8kSums;
    }
}
