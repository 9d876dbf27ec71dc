package org.infer4j.engine.tensor;

/**
 * Parallel matrix × batch-of-vectors over a {@link WorkerPool}: {@code out[t * rows + r] = dot(row r, x_t)}.
 * Up to three matrices that read the same input (Q/K/V, gate/up) run as one task over their concatenated
 * rows, saving a round of thread hand-offs. Holds per-worker scratch, sized by the largest
 * {@link WeightMatrix#scratchFloats()} seen; reused for every call.
 */
public final class MatMul implements RangeTask {
    private static final int MIN_ROWS_PER_CHUNK = 8;
    /**
     * Weight bytes a chunk of one token's rows spans at least. One token streams each matrix from memory once; every
     * chunk starts new streams, which the hardware prefetcher takes a while to follow, and the small matrices (Q/K/V,
     * attention output: 53-69 KB per chunk at 8 chunks a thread for Qwen2.5-0.5B-shaped Q8_0) spent much of each
     * chunk on that start. At 128 KB, tg128 at 2 threads 47.1-48.3 -> 49.2-51.3 t/s; the large matrices keep their
     * chunks (their eighth of a thread's share is larger already).
     */
    private static final long MIN_CHUNK_BYTES = 128 * 1024;
    /** Scratch floats per worker at least: room for the accumulators of a row group in the tiled kernels. */
    private static final int MIN_SCRATCH = 4096;

    private final WorkerPool pool;
    /** Per-worker scratch; grown (once) when a larger batch than any before needs more for the batched kernels. */
    private final Scratch[] scratch;
    private final WeightMatrix[] matrices = new WeightMatrix[3];
    private final float[][] outputs = new float[3][];
    private int count;
    private Activations input;
    private int totalRows;
    /** One token: rows per index of the parallel range, which runs over the matrices' rows end to end. */
    private int unit = 1;
    /** A batch: rows per index of the parallel range, half a row group (whole micro-tiles). */
    private static final int HALF_GROUP = TileGemm.ROW_GROUP / 2;
    /** A batch: each matrix's first index of the parallel range, one per half row group of its rows; then their end. */
    private final int[] firstHalf = new int[4];
    private boolean batched;
    /** Outputs in columns ({@link #multiplyColumns}). */
    private boolean columns;

    public MatMul(WorkerPool pool, int maxCols) {
        this.pool = pool;
        this.scratch = new Scratch[pool.threads()];
        for (int i = 0; i < scratch.length; i++) {
            scratch[i] = new Scratch(Math.max(maxCols, MIN_SCRATCH), 0);
        }
    }

    public void multiply(WeightMatrix w, Activations x, float[] out) {
        run(x, w, out, null, null, null, null, 1);
    }

    public void multiply(WeightMatrix w0, float[] out0, WeightMatrix w1, float[] out1, Activations x) {
        run(x, w0, out0, w1, out1, null, null, 2);
    }

    public void multiply(WeightMatrix w0, float[] out0, WeightMatrix w1, float[] out1, WeightMatrix w2, float[] out2,
                         Activations x) {
        run(x, w0, out0, w1, out1, w2, out2, 3);
    }

    /**
     * As {@link #multiply(WeightMatrix, float[], WeightMatrix, float[], Activations)} for a batch, the outputs in
     * columns: {@code out[r·columnStride(tokens) + t]} (see {@link #writesColumns}).
     */
    public void multiplyColumns(WeightMatrix w0, float[] out0, WeightMatrix w1, float[] out1, Activations x) {
        if (!writesColumns(w0) || !writesColumns(w1) || x.tokens() < 2) {
            throw new IllegalArgumentException("outputs in columns are for tiled matrices and a batch, got "
                    + w0.type() + ", " + w1.type() + " and " + x.tokens() + " tokens");
        }
        columns = true;
        try {
            run(x, w0, out0, w1, out1, null, null, 2);
        } finally {
            columns = false;
        }
    }

    /**
     * Whether a batch's products with {@code w} can be written in columns ({@link #multiplyColumns}): for the types
     * whose batched kernels ({@link Int16Gemm}, {@link TileGemm}) make them in that layout.
     */
    public static boolean writesColumns(WeightMatrix w) {
        return w instanceof Int16Tiles || w.batchesInFloatTiles();
    }

    /**
     * Whether a batch multiplied by {@code w} reads only the panels of its Q8_0 form (int16 or float, as its
     * kernel takes them), which {@link Activations#setQuantizedColumns} lays out from columns.
     */
    public static boolean readsQuantizedColumns(WeightMatrix w) {
        return writesColumns(w) && w.inputFormat() == InputFormat.Q8_0;
    }

    /**
     * The part of each row of {@link #multiplyColumns}'s outputs that the kernels write for a batch of {@code tokens}:
     * the tokens rounded up to whole panels, a multiple of the vector length.
     */
    public static int columnWidth(int tokens) {
        return TileGemm.paddedTokens(tokens);
    }

    /** The row stride of {@link #multiplyColumns}'s outputs for a batch of {@code tokens}. */
    public static int columnStride(int tokens) {
        return TileGemm.sumStride(tokens);
    }

    private void run(Activations x, WeightMatrix w0, float[] o0, WeightMatrix w1, float[] o1, WeightMatrix w2, float[] o2,
                     int n) {
        matrices[0] = w0;
        matrices[1] = w1;
        matrices[2] = w2;
        outputs[0] = o0;
        outputs[1] = o1;
        outputs[2] = o2;
        int rows = 0;
        long rowBytes = Long.MAX_VALUE;
        boolean batched = x.tokens() > 1;
        int floats = 0;
        int ints = 0;
        for (int i = 0; i < n; i++) {
            WeightMatrix w = matrices[i];
            if (w.cols() != x.cols()) {
                throw new IllegalArgumentException(w.name() + " has " + w.cols() + " columns, input has " + x.cols());
            }
            floats = Math.max(floats, scratchFloats(w, x.tokens()));
            ints = Math.max(ints, scratchInts(w, x.tokens()));
            x.prepare(w.inputFormat(), batched && w instanceof Int16Tiles, w.relaidRows() < w.rows(), pool);
            rows += w.rows();
            rowBytes = Math.min(rowBytes, w.type().byteSize(w.cols()));
        }
        for (Scratch s : scratch) {
            s.ensure(floats, ints);
        }
        this.count = n;
        this.input = x;
        this.totalRows = rows;
        this.batched = batched;
        if (batched) {
            // A batch is handed out in halves of row groups of each matrix, counted from its first row: every chunk
            // ends in no slow partial micro-tile, and its row groups (TileGemm.groupEnd) hold whole re-laid groups of
            // 32 rows (RowGroups), which are transposed straight into place. Before, the matrices' rows end to end in
            // micro-tiles cut a group at most row groups of up (4864 gate rows are not whole micro-tiles), and
            // both sides dequantized it. Chunks shrink to single halves at the end (WorkerPool.parallelForGuided):
            // in equal chunks of two halves or more, one thread waited at the end of each product for the other's
            // last chunk (Qwen2.5-0.5B-shaped Q8_0 pp512, two threads, the wait timed per task: 128 ms of a 2.1 s
            // prompt, the down projection's 19 halves in 10 chunks the most, 2.0 ms of its 26 per layer; shrinking
            // chunks, 49 ms, most of it the down projection's last half, 1.4 ms a layer).
            int halves = 0;
            for (int i = 0; i < n; i++) {
                firstHalf[i] = halves;
                halves += Math.ceilDiv(matrices[i].rows(), HALF_GROUP);
            }
            firstHalf[n] = halves;
            pool.parallelForGuided(halves, 1, this);
        } else {
            // One token is handed out in whole pairs of groups of interleaved rows (RowGroups), so no chunk cuts a
            // group (a cut group is computed whole for the rows on each side of the cut) nor a pair that Q4_0
            // multiplies in step (InterleavedQ4_0; groups alone took 6.7% of a Qwen2.5-0.5B-shaped Q4_0 token's
            // samples, chunks of 9 groups).
            this.unit = 2 * RowGroups.GROUP;
            int grain = Math.ceilDiv(Math.max(MIN_ROWS_PER_CHUNK, (int) Math.ceilDiv(MIN_CHUNK_BYTES, rowBytes)), unit);
            pool.parallelForInShares(Math.ceilDiv(rows, unit), grain, this);
        }
        this.input = null;
        matrices[0] = matrices[1] = matrices[2] = null;
        outputs[0] = outputs[1] = outputs[2] = null;
    }

    /** Floats of scratch {@code w.multiply} needs per worker for {@code tokens} tokens. */
    static int scratchFloats(WeightMatrix w, int tokens) {
        if (tokens == 1) {
            return w.scratchFloats();
        }
        return Math.max(w.scratchFloats(), w instanceof Int16Tiles ? Int16Gemm.scratchFloats(tokens) : TileGemm.scratchFloats(tokens));
    }

    /** Ints of scratch {@code w.multiply} needs per worker for {@code tokens} tokens. */
    static int scratchInts(WeightMatrix w, int tokens) {
        return tokens > 1 && w instanceof Int16Tiles ? Int16Gemm.scratchInts() : 0;
    }

    /** A worker's scratch, sized for {@code w} and {@code tokens} tokens (tests and benchmarks calling multiply). */
    public static Scratch scratchFor(WeightMatrix w, int tokens) {
        return new Scratch(Math.max(MIN_SCRATCH, scratchFloats(w, tokens)), scratchInts(w, tokens));
    }

    @Override
    public void run(int from, int to, int worker) {
        if (batched) {
            for (int i = 0; i < count; i++) {
                int a = Math.max(from, firstHalf[i]), b = Math.min(to, firstHalf[i + 1]);
                if (a < b) {
                    WeightMatrix w = matrices[i];
                    multiply(w, i, (a - firstHalf[i]) * HALF_GROUP, Math.min(w.rows(), (b - firstHalf[i]) * HALF_GROUP),
                            worker);
                }
            }
            return;
        }
        from *= unit;
        to = Math.min(totalRows, to * unit);
        int base = 0;
        for (int i = 0; i < count && from < to; i++) {
            WeightMatrix w = matrices[i];
            int end = base + w.rows();
            if (from < end) {
                int stop = Math.min(to, end);
                multiply(w, i, from - base, stop - base, worker);
                from = stop;
            }
            base = end;
        }
    }

    /** Rows {@code [rowFrom, rowTo)} of matrix {@code i} on {@code worker}. */
    private void multiply(WeightMatrix w, int i, int rowFrom, int rowTo, int worker) {
        if (columns && w instanceof Int16Tiles tiles) {
            Int16Gemm.multiplyColumns(tiles, input, outputs[i], rowFrom, rowTo, scratch[worker]);
        } else if (columns) {
            TileGemm.multiplyColumns(w, input, outputs[i], rowFrom, rowTo, scratch[worker].floats());
        } else {
            w.multiply(input, outputs[i], 0, w.rows(), rowFrom, rowTo, scratch[worker]);
        }
    }
}
