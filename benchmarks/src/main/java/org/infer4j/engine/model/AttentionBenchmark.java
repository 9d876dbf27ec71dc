package org.infer4j.engine.model;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.infer4j.engine.tensor.Kernels;
import org.infer4j.engine.tensor.RangeTask;
import org.infer4j.engine.tensor.WorkerPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Attention of one step through every layer of a model, at a given context: {@code rows} new rows (1: a
 * generated token; more: a prompt batch) whose last row sits at position {@code context - 1}, over caches of
 * {@code context} positions per layer. Each layer has its own cache, as in the model, so at long context the
 * keys and values come from memory, not from a cache that one layer left warm. Score {@code µs/op} is the time
 * of one step; divide by {@code rows} for µs per token.
 * <p>
 * {@code impl=tiles} is {@link Attention}; {@code impl=perHead} is the implementation it replaced, kept here as the
 * baseline: one (row, head) at a time, a dot product per cached key, scalar exponentials, an axpy per value.
 * Shapes: {@code qwen} is Qwen2.5-0.5B (24 layers, 14 query heads over 2 KV heads of 64), {@code llama} is
 * Llama-3.2-1B (16 layers, 32 over 8 of 64).
 * <p>
 * In package {@code org.infer4j.engine.model} because {@link Attention} is package-private.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@State(Scope.Benchmark)
public class AttentionBenchmark {
    @Param({"tiles", "perHead"})
    public String impl;

    @Param({"qwen", "llama"})
    public String model;

    @Param({"512", "4096"})
    public int context;

    @Param({"1"})
    public int rows;

    @Param({"2"})
    public int threads;

    private WorkerPool pool;
    private TransformerConfig config;
    private Attention tiles;
    private PerHead perHead;
    private TransformerKvCache cache;
    private float[] q;
    private int[] positions;
    private TransformerKvCache[] caches;
    private float[] out;

    @Setup
    public void setUp() {
        config = switch (model) {
            case "qwen" -> config(24, 14, 2, 64);
            case "llama" -> config(16, 32, 8, 64);
            default -> throw new IllegalArgumentException("model is qwen or llama, not " + model);
        };
        pool = new WorkerPool(threads);
        SplittableRandom rnd = new SplittableRandom(1);
        cache = new TransformerKvCache(config, context);
        perHead = new PerHead(config, pool, context);
        float[] k = new float[config.keyWidth()];
        float[] v = new float[config.valueWidth()];
        for (int layer = 0; layer < config.layers(); layer++) {
            for (int p = 0; p < context; p++) {
                fill(k, rnd);
                fill(v, rnd);
                cache.store(layer, p, k, 0, v, 0);
                System.arraycopy(k, 0, perHead.keys[layer], p * k.length, k.length);
                System.arraycopy(v, 0, perHead.values[layer], p * v.length, v.length);
            }
        }
        q = new float[rows * config.queryWidth()];
        fill(q, rnd);
        positions = new int[rows];
        caches = new TransformerKvCache[rows];
        for (int t = 0; t < rows; t++) {
            positions[t] = context - rows + t;
            caches[t] = cache;
        }
        out = new float[rows * config.attentionWidth()];
        tiles = new Attention(config, pool, rows);
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] step() {
        for (int layer = 0; layer < config.layers(); layer++) {
            switch (impl) {
                case "tiles" -> tiles.run(layer, rows, q, positions, caches, out);
                case "perHead" -> perHead.run(layer, rows, q, positions, out);
                default -> throw new IllegalArgumentException("impl is tiles or perHead, not " + impl);
            }
        }
        return out;
    }

    private static TransformerConfig config(int layers, int heads, int kvHeads, int headDim) {
        TransformerConfig.Rope rope = new TransformerConfig.Rope(10000f, 1f, 1f);
        return new TransformerConfig(Architecture.LLAMA, heads * headDim, layers, 4 * heads * headDim, heads, kvHeads,
                headDim, headDim, 1e-6f, 32768, 32000, headDim, RopeStyle.HALVES, rope, rope, null, 0,
                new boolean[layers], 1f, (float) (1 / Math.sqrt(headDim)), Activation.SILU, 0f, 0f);
    }

    private static void fill(float[] a, SplittableRandom rnd) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
    }

    /**
     * The attention infer4j had before score tiles: keys and values position-major with the KV heads side by
     * side ({@code keys[layer][position * keyWidth + kvHead * keyDim + i]}), every (row, head) on its own.
     */
    static final class PerHead implements RangeTask {
        final float[][] keys;
        final float[][] values;
        private final TransformerConfig c;
        private final WorkerPool pool;
        private final float[][] scores;
        private int layer;
        private float[] q;
        private int[] positions;
        private float[] out;

        PerHead(TransformerConfig config, WorkerPool pool, int capacity) {
            this.c = config;
            this.pool = pool;
            this.keys = new float[config.layers()][capacity * config.keyWidth()];
            this.values = new float[config.layers()][capacity * config.valueWidth()];
            this.scores = new float[pool.threads()][capacity];
        }

        void run(int layer, int rows, float[] q, int[] positions, float[] out) {
            this.layer = layer;
            this.q = q;
            this.positions = positions;
            this.out = out;
            pool.parallelFor(rows * c.heads(), this);
        }

        @Override
        public void run(int from, int to, int worker) {
            int keyDim = c.keyDim();
            int valueDim = c.valueDim();
            int group = c.heads() / c.kvHeads();
            float scale = c.queryScale();
            float[] att = scores[worker];
            for (int index = from; index < to; index++) {
                int t = index / c.heads();
                int h = index % c.heads();
                int kvHead = h / group;
                int pos = positions[t];
                int qOff = t * c.queryWidth() + h * keyDim;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j <= pos; j++) {
                    float s = Kernels.dot(q, qOff, keys[layer], j * c.keyWidth() + kvHead * keyDim, keyDim) * scale;
                    att[j] = s;
                    max = Math.max(max, s);
                }
                double sum = 0;
                for (int j = 0; j <= pos; j++) {
                    float e = (float) Math.exp(att[j] - max);
                    att[j] = e;
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                int oOff = t * c.attentionWidth() + h * valueDim;
                java.util.Arrays.fill(out, oOff, oOff + valueDim, 0f);
                for (int j = 0; j <= pos; j++) {
                    Kernels.axpy(att[j] * inv, values[layer], j * c.valueWidth() + kvHead * valueDim, out, oOff, valueDim);
                }
            }
        }
    }
}
