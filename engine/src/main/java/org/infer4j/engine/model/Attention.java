package org.infer4j.engine.model;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.infer4j.engine.tensor.RangeTask;
import org.infer4j.engine.tensor.WorkerPool;

/**
 * Causal grouped-query attention of a batch of rows over their sequences' caches: for query head h of row t
 * at position pos, scores = q·k · queryScale over positions 0..pos (only the last slidingWindow of them in a
 * sliding layer), soft-capped if the family caps them, softmax, weighted sum of values.
 * <p>
 * Work is cut into score tiles: a tile is the query heads that share one KV head, for a few consecutive
 * rows of one sequence (about {@link #TILE_QUERIES} query vectors), against every cached position they see.
 * Each key and value row is then read once per tile and used by all its queries, instead of once per query
 * head. Within a tile, positions go in chunks of about 32 KiB of keys or values, so while the tile's queries
 * take their turns a chunk stays in the level-1/2 cache. Scores come from the cache's dimension-major key
 * blocks ({@link TransformerKvCache}): a vector of {@link #LANES} positions per multiply-add, no horizontal sums.
 * Tiles are the parallel work items. A step that is a single tile (decoding one sequence: as many items as KV
 * heads, two for Qwen2.5-0.5B) runs instead in three phases cut finely over the workers, with the same
 * arithmetic, once it sees enough positions for the extra hand-offs to pay.
 * <p>
 * The softmax is llama.cpp's: max-subtracted, float exponentials summed in double. The exponential is a
 * polynomial written here with lanewise vector operations, which give the same bits interpreted or compiled
 * (the Vector API's own EXP does not), accurate to about one unit in the last place.
 */
final class Attention implements RangeTask {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED.length() >= 8
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_256;
    static final int LANES = FLOATS.length();
    private static final VectorSpecies<Double> DOUBLES = VectorSpecies.of(double.class, FLOATS.vectorShape());
    /** Query vectors one kernel pass multiplies against each loaded key or value vector. */
    private static final int PASS = 4;
    /** Query vectors (rows × heads of one KV head) a tile aims at. */
    private static final int TILE_QUERIES = 8;
    /** Most query vectors in one tile: room to take more rows when {@link #TILE_QUERIES} leaves a pass part empty. */
    private static final int MAX_TILE_QUERIES = 32;
    /** Floats of keys (or values) per position chunk: 32 KiB. */
    private static final int CHUNK_FLOATS = 8192;
    /** A one-tile step (decoding) over at least this many positions runs in phases spread over all workers. */
    private static final int PHASED_POSITIONS = 512;

    private final TransformerConfig c;
    private final WorkerPool pool;
    private final Scratch[] scratch; // per worker
    private final int[] tileStart;   // first row of each tile, then the row count
    private final int group;         // query heads per KV head
    private final int minSplits;     // parts the query heads of one KV head are cut into at least
    private final int rowsPerTile;
    private final int chunk;         // positions per chunk, a multiple of TransformerKvCache.PADDING
    private final Queries step;      // the queries of a step run in phases
    private final RangeTask scorePhase = this::scoreChunks;
    private final RangeTask softmaxPhase = this::softmaxQueries;
    private final RangeTask valuePhase = this::valueSlices;

    private int layer;
    private int tiles;
    private int splits;
    private int queriesPerKvHead;    // in a phased step: real ones, then padded to passes of PASS
    private int paddedPerKvHead;
    private float[] q;
    private int[] positions;
    private TransformerKvCache[] caches;
    private float[] out;

    Attention(TransformerConfig config, WorkerPool pool, int maxRows) {
        this.c = config;
        this.pool = pool;
        this.group = config.heads() / config.kvHeads();
        this.minSplits = Math.ceilDiv(group, TILE_QUERIES);
        int headsPerTile = Math.ceilDiv(group, minSplits);
        this.rowsPerTile = rowsPerTile(headsPerTile);
        this.scratch = new Scratch[pool.threads()];
        for (int w = 0; w < scratch.length; w++) {
            scratch[w] = new Scratch(new Queries(rowsPerTile * headsPerTile + PASS));
        }
        this.tileStart = new int[maxRows + 1];
        int padding = TransformerKvCache.PADDING;
        this.chunk = Math.max(padding, CHUNK_FLOATS / Math.max(config.keyDim(), config.valueDim()) / padding * padding);
        this.step = new Queries(config.kvHeads() * Math.ceilDiv(rowsPerTile * group, PASS) * PASS);
    }

    /**
     * Rows per tile of {@code heads} query heads each: as many as fit {@link #TILE_QUERIES}, or more (up to
     * {@link #MAX_TILE_QUERIES}) if that fills the kernels' passes of {@link #PASS} queries where it would not. A pass
     * part empty repeats a query, work thrown away: Qwen2.5-0.5B's 7 query heads per KV head, one row a tile, ran 8
     * query vectors for 7; four rows make 28, seven full passes (AttentionBenchmark, pp512 rows at context 512, one
     * thread: 186 -> 170 ms, two: 101 -> 93 ms).
     */
    private static int rowsPerTile(int heads) {
        int rows = Math.max(1, TILE_QUERIES / heads);
        for (int more = rows; more * heads <= MAX_TILE_QUERIES; more++) {
            if (more * heads % PASS == 0) {
                return more;
            }
        }
        return rows;
    }

    /**
     * out[t, h] = attention of query head h of row t over {@code caches[t]}, which already holds the row's key
     * and value at {@code positions[t]}. q: (rows, heads * keyDim), out: (rows, heads * valueDim).
     */
    void run(int layer, int rows, float[] q, int[] positions, TransformerKvCache[] caches, float[] out) {
        this.layer = layer;
        this.q = q;
        this.positions = positions;
        this.caches = caches;
        this.out = out;
        tiles = 0;
        for (int t = 0; t < rows; t++) {
            if (t == 0 || caches[t] != caches[t - 1] || t - tileStart[tiles - 1] == rowsPerTile) {
                tileStart[tiles++] = t;
            }
        }
        tileStart[tiles] = rows;
        if (tiles > 1 || !runPhased(rows)) {
            // Few tiles on many workers: cut each KV head's query heads further so every worker has a share, at
            // the price of reading that head's keys and values once per part.
            int units = tiles * c.kvHeads();
            splits = Math.min(group, Math.max(minSplits, Math.ceilDiv(pool.threads(), units)));
            pool.parallelFor(units * splits, this);
        }
        this.q = null;
        this.positions = null;
        this.caches = null;
        this.out = null;
    }

    @Override
    public void run(int from, int to, int worker) {
        int headsPerSplit = Math.ceilDiv(group, splits);
        for (int item = from; item < to; item++) {
            // Last tiles first: a prompt's tiles cost in proportion to their positions, so the chunks handed out last
            // are the cheapest and the workers finish close together.
            int tile = tiles - 1 - item / (c.kvHeads() * splits);
            int kvHead = item / splits % c.kvHeads();
            int h0 = kvHead * group + item % splits * headsPerSplit;
            int h1 = Math.min(h0 + headsPerSplit, (kvHead + 1) * group);
            if (h0 < h1) {
                attendTile(tileStart[tile], tileStart[tile + 1], kvHead, h0, h1, scratch[worker]);
            }
        }
    }

    /** Query heads h0..h1-1 (all of KV head {@code kvHead}) of rows r0..r1-1, which share one cache. */
    private void attendTile(int r0, int r1, int kvHead, int h0, int h1, Scratch s) {
        TransformerKvCache cache = caches[r0];
        Queries qs = s.queries;
        span(qs, r0, r1);
        int n = (r1 - r0) * (h1 - h0);
        int passes = list(qs, 0, r0, r1, h0, h1);
        float[] scores = qs.scores(n * qs.stride);
        float[] keys = cache.keys[layer];
        int keyBase = cache.keyBase(kvHead);
        for (int from = qs.base; from < qs.end; from += chunk) {
            int to = Math.min(from + chunk, qs.end);
            for (int i = 0; i < passes; i += PASS) {
                scores4(q, qs.query[i], qs.query[i + 1], qs.query[i + 2], qs.query[i + 3], keys, keyBase, c.keyDim(),
                        from, to, scores, qs.row[i], qs.row[i + 1], qs.row[i + 2], qs.row[i + 3]);
            }
        }
        for (int i = 0; i < n; i++) {
            qs.inverseSum[i] = softmax(qs, i, s.lanes);
            Arrays.fill(out, qs.output[i], qs.output[i] + c.valueDim(), 0f);
        }
        float[] values = cache.values[layer];
        int valueBase = cache.valueBase(kvHead);
        for (int from = qs.lo; from <= qs.hi; from += chunk) {
            int to = Math.min(from + chunk, qs.hi + 1);
            for (int i = 0; i < passes; i += PASS) {
                values4(scores, qs.row[i], qs.row[i + 1], qs.row[i + 2], qs.row[i + 3], values, valueBase, c.valueDim(),
                        0, c.valueDim(), from, to, out, qs.output[i], qs.output[i + 1], qs.output[i + 2], qs.output[i + 3]);
            }
        }
        for (int i = 0; i < n; i++) {
            scale(qs, i, 0, c.valueDim());
        }
    }

    /**
     * A step that is one tile (decoding one sequence: few KV heads, so few tiles for the workers to share) over a
     * long span: the same arithmetic as {@link #attendTile}, in three phases that each cut finely over all
     * workers: scores by (KV head, chunk of positions), softmax by query, values by (KV head, slice of the value
     * width). Results are bit for bit those of the tile path. False (nothing done) if the span is short.
     */
    private boolean runPhased(int rows) {
        Queries st = step;
        span(st, 0, rows);
        if (st.hi - st.lo + 1 < PHASED_POSITIONS) {
            return false;
        }
        queriesPerKvHead = rows * group;
        paddedPerKvHead = Math.ceilDiv(queriesPerKvHead, PASS) * PASS;
        for (int kvHead = 0; kvHead < c.kvHeads(); kvHead++) {
            list(st, kvHead * paddedPerKvHead, 0, rows, kvHead * group, (kvHead + 1) * group);
        }
        st.scores(c.kvHeads() * paddedPerKvHead * st.stride);
        pool.parallelFor(c.kvHeads() * Math.ceilDiv(st.end - st.base, chunk), scorePhase);
        pool.parallelFor(c.kvHeads() * queriesPerKvHead, softmaxPhase);
        pool.parallelFor(c.kvHeads() * Math.ceilDiv(c.valueDim(), LANES), valuePhase);
        return true;
    }

    /** Phase 1: items are (KV head, chunk of positions); all the head's queries in passes of PASS. */
    private void scoreChunks(int from, int to, int worker) {
        Queries st = step;
        int chunks = Math.ceilDiv(st.end - st.base, chunk);
        TransformerKvCache cache = caches[0];
        for (int item = from; item < to; item++) {
            int kvHead = item / chunks;
            int start = st.base + item % chunks * chunk;
            int end = Math.min(start + chunk, st.end);
            int keyBase = cache.keyBase(kvHead);
            for (int i = kvHead * paddedPerKvHead, e = i + paddedPerKvHead; i < e; i += PASS) {
                scores4(q, st.query[i], st.query[i + 1], st.query[i + 2], st.query[i + 3], cache.keys[layer], keyBase,
                        c.keyDim(), start, end, st.scores, st.row[i], st.row[i + 1], st.row[i + 2], st.row[i + 3]);
            }
        }
    }

    /** Phase 2: items are real queries. */
    private void softmaxQueries(int from, int to, int worker) {
        for (int item = from; item < to; item++) {
            int i = item / queriesPerKvHead * paddedPerKvHead + item % queriesPerKvHead;
            step.inverseSum[i] = softmax(step, i, scratch[worker].lanes);
        }
    }

    /** Phase 3: items are (KV head, slice of LANES output elements), over every position. */
    private void valueSlices(int from, int to, int worker) {
        Queries st = step;
        int slices = Math.ceilDiv(c.valueDim(), LANES);
        TransformerKvCache cache = caches[0];
        for (int item = from; item < to; item++) {
            int kvHead = item / slices;
            int i0 = item % slices * LANES;
            int i1 = Math.min(i0 + LANES, c.valueDim());
            int first = kvHead * paddedPerKvHead;
            for (int i = first; i < first + queriesPerKvHead; i++) {
                Arrays.fill(out, st.output[i] + i0, st.output[i] + i1, 0f);
            }
            for (int i = first, e = first + paddedPerKvHead; i < e; i += PASS) {
                values4(st.scores, st.row[i], st.row[i + 1], st.row[i + 2], st.row[i + 3], cache.values[layer],
                        cache.valueBase(kvHead), c.valueDim(), i0, i1, st.lo, st.hi + 1,
                        out, st.output[i], st.output[i + 1], st.output[i + 2], st.output[i + 3]);
            }
            for (int i = first; i < first + queriesPerKvHead; i++) {
                scale(st, i, i0, i1);
            }
        }
    }

    /** Sets the positions rows r0..r1-1 attend to, as a whole: lo..hi, and the score space base..end. */
    private void span(Queries qs, int r0, int r1) {
        boolean sliding = c.isSliding(layer);
        int lo = Integer.MAX_VALUE;
        int hi = -1;
        for (int t = r0; t < r1; t++) {
            lo = Math.min(lo, sliding ? Math.max(0, positions[t] - c.slidingWindow() + 1) : 0);
            hi = Math.max(hi, positions[t]);
        }
        int padding = TransformerKvCache.PADDING; // key blocks are read in pairs
        qs.lo = lo;
        qs.hi = hi;
        qs.base = lo / padding * padding;
        qs.end = Math.ceilDiv(hi + 1, padding) * padding;
        qs.stride = qs.end - qs.base;
    }

    /**
     * Lists query heads h0..h1-1 of rows r0..r1-1 as queries at..at+n-1, score rows numbered the same, then
     * repeats the last up to a multiple of PASS (a repeat computes and writes the same results again).
     * Returns the count with the repeats.
     */
    private int list(Queries qs, int at, int r0, int r1, int h0, int h1) {
        boolean sliding = c.isSliding(layer);
        int n = 0;
        for (int t = r0; t < r1; t++) {
            int pos = positions[t];
            for (int h = h0; h < h1; h++, n++) {
                qs.query[at + n] = t * c.queryWidth() + h * c.keyDim();
                qs.output[at + n] = t * c.attentionWidth() + h * c.valueDim();
                qs.first[at + n] = sliding ? Math.max(0, pos - c.slidingWindow() + 1) : 0;
                qs.last[at + n] = pos;
                qs.row[at + n] = (at + n) * qs.stride - qs.base; // scores[row + position]
            }
        }
        int padded = Math.ceilDiv(n, PASS) * PASS;
        for (int i = n; i < padded; i++) {
            qs.query[at + i] = qs.query[at + n - 1];
            qs.output[at + i] = qs.output[at + n - 1];
            qs.row[at + i] = qs.row[at + n - 1];
        }
        return padded;
    }

    /** out[output_i + k] *= 1 / Σ for k in [k0, k1): the softmax's normalisation, applied to the weighted sum. */
    private void scale(Queries qs, int i, int k0, int k1) {
        float inv = qs.inverseSum[i];
        for (int o = qs.output[i] + k0, e = qs.output[i] + k1; o < e; o++) {
            out[o] *= inv;
        }
    }

    /**
     * scores[s_n + j] = q_n · k_j for four queries (q_n at q[q_n..]) and positions j in [from, to), a range of
     * whole key-block pairs. Sixteen independent accumulators, (4 queries) × (4 blocks of LANES positions), while four
     * blocks remain, then eight for a last pair: four key loads per sixteen multiply-adds instead of two per eight
     * (AttentionBenchmark pp512 rows at context 512, two threads, with the value pass below: qwen 88 -> 81-87 ms,
     * llama 147 -> 130-136 ms; context 4096: -6 to -8%).
     */
    private static void scores4(float[] q, int q0, int q1, int q2, int q3, float[] keys, int keyBase, int keyDim,
                                int from, int to, float[] scores, int s0, int s1, int s2, int s3) {
        int block = TransformerKvCache.BLOCK;
        int j = from;
        for (; j + 4 * block <= to; j += 4 * block) {
            int k0 = keyBase + j * keyDim;
            int k1 = k0 + block * keyDim, k2 = k1 + block * keyDim, k3 = k2 + block * keyDim;
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0,
                    c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int i = 0; i < keyDim; i++) {
                FloatVector x0 = FloatVector.fromArray(FLOATS, keys, k0 + i * block);
                FloatVector x1 = FloatVector.fromArray(FLOATS, keys, k1 + i * block);
                FloatVector x2 = FloatVector.fromArray(FLOATS, keys, k2 + i * block);
                FloatVector x3 = FloatVector.fromArray(FLOATS, keys, k3 + i * block);
                FloatVector b = FloatVector.broadcast(FLOATS, q[q0 + i]);
                a0 = x0.fma(b, a0);
                a1 = x1.fma(b, a1);
                a2 = x2.fma(b, a2);
                a3 = x3.fma(b, a3);
                b = FloatVector.broadcast(FLOATS, q[q1 + i]);
                b0 = x0.fma(b, b0);
                b1 = x1.fma(b, b1);
                b2 = x2.fma(b, b2);
                b3 = x3.fma(b, b3);
                b = FloatVector.broadcast(FLOATS, q[q2 + i]);
                c0 = x0.fma(b, c0);
                c1 = x1.fma(b, c1);
                c2 = x2.fma(b, c2);
                c3 = x3.fma(b, c3);
                b = FloatVector.broadcast(FLOATS, q[q3 + i]);
                d0 = x0.fma(b, d0);
                d1 = x1.fma(b, d1);
                d2 = x2.fma(b, d2);
                d3 = x3.fma(b, d3);
            }
            a0.intoArray(scores, s0 + j);
            a1.intoArray(scores, s0 + j + block);
            a2.intoArray(scores, s0 + j + 2 * block);
            a3.intoArray(scores, s0 + j + 3 * block);
            b0.intoArray(scores, s1 + j);
            b1.intoArray(scores, s1 + j + block);
            b2.intoArray(scores, s1 + j + 2 * block);
            b3.intoArray(scores, s1 + j + 3 * block);
            c0.intoArray(scores, s2 + j);
            c1.intoArray(scores, s2 + j + block);
            c2.intoArray(scores, s2 + j + 2 * block);
            c3.intoArray(scores, s2 + j + 3 * block);
            d0.intoArray(scores, s3 + j);
            d1.intoArray(scores, s3 + j + block);
            d2.intoArray(scores, s3 + j + 2 * block);
            d3.intoArray(scores, s3 + j + 3 * block);
        }
        for (; j < to; j += 2 * block) {
            int k0 = keyBase + j * keyDim; // block j / BLOCK starts at (j / BLOCK) * BLOCK * keyDim
            int k1 = k0 + block * keyDim;
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int i = 0; i < keyDim; i++) {
                FloatVector x = FloatVector.fromArray(FLOATS, keys, k0 + i * block);
                FloatVector y = FloatVector.fromArray(FLOATS, keys, k1 + i * block);
                FloatVector b = FloatVector.broadcast(FLOATS, q[q0 + i]);
                a0 = x.fma(b, a0);
                a1 = y.fma(b, a1);
                b = FloatVector.broadcast(FLOATS, q[q1 + i]);
                a2 = x.fma(b, a2);
                a3 = y.fma(b, a3);
                b = FloatVector.broadcast(FLOATS, q[q2 + i]);
                a4 = x.fma(b, a4);
                a5 = y.fma(b, a5);
                b = FloatVector.broadcast(FLOATS, q[q3 + i]);
                a6 = x.fma(b, a6);
                a7 = y.fma(b, a7);
            }
            a0.intoArray(scores, s0 + j);
            a1.intoArray(scores, s0 + j + block);
            a2.intoArray(scores, s1 + j);
            a3.intoArray(scores, s1 + j + block);
            a4.intoArray(scores, s2 + j);
            a5.intoArray(scores, s2 + j + block);
            a6.intoArray(scores, s3 + j);
            a7.intoArray(scores, s3 + j + block);
        }
    }

    /**
     * out[o_n + i] += Σ_j scores[s_n + j] · v_j[i] for i in [i0, i1) over positions j in [from, to), for four queries:
     * value rows are loaded once and multiplied into all four, four vectors of a row at a time (sixteen accumulators),
     * then two, one, and element by element for what is left of the row.
     * Each output element gets the same multiply-adds in the same order whichever loop handles it.
     */
    private static void values4(float[] scores, int s0, int s1, int s2, int s3, float[] values, int valueBase, int valueDim,
                                int i0, int i1, int from, int to, float[] out, int o0, int o1, int o2, int o3) {
        int i = i0;
        // The register tile of scores4's four-block pass on other operands, written out again: one method for both
        // (loads, sixteen accumulators, stores; spacings and steps as arguments) ran AttentionBenchmark pp512 rows
        // 8% slower (qwen, context 512, two threads: 88 against 81 ms), all of what the wider passes gained.
        for (; i <= i1 - 4 * LANES; i += 4 * LANES) {
            FloatVector a0 = FloatVector.fromArray(FLOATS, out, o0 + i), a1 = FloatVector.fromArray(FLOATS, out, o0 + i + LANES);
            FloatVector a2 = FloatVector.fromArray(FLOATS, out, o0 + i + 2 * LANES), a3 = FloatVector.fromArray(FLOATS, out, o0 + i + 3 * LANES);
            FloatVector b0 = FloatVector.fromArray(FLOATS, out, o1 + i), b1 = FloatVector.fromArray(FLOATS, out, o1 + i + LANES);
            FloatVector b2 = FloatVector.fromArray(FLOATS, out, o1 + i + 2 * LANES), b3 = FloatVector.fromArray(FLOATS, out, o1 + i + 3 * LANES);
            FloatVector c0 = FloatVector.fromArray(FLOATS, out, o2 + i), c1 = FloatVector.fromArray(FLOATS, out, o2 + i + LANES);
            FloatVector c2 = FloatVector.fromArray(FLOATS, out, o2 + i + 2 * LANES), c3 = FloatVector.fromArray(FLOATS, out, o2 + i + 3 * LANES);
            FloatVector d0 = FloatVector.fromArray(FLOATS, out, o3 + i), d1 = FloatVector.fromArray(FLOATS, out, o3 + i + LANES);
            FloatVector d2 = FloatVector.fromArray(FLOATS, out, o3 + i + 2 * LANES), d3 = FloatVector.fromArray(FLOATS, out, o3 + i + 3 * LANES);
            for (int j = from; j < to; j++) {
                int v = valueBase + j * valueDim + i;
                FloatVector x0 = FloatVector.fromArray(FLOATS, values, v);
                FloatVector x1 = FloatVector.fromArray(FLOATS, values, v + LANES);
                FloatVector x2 = FloatVector.fromArray(FLOATS, values, v + 2 * LANES);
                FloatVector x3 = FloatVector.fromArray(FLOATS, values, v + 3 * LANES);
                FloatVector p = FloatVector.broadcast(FLOATS, scores[s0 + j]);
                a0 = x0.fma(p, a0);
                a1 = x1.fma(p, a1);
                a2 = x2.fma(p, a2);
                a3 = x3.fma(p, a3);
                p = FloatVector.broadcast(FLOATS, scores[s1 + j]);
                b0 = x0.fma(p, b0);
                b1 = x1.fma(p, b1);
                b2 = x2.fma(p, b2);
                b3 = x3.fma(p, b3);
                p = FloatVector.broadcast(FLOATS, scores[s2 + j]);
                c0 = x0.fma(p, c0);
                c1 = x1.fma(p, c1);
                c2 = x2.fma(p, c2);
                c3 = x3.fma(p, c3);
                p = FloatVector.broadcast(FLOATS, scores[s3 + j]);
                d0 = x0.fma(p, d0);
                d1 = x1.fma(p, d1);
                d2 = x2.fma(p, d2);
                d3 = x3.fma(p, d3);
            }
            a0.intoArray(out, o0 + i);
            a1.intoArray(out, o0 + i + LANES);
            a2.intoArray(out, o0 + i + 2 * LANES);
            a3.intoArray(out, o0 + i + 3 * LANES);
            b0.intoArray(out, o1 + i);
            b1.intoArray(out, o1 + i + LANES);
            b2.intoArray(out, o1 + i + 2 * LANES);
            b3.intoArray(out, o1 + i + 3 * LANES);
            c0.intoArray(out, o2 + i);
            c1.intoArray(out, o2 + i + LANES);
            c2.intoArray(out, o2 + i + 2 * LANES);
            c3.intoArray(out, o2 + i + 3 * LANES);
            d0.intoArray(out, o3 + i);
            d1.intoArray(out, o3 + i + LANES);
            d2.intoArray(out, o3 + i + 2 * LANES);
            d3.intoArray(out, o3 + i + 3 * LANES);
        }
        for (; i <= i1 - 2 * LANES; i += 2 * LANES) {
            FloatVector a0 = FloatVector.fromArray(FLOATS, out, o0 + i), a1 = FloatVector.fromArray(FLOATS, out, o0 + i + LANES);
            FloatVector a2 = FloatVector.fromArray(FLOATS, out, o1 + i), a3 = FloatVector.fromArray(FLOATS, out, o1 + i + LANES);
            FloatVector a4 = FloatVector.fromArray(FLOATS, out, o2 + i), a5 = FloatVector.fromArray(FLOATS, out, o2 + i + LANES);
            FloatVector a6 = FloatVector.fromArray(FLOATS, out, o3 + i), a7 = FloatVector.fromArray(FLOATS, out, o3 + i + LANES);
            for (int j = from; j < to; j++) {
                int v = valueBase + j * valueDim + i;
                FloatVector x = FloatVector.fromArray(FLOATS, values, v);
                FloatVector y = FloatVector.fromArray(FLOATS, values, v + LANES);
                FloatVector p = FloatVector.broadcast(FLOATS, scores[s0 + j]);
                a0 = x.fma(p, a0);
                a1 = y.fma(p, a1);
                p = FloatVector.broadcast(FLOATS, scores[s1 + j]);
                a2 = x.fma(p, a2);
                a3 = y.fma(p, a3);
                p = FloatVector.broadcast(FLOATS, scores[s2 + j]);
                a4 = x.fma(p, a4);
                a5 = y.fma(p, a5);
                p = FloatVector.broadcast(FLOATS, scores[s3 + j]);
                a6 = x.fma(p, a6);
                a7 = y.fma(p, a7);
            }
            a0.intoArray(out, o0 + i);
            a1.intoArray(out, o0 + i + LANES);
            a2.intoArray(out, o1 + i);
            a3.intoArray(out, o1 + i + LANES);
            a4.intoArray(out, o2 + i);
            a5.intoArray(out, o2 + i + LANES);
            a6.intoArray(out, o3 + i);
            a7.intoArray(out, o3 + i + LANES);
        }
        for (; i <= i1 - LANES; i += LANES) {
            FloatVector a0 = FloatVector.fromArray(FLOATS, out, o0 + i), a1 = FloatVector.fromArray(FLOATS, out, o1 + i);
            FloatVector a2 = FloatVector.fromArray(FLOATS, out, o2 + i), a3 = FloatVector.fromArray(FLOATS, out, o3 + i);
            for (int j = from; j < to; j++) {
                FloatVector x = FloatVector.fromArray(FLOATS, values, valueBase + j * valueDim + i);
                a0 = x.fma(FloatVector.broadcast(FLOATS, scores[s0 + j]), a0);
                a1 = x.fma(FloatVector.broadcast(FLOATS, scores[s1 + j]), a1);
                a2 = x.fma(FloatVector.broadcast(FLOATS, scores[s2 + j]), a2);
                a3 = x.fma(FloatVector.broadcast(FLOATS, scores[s3 + j]), a3);
            }
            a0.intoArray(out, o0 + i);
            a1.intoArray(out, o1 + i);
            a2.intoArray(out, o2 + i);
            a3.intoArray(out, o3 + i);
        }
        for (; i < i1; i++) {
            float a0 = out[o0 + i], a1 = out[o1 + i], a2 = out[o2 + i], a3 = out[o3 + i];
            for (int j = from; j < to; j++) {
                float v = values[valueBase + j * valueDim + i];
                a0 = Math.fma(v, scores[s0 + j], a0);
                a1 = Math.fma(v, scores[s1 + j], a1);
                a2 = Math.fma(v, scores[s2 + j], a2);
                a3 = Math.fma(v, scores[s3 + j], a3);
            }
            out[o0 + i] = a0;
            out[o1 + i] = a1;
            out[o2 + i] = a2;
            out[o3 + i] = a3;
        }
    }

    /**
     * Turns the raw scores of query i, {@code scores[row + j]} for positions j in [first, last], into
     * e^(s - max) with s = score · queryScale (soft-capped if the family caps scores), and zeroes the rest of
     * [lo, hi] so the value pass can run over the whole tile. Returns 1 / Σ e^(s - max), the sum taken in double.
     */
    private float softmax(Queries qs, int query, double[] lanes) {
        float[] scores = qs.scores;
        int row = qs.row[query];
        int first = qs.first[query];
        int last = qs.last[query];
        int lo = qs.lo;
        int hi = qs.hi;
        float scale = c.queryScale();
        float cap = c.attentionSoftCap();
        int a = row + first;
        int b = row + last + 1; // scores[a..b) are the query's
        if (cap > 0) {
            for (int i = a; i < b; i++) {
                scores[i] = TransformerModel.softCap(scores[i] * scale, cap);
            }
            scale = 1f;
        }
        // whole vectors from the one holding position `first` (row is a multiple of LANES: so is every start)
        int start = row + Math.floorDiv(first, LANES) * LANES;
        FloatVector max = FloatVector.broadcast(FLOATS, Float.NEGATIVE_INFINITY);
        for (int i = start; i < b; i += LANES) {
            VectorMask<Float> mine = FLOATS.indexInRange(i - a, b - a);
            max = max.lanewise(VectorOperators.MAX, FloatVector.fromArray(FLOATS, scores, i).mul(scale), mine);
        }
        FloatVector m = FloatVector.broadcast(FLOATS, max.reduceLanes(VectorOperators.MAX)); // max is exact in any order
        DoubleVector sum0 = DoubleVector.zero(DOUBLES), sum1 = sum0;
        int i = start;
        for (; i < b; i += LANES) {
            VectorMask<Float> mine = FLOATS.indexInRange(i - a, b - a);
            FloatVector e = exp(FloatVector.fromArray(FLOATS, scores, i).mul(scale).sub(m)).blend(0f, mine.not());
            e.intoArray(scores, i);
            sum0 = sum0.add((DoubleVector) e.convertShape(VectorOperators.F2D, DOUBLES, 0));
            sum1 = sum1.add((DoubleVector) e.convertShape(VectorOperators.F2D, DOUBLES, 1));
        }
        Arrays.fill(scores, row + lo, Math.max(row + lo, start), 0f);
        Arrays.fill(scores, Math.min(i, row + hi + 1), row + hi + 1, 0f);
        sum0.add(sum1).intoArray(lanes, 0);
        double sum = 0;
        for (int k = 0; k < DOUBLES.length(); k++) {
            sum += lanes[k];
        }
        return (float) (1.0 / sum);
    }

    private static final float LOG2_E = 1.44269504f;
    private static final float ROUNDER = 0x1.8p23f;          // adding it rounds a float below 2^22 to an integer
    private static final float LN2_HIGH = 0.693145751953125f; // ln 2 = LN2_HIGH + LN2_LOW; n · LN2_HIGH is exact
    private static final float LN2_LOW = 1.42860682e-6f;
    private static final float UNDERFLOW = -86f;              // e^-86 ≈ 4e-38: below it, 0

    /**
     * e^x for x ≤ 0: x = n·ln 2 + r with n an integer and |r| ≤ ln 2 / 2, e^r by its Taylor series to degree 7
     * (truncation below 1e-8 relative), times 2^n by adding n to the exponent bits. Lanes below -86 give 0.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(LOG2_E, ROUNDER); // n sits in the low mantissa bits of t
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(FLOATS, -LN2_HIGH), x);
        r = n.fma(FloatVector.broadcast(FLOATS, -LN2_LOW), r);
        FloatVector p = r.fma(1f / 5040, 1f / 720);
        p = horner(p, r, 1f / 120);
        p = horner(p, r, 1f / 24);
        p = horner(p, r, 1f / 6);
        p = horner(p, r, 0.5f);
        p = horner(p, r, 1f);
        p = horner(p, r, 1f);
        IntVector exponent = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
        FloatVector e = p.reinterpretAsInts().add(exponent).reinterpretAsFloats();
        return e.blend(0f, x.lt(UNDERFLOW));
    }

    /** p · r + c. */
    private static FloatVector horner(FloatVector p, FloatVector r, float c) {
        return p.fma(r, FloatVector.broadcast(FLOATS, c));
    }

    /**
     * Query vectors of a tile (or of a phased step): where each reads q and writes out, its score row
     * ({@code scores[row + position]}) and the positions it sees; the span of the whole tile and the scores.
     */
    private static final class Queries {
        final int[] query;
        final int[] output;
        final int[] row;
        final int[] first;
        final int[] last;
        final float[] inverseSum;
        int lo;     // positions some query sees: lo..hi
        int hi;
        int base;   // positions with scores: base..end-1, whole key-block pairs
        int end;
        int stride; // floats per score row
        float[] scores = new float[0];

        Queries(int capacity) {
            query = new int[capacity];
            output = new int[capacity];
            row = new int[capacity];
            first = new int[capacity];
            last = new int[capacity];
            inverseSum = new float[capacity];
        }

        /** Score space for {@code size} floats; grows (rarely: to the longest context seen) and is then reused. */
        float[] scores(int size) {
            if (scores.length < size) {
                scores = new float[Math.max(size, 2 * scores.length)];
            }
            return scores;
        }
    }

    /** One worker's buffers. */
    private record Scratch(Queries queries, double[] lanes) {
        Scratch(Queries queries) {
            this(queries, new double[DOUBLES.length()]);
        }
    }
}
