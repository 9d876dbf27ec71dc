package org.infer4j.engine.model;

import org.infer4j.engine.tensor.Kernels;
import org.infer4j.engine.tensor.RangeTask;
import org.infer4j.engine.tensor.WorkerPool;

/**
 * Causal grouped-query attention of every (row, head) pair over its sequence's cache, in parallel:
 * scores = q·k · queryScale over positions 0..pos (only the last slidingWindow of them in a sliding layer),
 * soft-capped if the family caps them, softmax, weighted sum of values.
 */
final class Attention implements RangeTask {
    private final TransformerConfig c;
    private final WorkerPool pool;
    private final float[][] scores; // per worker, (contextLength)
    private int layer;
    private float[] q;
    private int[] positions;
    private TransformerKvCache[] caches;
    private float[] out;

    Attention(TransformerConfig config, WorkerPool pool) {
        this.c = config;
        this.pool = pool;
        this.scores = new float[pool.threads()][config.contextLength()];
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
        pool.parallelFor(rows * c.heads(), this);
    }

    @Override
    public void run(int from, int to, int worker) {
        int keyDim = c.keyDim();
        int valueDim = c.valueDim();
        int group = c.heads() / c.kvHeads();
        float scale = c.queryScale();
        float cap = c.attentionSoftCap();
        boolean sliding = c.isSliding(layer);
        float[] att = scores[worker];
        for (int index = from; index < to; index++) {
            int t = index / c.heads();
            int h = index % c.heads();
            int kvHead = h / group;
            int pos = positions[t];
            float[] keys = caches[t].keys[layer];
            float[] values = caches[t].values[layer];
            int qOff = t * c.queryWidth() + h * keyDim;
            int first = sliding ? Math.max(0, pos - c.slidingWindow() + 1) : 0;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = first; j <= pos; j++) {
                float s = Kernels.dot(q, qOff, keys, j * c.keyWidth() + kvHead * keyDim, keyDim) * scale;
                if (cap > 0) {
                    s = TransformerModel.softCap(s, cap);
                }
                att[j] = s;
                max = Math.max(max, s);
            }
            double sum = 0;
            for (int j = first; j <= pos; j++) {
                float e = (float) Math.exp(att[j] - max);
                att[j] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            int oOff = t * c.attentionWidth() + h * valueDim;
            java.util.Arrays.fill(out, oOff, oOff + valueDim, 0f);
            for (int j = first; j <= pos; j++) {
                Kernels.axpy(att[j] * inv, values, j * c.valueWidth() + kvHead * valueDim, out, oOff, valueDim);
            }
        }
    }
}
