package org.infer4j.engine.model;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.infer4j.engine.tensor.Activations;
import org.infer4j.engine.tensor.Kernels;
import org.infer4j.engine.tensor.MatMul;
import org.infer4j.engine.tensor.RangeTask;
import org.infer4j.engine.tensor.RelaidCopies;
import org.infer4j.engine.tensor.WeightMatrix;
import org.infer4j.engine.tensor.WorkerPool;
import org.infer4j.gguf.GgufFile;

/**
 * The transformer every family shares: pre-norm blocks of grouped-query attention with RoPE and a gated
 * feed-forward network. Where families differ the step says so, driven by {@link TransformerConfig} and the
 * optional parts of {@link TransformerWeights}: Q/K/V biases, per-head Q/K norms, post-norms, sliding-window
 * layers with their own rope, soft-capped scores and logits, GELU or SiLU gates, scaled embeddings.
 * {@link #forward} runs a batch of rows through the layers; each row is one token of some sequence at some
 * position, with its own KV cache ({@link Batch}). Today a call fills the batch from one sequence; several
 * sequences per step only needs another way to fill it.
 */
final class TransformerModel implements LanguageModel {
    static final int DEFAULT_BATCH = 128;
    /** Elements from which {@link #rmsNorm} shares the rows among the workers: a few rows of a prompt's width. */
    private static final int PARALLEL_NORM_ELEMENTS = 16384;

    private final GgufFile file;
    /** Closed before the file: the re-laid weights' cache, which may still be writing them. */
    private final AutoCloseable relaidCopies;
    private final ModelSpec spec;
    private final TransformerConfig config;
    /** Replaced once by the re-laid weights if a {@link #relayout} runs; read and replaced by the forward thread only. */
    private TransformerWeights weights;
    private final WorkerPool pool;
    private final Batch batch;
    /** The weights being re-laid after the load, or null. */
    private BackgroundRelayout relayout;

    TransformerModel(GgufFile file, AutoCloseable relaidCopies, ModelSpec spec, TransformerConfig config,
                     TransformerWeights weights, int threads, int maxBatch) {
        this.file = file;
        this.relaidCopies = relaidCopies;
        this.spec = spec;
        this.config = config;
        this.weights = weights;
        this.pool = new WorkerPool(threads);
        this.batch = new Batch(config, pool, maxBatch);
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    TransformerConfig config() {
        return config;
    }

    /**
     * Lays out the copies the load left to the file's kernels ({@link RelaidCopies#reusedOnly}) from {@code copies}
     * on {@code executor}, then runs {@code afterwards}; the model switches to them at the next {@link #forward}.
     */
    void relayInBackground(RelaidCopies copies, Runnable afterwards, Executor executor) {
        relayout = new BackgroundRelayout(weights, copies, afterwards, executor);
    }

    @Override
    public void awaitLayout() {
        if (relayout != null) {
            relayout.await();
        }
    }

    /** Tokens of {@link #warmUp}'s prompt, and the single tokens it feeds after it. */
    private static final int WARM_UP_PROMPT = 32, WARM_UP_STEPS = 16;

    /**
     * A prompt and single tokens after it through every layer, on a cache of their own: the kernels run until the JIT
     * has compiled them (a Llama-3.2-1B-shaped Q4_K_M's first 17-token prompt took 4.6 s, interpreted and C1-compiled
     * Vector API code allocating per operation, against 0.7 s compiled; its first 16 tokens 1.2 s against 0.5). Waits
     * for weights being re-laid first, so that it is their kernels that are compiled.
     */
    @Override
    public void warmUp(BooleanSupplier stop) {
        while (relayout != null && !relayout.await(WARM_UP_POLL_MILLIS)) {
            if (stop.getAsBoolean()) {
                return;
            }
        }
        int prompt = Math.max(1, Math.min(WARM_UP_PROMPT, config.contextLength() / 2));
        int steps = Math.min(WARM_UP_STEPS, config.contextLength() - prompt);
        KvCache cache = newCache(prompt + steps);
        float[] logits = new float[config.vocabSize()];
        int[] tokens = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            tokens[i] = i % config.vocabSize();
        }
        warmUpStop = stop;
        try {
            forward(cache, tokens, logits);
            for (int i = 0; i < steps && !stop.getAsBoolean(); i++) {
                forward(cache, new int[] {(prompt + i) % config.vocabSize()}, logits);
            }
        } catch (WarmUpStopped e) {
            // asked to stop
        } finally {
            warmUpStop = null;
        }
    }

    /** How often a warm-up waiting for weights being re-laid asks whether it should stop. */
    private static final long WARM_UP_POLL_MILLIS = 20;
    /** A running warm-up's stop condition, asked between layers (its first prompt takes seconds, cold); else null. */
    private BooleanSupplier warmUpStop;

    /** Ends a warm-up between layers. */
    private static final class WarmUpStopped extends RuntimeException {
        WarmUpStopped() {
            super(null, null, false, false);
        }
    }

    /**
     * The re-laid weights once they are ready, from this step on; the file's pages of their re-laid rows are dropped
     * again, which the kernels they replace may have read since they were laid out.
     */
    private void takeRelaidWeights() {
        TransformerWeights relaid = relayout.take();
        if (relaid != null) {
            weights = relaid;
            relaid.forEachMatrix(WeightMatrix::unloadRelaidRows);
        }
    }

    @Override
    public KvCache newCache(int capacity) {
        if (capacity <= 0 || capacity > config.contextLength()) {
            throw new IllegalArgumentException("cache capacity " + capacity + " must be within 1.." + config.contextLength());
        }
        return new TransformerKvCache(config, capacity);
    }

    @Override
    public void forward(KvCache cache, int[] tokens, float[] logits) {
        if (!(cache instanceof TransformerKvCache kv) || kv.config != config) {
            throw new IllegalArgumentException("cache was not made by this model");
        }
        Objects.requireNonNull(logits, "logits");
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to feed");
        }
        if (logits.length < config.vocabSize()) {
            throw new IllegalArgumentException("logits has room for " + logits.length + ", vocabulary is " + config.vocabSize());
        }
        if (kv.size() + tokens.length > kv.capacity()) {
            throw new IllegalArgumentException(tokens.length + " tokens after " + kv.size()
                    + " do not fit a cache of " + kv.capacity() + " positions");
        }
        for (int token : tokens) {
            if (token < 0 || token >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " outside the vocabulary of " + config.vocabSize());
            }
        }
        if (relayout != null) {
            takeRelaidWeights();
        }
        for (int start = 0; start < tokens.length; start += batch.maxRows) {
            int n = Math.min(batch.maxRows, tokens.length - start);
            for (int i = 0; i < n; i++) {
                batch.add(kv, kv.size() + i, tokens[start + i]);
            }
            runBatch(start + n == tokens.length ? logits : null);
            kv.advance(n);
        }
    }

    /** Runs the rows in {@link #batch} through every layer and, if {@code logits} is given, the head on the last row. */
    private void runBatch(float[] logits) {
        Batch b = batch;
        try {
            embed(b);
            for (int l = 0; l < config.layers(); l++) {
                if (warmUpStop != null && warmUpStop.getAsBoolean()) {
                    throw new WarmUpStopped();
                }
                attentionBlock(b, l, weights.layers()[l]);
                feedForwardBlock(b, weights.layers()[l]);
            }
            if (logits != null) {
                head(b, logits);
            }
        } finally {
            b.clear(); // a failed step leaves no rows behind for the next one
        }
    }

    /** x[t] = embedding row of token t, times the family's embedding scale. x: (rows, dim) */
    private void embed(Batch b) {
        int dim = config.dim();
        for (int t = 0; t < b.rows; t++) {
            weights.tokenEmbedding().dequantizeRow(b.tokens[t], b.x, t * dim);
        }
        if (config.embeddingScale() != 1f) {
            scaleInPlace(b.x, config.embeddingScale(), b.rows * dim);
        }
    }

    private void attentionBlock(Batch b, int layer, TransformerWeights.Layer w) {
        int dim = config.dim();
        rmsNorm(b.x, w.attentionNorm(), b.normed.values(), b.rows, dim);
        b.normed.set(b.rows, dim);
        // q: (rows, heads * keyDim), k: (rows, kvHeads * keyDim), v: (rows, kvHeads * valueDim)
        b.matmul.multiply(w.wq(), b.q, w.wk(), b.k, w.wv(), b.v, b.normed);
        qkvRows.run(b, layer, w);
        b.attention.run(layer, b.rows, b.q, b.positions, b.caches, b.attended.values());
        // attended: (rows, heads * valueDim) → projected back to (rows, dim) and added to the residual stream
        b.attended.set(b.rows, config.attentionWidth());
        b.matmul.multiply(w.wo(), b.attended, b.projected);
        if (w.postAttentionNorm() != null) {
            rmsNorm(b.projected, w.postAttentionNorm(), b.projected, b.rows, dim);
        }
        b.addResidual(b.rows * dim);
    }

    private void feedForwardBlock(Batch b, TransformerWeights.Layer w) {
        int dim = config.dim();
        int ffn = config.ffnDim();
        rmsNorm(b.x, w.ffnNorm(), b.normed.values(), b.rows, dim);
        b.normed.set(b.rows, dim);
        if (b.rows > 1 && MatMul.writesColumns(w.gate()) && MatMul.writesColumns(w.up())
                && MatMul.readsQuantizedColumns(w.down())) {
            // A batch's gate and up in columns, (ffnDim, stride): the kernels make them in that layout and the down
            // projection reads its input quantized in it, so hidden never goes to rows and back (two transposes).
            b.matmul.multiplyColumns(w.gate(), b.gate, w.up(), b.up, b.normed);
            int stride = MatMul.columnStride(b.rows);
            b.activateColumns(ffn, stride); // act(gate) * up, into gate
            b.hidden.setQuantizedColumns(b.gate, stride, b.rows, ffn, w.down(), b.pool);
        } else {
            // gate, up: (rows, ffnDim)
            b.matmul.multiply(w.gate(), b.gate, w.up(), b.up, b.normed);
            b.activate(b.rows * ffn); // hidden = act(gate) * up
            b.hidden.set(b.rows, ffn);
        }
        b.matmul.multiply(w.down(), b.hidden, b.projected);
        if (w.postFfnNorm() != null) {
            rmsNorm(b.projected, w.postFfnNorm(), b.projected, b.rows, dim);
        }
        b.addResidual(b.rows * dim);
    }

    /** logits = output · rmsNorm(x[last]) (+ bias), soft-capped if the family caps them. */
    private void head(Batch b, float[] logits) {
        int dim = config.dim();
        System.arraycopy(b.x, (b.rows - 1) * dim, b.last, 0, dim);
        rmsNorm(b.last, weights.outputNorm(), b.normed.values(), 1, dim);
        b.normed.set(1, dim);
        b.matmul.multiply(weights.output(), b.normed, logits);
        addRowBias(logits, weights.outputBias(), 0);
        float cap = config.finalSoftCap();
        if (cap > 0) {
            for (int i = 0; i < config.vocabSize(); i++) {
                logits[i] = softCap(logits[i], cap);
            }
        }
    }

    /** base^(-2/ropeDim) as ggml's {@code powf(freq_base, -2.0f/n_dims)}: the exponent is a float (see Batch.ropeAngles). */
    static float ropeThetaScale(float base, int ropeDim) {
        return (float) Math.pow(base, -2f / ropeDim);
    }

    /** c * tanh(x / c), scaling by 1/c as ggml does (a multiplication, not a division). */
    static float softCap(float x, float c) {
        return c * (float) Math.tanh(x * (1f / c));
    }

    private final QkvRows qkvRows = new QkvRows();

    /**
     * A step's q, k and v after their projections, row by row: the biases, each head's norm (families with q/k
     * norms), RoPE, then k and v into the row's cache. A prompt's rows go to the workers: on the calling thread alone
     * these and the residual adds were ~1.5% of a Qwen2.5-0.5B-shaped Q4_0 pp512 while the other worker waited
     * (perf). Each row's operations and their order are those of one row alone: the same bits.
     */
    private final class QkvRows implements RangeTask {
        private Batch b;
        private int layer;
        private TransformerWeights.Layer w;

        void run(Batch b, int layer, TransformerWeights.Layer w) {
            this.b = b;
            this.layer = layer;
            this.w = w;
            if (b.rows == 1) {
                run(0, 1, 0);
            } else {
                b.pool.parallelFor(b.rows, this);
            }
            this.b = null;
            this.w = null;
        }

        @Override
        public void run(int from, int to, int worker) {
            int heads = config.heads();
            int kvHeads = config.kvHeads();
            int keyDim = config.keyDim();
            int table = config.isSliding(layer) ? Batch.LOCAL_ROPE : Batch.GLOBAL_ROPE;
            for (int t = from; t < to; t++) {
                addRowBias(b.q, w.bq(), t);
                addRowBias(b.k, w.bk(), t);
                addRowBias(b.v, w.bv(), t);
                if (w.queryNorm() != null) {
                    rmsNormRows(b.q, w.queryNorm(), b.q, keyDim, config.rmsEps(), t * heads, (t + 1) * heads);
                    rmsNormRows(b.k, w.keyNorm(), b.k, keyDim, config.rmsEps(), t * kvHeads, (t + 1) * kvHeads);
                }
                rope(b.q, t * config.queryWidth(), heads, b.ropeCos[table], b.ropeSin[table], t);
                rope(b.k, t * config.keyWidth(), kvHeads, b.ropeCos[table], b.ropeSin[table], t);
                b.caches[t].store(layer, b.positions[t], b.k, t * config.keyWidth(), b.v, t * config.valueWidth());
            }
        }
    }

    private static void addRowBias(float[] x, float[] bias, int row) {
        if (bias != null) {
            addInPlace(x, row * bias.length, bias);
        }
    }

    /**
     * out[t] = x[t] / sqrt(mean(x[t]²) + eps) * weight, summing squares in double as ggml does. A prompt's rows go
     * to the workers ({@link RowNorm}); a token's few (its vector, its heads') are done here, where a hand-off would
     * cost more than the work.
     */
    private void rmsNorm(float[] x, float[] weight, float[] out, int rows, int dim) {
        if ((long) rows * dim < PARALLEL_NORM_ELEMENTS) {
            rmsNormRows(x, weight, out, dim, config.rmsEps(), 0, rows);
        } else {
            batch.norm.run(x, weight, out, rows, dim);
        }
    }

    /**
     * {@link #rmsNorm} of rows {@code [from, to)}. Each row's squares are summed in order, as ggml sums them, a chain
     * of double adds at their latency: four rows at a time run four chains side by side (the same sums; a prompt's
     * norms took 1.15% of a Qwen2.5-0.5B-shaped Q4_0 pp512 one row at a time).
     */
    static void rmsNormRows(float[] x, float[] weight, float[] out, int dim, float eps, int from, int to) {
        int t = from;
        for (; t + 4 <= to; t += 4) {
            int o0 = t * dim, o1 = o0 + dim, o2 = o1 + dim, o3 = o2 + dim;
            double sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
            for (int i = 0; i < dim; i++) {
                sum0 += x[o0 + i] * x[o0 + i];
                sum1 += x[o1 + i] * x[o1 + i];
                sum2 += x[o2 + i] * x[o2 + i];
                sum3 += x[o3 + i] * x[o3 + i];
            }
            scaleRow(x, weight, out, o0, dim, 1f / (float) Math.sqrt((float) (sum0 / dim) + eps));
            scaleRow(x, weight, out, o1, dim, 1f / (float) Math.sqrt((float) (sum1 / dim) + eps));
            scaleRow(x, weight, out, o2, dim, 1f / (float) Math.sqrt((float) (sum2 / dim) + eps));
            scaleRow(x, weight, out, o3, dim, 1f / (float) Math.sqrt((float) (sum3 / dim) + eps));
        }
        for (; t < to; t++) {
            int o = t * dim;
            double sum = 0;
            for (int i = 0; i < dim; i++) {
                sum += x[o + i] * x[o + i];
            }
            scaleRow(x, weight, out, o, dim, 1f / (float) Math.sqrt((float) (sum / dim) + eps));
        }
    }

    private static void scaleRow(float[] x, float[] weight, float[] out, int o, int dim, float scale) {
        for (int i = 0; i < dim; i++) {
            out[o + i] = x[o + i] * scale * weight[i];
        }
    }

    /**
     * The norm of a batch's rows on the worker pool, each row as {@link #rmsNormRows} does it alone (same bits). On
     * the calling thread alone, a prompt's norms took 0.8% of its samples while the other worker waited.
     */
    private static final class RowNorm implements RangeTask {
        private final WorkerPool pool;
        private final float eps;
        private float[] x;
        private float[] weight;
        private float[] out;
        private int dim;

        RowNorm(WorkerPool pool, float eps) {
            this.pool = pool;
            this.eps = eps;
        }

        void run(float[] x, float[] weight, float[] out, int rows, int dim) {
            this.x = x;
            this.weight = weight;
            this.out = out;
            this.dim = dim;
            pool.parallelFor(rows, this);
            this.x = null;
            this.weight = null;
            this.out = null;
        }

        @Override
        public void run(int from, int to, int worker) {
            rmsNormRows(x, weight, out, dim, eps, from, to);
        }
    }

    /** Rotates the first ropeDim elements of each of {@code heads} heads at {@code x[offset..]} by row t's angles. */
    private void rope(float[] x, int offset, int heads, float[] cos, float[] sin, int t) {
        int half = config.ropeDim() / 2;
        int c = t * half;
        int step = switch (config.ropeStyle()) {
            case ADJACENT_PAIRS -> 2;
            case HALVES -> 1;
        };
        int partner = switch (config.ropeStyle()) {
            case ADJACENT_PAIRS -> 1;
            case HALVES -> half;
        };
        for (int h = 0; h < heads; h++) {
            int base = offset + h * config.keyDim();
            for (int i = 0; i < half; i++) {
                int a = base + step * i;
                float x0 = x[a];
                float x1 = x[a + partner];
                x[a] = x0 * cos[c + i] - x1 * sin[c + i];
                x[a + partner] = x0 * sin[c + i] + x1 * cos[c + i];
            }
        }
    }

    private static void addInPlace(float[] x, int offset, float[] y) {
        for (int i = 0; i < y.length; i++) {
            x[offset + i] += y[i];
        }
    }

    private static void scaleInPlace(float[] x, float factor, int n) {
        for (int i = 0; i < n; i++) {
            x[i] *= factor;
        }
    }

    @Override
    public void close() {
        pool.close();
        try {
            if (relayout != null) {
                relayout.close(); // before the copies' owner and the file it reads
            }
            relaidCopies.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the re-laid weights' cache", e);
        } finally {
            file.close();
        }
    }

    /**
     * The rows of one step and every buffer a step needs, allocated once for {@code maxRows} rows. Each row
     * carries its own cache and position, so rows of different sequences can share a step.
     */
    private static final class Batch {
        final int maxRows;
        final TransformerConfig config;
        final WorkerPool pool;
        final MatMul matmul;
        final Attention attention;
        final RowNorm norm;
        final int[] tokens;
        final int[] positions;
        final TransformerKvCache[] caches;
        int rows;

        final float[] x;          // (rows, dim) residual stream
        final float[] last;       // (dim)
        final Activations normed;  // (rows, dim)
        final float[] q;          // (rows, heads * keyDim)
        final float[] k;          // (rows, kvHeads * keyDim)
        final float[] v;          // (rows, kvHeads * valueDim)
        final Activations attended; // (rows, heads * valueDim)
        final float[] projected;  // (rows, dim)
        final float[] gate;       // (rows, ffnDim)
        final float[] up;         // (rows, ffnDim)
        final Activations hidden;  // (rows, ffnDim)
        static final int GLOBAL_ROPE = 0;
        static final int LOCAL_ROPE = 1;
        final float[][] ropeCos;  // [global, local] (rows, ropeDim / 2)
        final float[][] ropeSin;

        Batch(TransformerConfig c, WorkerPool pool, int maxRows) {
            this.pool = pool;
            this.maxRows = maxRows;
            this.config = c;
            this.tokens = new int[maxRows];
            this.positions = new int[maxRows];
            this.caches = new TransformerKvCache[maxRows];
            this.x = new float[maxRows * c.dim()];
            this.last = new float[c.dim()];
            this.normed = new Activations(maxRows, c.dim());
            this.q = new float[maxRows * c.queryWidth()];
            this.k = new float[maxRows * c.keyWidth()];
            this.v = new float[maxRows * c.valueWidth()];
            this.attended = new Activations(maxRows, c.attentionWidth());
            this.projected = new float[maxRows * c.dim()];
            // Room for a batch in rows or in columns (MatMul.multiplyColumns), whose row stride pads the tokens.
            int ffnFloats = c.ffnDim() * Math.max(maxRows, maxRows > 1 ? MatMul.columnStride(maxRows) : 0);
            this.gate = new float[ffnFloats];
            this.up = new float[ffnFloats];
            this.hidden = new Activations(maxRows, c.ffnDim());
            this.ropeCos = new float[2][maxRows * c.ropeDim() / 2];
            this.ropeSin = new float[2][maxRows * c.ropeDim() / 2];
            this.matmul = new MatMul(pool, Math.max(c.dim(), Math.max(c.ffnDim(), c.attentionWidth())));
            this.attention = new Attention(c, pool, maxRows);
            this.norm = new RowNorm(pool, c.rmsEps());
        }

        /** Elements per index of the activation's parallel range. */
        private static final int ACTIVATION_STRIDE = 1024;
        private int activating;
        /** act(gate) * up over a range of elements: a prompt's share was a serial 7% of its time. */
        private final RangeTask activation = this::activateRange;

        /** hidden = act(gate) * up for the first {@code n} elements, on the worker pool (elementwise: same bits). */
        void activate(int n) {
            activating = n;
            pool.parallelFor(Math.ceilDiv(n, ACTIVATION_STRIDE), activation);
        }

        private void activateRange(int from, int to, int worker) {
            config.activation().gated(gate, up, hidden.values(), from * ACTIVATION_STRIDE, Math.min(activating, to * ACTIVATION_STRIDE));
        }

        private int activatingStride;
        private final RangeTask columnActivation = this::activateColumnRange;

        /**
         * gate = act(gate) * up for a batch in columns ({@code ffn} rows of {@code stride}), each column's tokens
         * rounded up to whole vectors ({@link MatMul#columnWidth}): every element through the vector loop, as the
         * rows' {@link #activate} computes them, so the same bits.
         */
        void activateColumns(int ffn, int stride) {
            activatingStride = stride;
            pool.parallelFor(ffn, Math.max(1, ACTIVATION_STRIDE / stride), columnActivation);
        }

        private void activateColumnRange(int from, int to, int worker) {
            int width = MatMul.columnWidth(rows);
            for (int c = from; c < to; c++) {
                int at = c * activatingStride;
                config.activation().gated(gate, up, gate, at, at + width);
            }
        }

        private int adding;
        private final RangeTask residual = this::addResidualRange;

        /** x += projected for the first {@code n} elements; a prompt's on the worker pool (elementwise: same bits). */
        void addResidual(int n) {
            if (rows == 1) {
                Kernels.addInPlace(x, projected, n);
            } else {
                adding = n;
                pool.parallelFor(Math.ceilDiv(n, ACTIVATION_STRIDE), residual);
            }
        }

        private void addResidualRange(int from, int to, int worker) {
            Kernels.addInPlace(x, projected, from * ACTIVATION_STRIDE, Math.min(adding, to * ACTIVATION_STRIDE));
        }

        void add(TransformerKvCache cache, int position, int token) {
            tokens[rows] = token;
            positions[rows] = position;
            caches[rows] = cache;
            ropeAngles(config.globalRope(), cache.ropeFactors, position, rows, GLOBAL_ROPE);
            ropeAngles(config.localRope(), cache.ropeFactors, position, rows, LOCAL_ROPE);
            rows++;
        }

        void clear() {
            java.util.Arrays.fill(caches, 0, rows, null);
            rows = 0;
        }

        /**
         * cos/sin of RoPE angle i at {@code position}: position · base^(-2i/ropeDim), divided by the frequency
         * factor if any, times the linear scale; cos and sin then times the rope's magnitude factor. Computed
         * in float, stepping the angle by a float factor as ggml does, so angles at long positions round the same way.
         * The factor is ggml's {@code powf(base, -2.0f/n_dims)}: the exponent rounded to float first, which for a
         * rope width that is not a power of two (112, 192 at base 1e6) moves the factor by a last bit.
         */
        private void ropeAngles(TransformerConfig.Rope rope, float[] factors, int position, int row, int table) {
            int half = config.ropeDim() / 2;
            float thetaScale = ropeThetaScale(rope.base(), config.ropeDim());
            float theta = position;
            float[] cos = ropeCos[table];
            float[] sin = ropeSin[table];
            for (int i = 0; i < half; i++) {
                float angle = rope.freqScale() * (factors != null ? theta / factors[i] : theta);
                cos[row * half + i] = (float) Math.cos(angle) * rope.attnFactor();
                sin[row * half + i] = (float) Math.sin(angle) * rope.attnFactor();
                theta *= thetaScale;
            }
        }
    }
}
