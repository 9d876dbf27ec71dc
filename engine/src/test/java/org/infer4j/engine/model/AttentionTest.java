package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import org.infer4j.engine.tensor.WorkerPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Attention}'s score tiles against a plain reference: one (row, head) at a time, scalar, every sum in
 * double, {@link Math#exp}. Shapes cover grouped-query sharing (including groups wider than a tile and a single
 * KV head split across workers), sliding windows, soft-capping, key and value widths that are not multiples of
 * the vector width, positions on both sides of key-block and chunk boundaries, and batches of many rows.
 */
class AttentionTest {

    /** One case: the shape, then a batch of {@code rows} rows ending at position {@code last}. */
    record Shape(String name, int heads, int kvHeads, int keyDim, int valueDim, int window, float softCap,
                 float queryMagnitude, int rows, int last, int threads) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> shapes() {
        return Stream.of(
                // Qwen2.5-0.5B decode: 14 query heads over 2 KV heads, head 64
                new Shape("qwen decode at 1", 14, 2, 64, 64, 0, 0, 1, 1, 0, 2),
                new Shape("qwen decode at 17", 14, 2, 64, 64, 0, 0, 1, 1, 16, 2),
                new Shape("qwen decode at 4096", 14, 2, 64, 64, 0, 0, 1, 1, 4095, 2),
                new Shape("qwen decode at 4097", 14, 2, 64, 64, 0, 0, 1, 1, 4096, 1),
                // Qwen2.5-0.5B prompt: tiles of four rows (28 query vectors, whole passes of four), the last one of two
                new Shape("qwen prompt 70 rows after 10", 14, 2, 64, 64, 0, 0, 1, 70, 79, 2),
                // Llama-3.2-1B: 32 over 8, two rows per tile; a prompt of many rows crossing blocks and chunks
                new Shape("llama prompt 200 rows", 32, 8, 64, 64, 0, 0, 1, 200, 199, 2),
                new Shape("llama prompt 77 rows after 300", 32, 8, 64, 64, 0, 0, 1, 77, 376, 2),
                // multi-head (no sharing): 8 rows per tile, one query per head
                new Shape("multi-head 5 rows", 6, 6, 32, 32, 0, 0, 1, 5, 40, 2),
                // one KV head shared by 4: decode splits it across workers
                new Shape("one kv head decode", 4, 1, 256, 256, 0, 0, 1, 1, 700, 2),
                // groups wider than a tile
                new Shape("group of 20", 20, 1, 16, 16, 0, 0, 1, 3, 130, 2),
                // odd widths, keys and values of different widths
                new Shape("odd widths", 6, 2, 13, 37, 0, 0, 1, 9, 50, 2),
                new Shape("value narrower than a vector", 3, 1, 7, 5, 0, 0, 1, 4, 33, 1),
                // sliding windows: decode and a prompt whose windows start at different blocks
                new Shape("sliding decode", 8, 4, 64, 64, 37, 0, 1, 1, 1000, 2),
                new Shape("long sliding decode", 8, 2, 64, 64, 1000, 0, 1, 1, 3000, 2),
                new Shape("group of 20 decode", 20, 1, 16, 16, 0, 0, 1, 1, 900, 2),
                new Shape("two-row step over 600", 8, 2, 24, 40, 0, 0, 1, 2, 600, 2),
                new Shape("sliding prompt", 8, 2, 32, 48, 20, 0, 1, 60, 150, 2),
                new Shape("sliding window longer than the cache", 8, 2, 32, 32, 4096, 0, 1, 10, 30, 2),
                // gemma2: soft-capped scores (large queries so the cap bites)
                new Shape("soft cap", 8, 4, 256, 256, 0, 50f, 30, 3, 99, 2),
                new Shape("soft cap and sliding", 8, 4, 64, 64, 33, 50f, 30, 40, 300, 2)
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void matchesReference(Shape shape) {
        TransformerConfig config = config(shape);
        int layer = shape.window > 0 ? 1 : 0;
        SplittableRandom rnd = new SplittableRandom(shape.name.hashCode());
        TransformerKvCache cache = new TransformerKvCache(config, shape.last + 1);
        float[][] keys = new float[shape.last + 1][config.keyWidth()];
        float[][] values = new float[shape.last + 1][config.valueWidth()];
        for (int p = 0; p <= shape.last; p++) {
            fill(keys[p], rnd, 1);
            fill(values[p], rnd, 1);
            cache.store(layer, p, keys[p], 0, values[p], 0);
        }
        float[] q = new float[shape.rows * config.queryWidth()];
        fill(q, rnd, shape.queryMagnitude);
        int[] positions = new int[shape.rows];
        TransformerKvCache[] caches = new TransformerKvCache[shape.rows];
        for (int t = 0; t < shape.rows; t++) {
            positions[t] = shape.last - shape.rows + 1 + t;
            caches[t] = cache;
        }
        float[] out = new float[shape.rows * config.attentionWidth()];
        java.util.Arrays.fill(out, Float.NaN); // the model reuses its buffer: nothing may be read before it is written
        try (WorkerPool pool = new WorkerPool(shape.threads)) {
            new Attention(config, pool, shape.rows).run(layer, shape.rows, q, positions, caches, out);
        }
        float[] expected = reference(config, layer, q, positions, keys, values);
        assertClose(out, expected, 6e-7 * shape.queryMagnitude);
    }

    /** Rows of two sequences interleaved in one batch: tiles never mix caches. */
    @Test
    void rowsOfDifferentSequencesInOneBatch() {
        Shape shape = new Shape("two sequences", 8, 2, 32, 32, 0, 0, 1, 6, 0, 2);
        TransformerConfig config = config(shape);
        SplittableRandom rnd = new SplittableRandom(7);
        int[] lengths = {40, 90};
        TransformerKvCache[] pair = new TransformerKvCache[2];
        float[][][] keys = new float[2][][];
        float[][][] values = new float[2][][];
        for (int s = 0; s < 2; s++) {
            pair[s] = new TransformerKvCache(config, lengths[s]);
            keys[s] = new float[lengths[s]][config.keyWidth()];
            values[s] = new float[lengths[s]][config.valueWidth()];
            for (int p = 0; p < lengths[s]; p++) {
                fill(keys[s][p], rnd, 1);
                fill(values[s][p], rnd, 1);
                pair[s].store(0, p, keys[s][p], 0, values[s][p], 0);
            }
        }
        int rows = 6;
        int[] sequence = {0, 0, 1, 1, 1, 0};
        int[] positions = {37, 38, 85, 86, 87, 39};
        TransformerKvCache[] caches = new TransformerKvCache[rows];
        float[] q = new float[rows * config.queryWidth()];
        fill(q, rnd, 1);
        for (int t = 0; t < rows; t++) {
            caches[t] = pair[sequence[t]];
        }
        float[] out = new float[rows * config.attentionWidth()];
        try (WorkerPool pool = new WorkerPool(2)) {
            new Attention(config, pool, rows).run(0, rows, q, positions, caches, out);
        }
        for (int t = 0; t < rows; t++) {
            float[] oneQ = java.util.Arrays.copyOfRange(q, t * config.queryWidth(), (t + 1) * config.queryWidth());
            float[] expected = reference(config, 0, oneQ, new int[] {positions[t]}, keys[sequence[t]], values[sequence[t]]);
            float[] actual = java.util.Arrays.copyOfRange(out, t * config.attentionWidth(), (t + 1) * config.attentionWidth());
            assertClose(actual, expected, 6e-7);
        }
    }

    /** The same batch run twice gives the same bits (nothing depends on which worker took which tile). */
    @Test
    void repeatableBitForBit() {
        Shape shape = new Shape("repeat", 14, 2, 64, 64, 0, 0, 1, 33, 600, 2);
        TransformerConfig config = config(shape);
        SplittableRandom rnd = new SplittableRandom(3);
        TransformerKvCache cache = new TransformerKvCache(config, shape.last + 1);
        float[] k = new float[config.keyWidth()];
        float[] v = new float[config.valueWidth()];
        for (int p = 0; p <= shape.last; p++) {
            fill(k, rnd, 1);
            fill(v, rnd, 1);
            cache.store(0, p, k, 0, v, 0);
        }
        float[] q = new float[shape.rows * config.queryWidth()];
        fill(q, rnd, 1);
        int[] positions = new int[shape.rows];
        TransformerKvCache[] caches = new TransformerKvCache[shape.rows];
        for (int t = 0; t < shape.rows; t++) {
            positions[t] = shape.last - shape.rows + 1 + t;
            caches[t] = cache;
        }
        float[] first = new float[shape.rows * config.attentionWidth()];
        float[] second = new float[first.length];
        try (WorkerPool pool = new WorkerPool(2)) {
            Attention attention = new Attention(config, pool, shape.rows);
            attention.run(0, shape.rows, q, positions, caches, first);
            for (int i = 0; i < 20; i++) { // let the JIT compile the kernels: compiled must equal interpreted
                attention.run(0, shape.rows, q, positions, caches, second);
            }
        }
        assertThat(second).containsExactly(first);
    }

    /**
     * A decoded row at long context goes through the phased path; the same row as the last of a batch of two
     * rows (two tiles) through the tile path: the results must be the same bits.
     */
    @Test
    void phasedStepEqualsTilePathBitForBit() {
        TransformerConfig config = config(new Shape("phased", 14, 2, 64, 64, 0, 0, 1, 1, 0, 2));
        int length = 1500;
        SplittableRandom rnd = new SplittableRandom(11);
        TransformerKvCache cache = new TransformerKvCache(config, length);
        float[] k = new float[config.keyWidth()];
        float[] v = new float[config.valueWidth()];
        for (int p = 0; p < length; p++) {
            fill(k, rnd, 1);
            fill(v, rnd, 1);
            cache.store(0, p, k, 0, v, 0);
        }
        float[] q = new float[2 * config.queryWidth()];
        fill(q, rnd, 1);
        float[] lastQ = java.util.Arrays.copyOfRange(q, config.queryWidth(), 2 * config.queryWidth());
        float[] pair = new float[2 * config.attentionWidth()];
        float[] single = new float[config.attentionWidth()];
        try (WorkerPool pool = new WorkerPool(2)) {
            new Attention(config, pool, 2).run(0, 2, q, new int[] {length - 2, length - 1},
                    new TransformerKvCache[] {cache, cache}, pair);
            new Attention(config, pool, 1).run(0, 1, lastQ, new int[] {length - 1}, new TransformerKvCache[] {cache}, single);
        }
        assertThat(java.util.Arrays.copyOfRange(pair, config.attentionWidth(), 2 * config.attentionWidth()))
                .containsExactly(single);
    }

    @Test
    void exponentialWithinTwoUlpOfMathExp() {
        float[] x = new float[Attention.LANES];
        float[] e = new float[Attention.LANES];
        double worst = 0;
        for (float start = -90f; start <= 0f; start += 0.001f * Attention.LANES) {
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.min(0f, start + 0.001f * i);
            }
            Attention.exp(FloatVector.fromArray(Attention.FLOATS, x, 0)).intoArray(e, 0);
            for (int i = 0; i < x.length; i++) {
                double exact = Math.exp(x[i]);
                if (x[i] < -86f) {
                    assertThat(e[i]).isZero();
                } else {
                    worst = Math.max(worst, Math.abs(e[i] - exact) / Math.ulp((float) exact));
                }
            }
        }
        assertThat(worst).isLessThanOrEqualTo(2.0);
    }

    /** Plain attention of every (row, head): scalar loops, double sums. out: (rows, heads * valueDim). */
    private static float[] reference(TransformerConfig c, int layer, float[] q, int[] positions, float[][] keys, float[][] values) {
        int rows = positions.length;
        float[] out = new float[rows * c.attentionWidth()];
        int group = c.heads() / c.kvHeads();
        for (int t = 0; t < rows; t++) {
            int pos = positions[t];
            int first = c.isSliding(layer) ? Math.max(0, pos - c.slidingWindow() + 1) : 0;
            for (int h = 0; h < c.heads(); h++) {
                int kv = h / group;
                double[] s = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = first; j <= pos; j++) {
                    double dot = 0;
                    for (int i = 0; i < c.keyDim(); i++) {
                        dot += (double) q[t * c.queryWidth() + h * c.keyDim() + i] * keys[j][kv * c.keyDim() + i];
                    }
                    dot *= c.queryScale();
                    if (c.attentionSoftCap() > 0) {
                        dot = c.attentionSoftCap() * Math.tanh(dot / c.attentionSoftCap());
                    }
                    s[j] = dot;
                    max = Math.max(max, dot);
                }
                double sum = 0;
                for (int j = first; j <= pos; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int i = 0; i < c.valueDim(); i++) {
                    double acc = 0;
                    for (int j = first; j <= pos; j++) {
                        acc += s[j] / sum * values[j][kv * c.valueDim() + i];
                    }
                    out[t * c.attentionWidth() + h * c.valueDim() + i] = (float) acc;
                }
            }
        }
        return out;
    }

    /**
     * Outputs are averages of values in [-1, 1]: float rounding leaves them within about 1e-7, more when large
     * queries make large scores (an error in a score is an error in the exponent).
     */
    private static void assertClose(float[] actual, float[] expected, double tolerance) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).as("largest difference from the reference").isLessThan(tolerance);
    }

    private static TransformerConfig config(Shape s) {
        boolean sliding = s.window > 0;
        TransformerConfig.Rope rope = new TransformerConfig.Rope(10000f, 1f, 1f);
        return new TransformerConfig(Architecture.LLAMA, s.heads * s.keyDim, 2, 16, s.heads, s.kvHeads, s.keyDim, s.valueDim,
                1e-6f, 8192, 32, s.keyDim - s.keyDim % 2, RopeStyle.values()[0], rope, rope, null,
                s.window, new boolean[] {false, sliding}, 1f, (float) (1 / Math.sqrt(s.keyDim)),
                Activation.SILU, s.softCap, 0f);
    }

    private static void fill(float[] a, SplittableRandom rnd, float magnitude) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextDouble(-1, 1) * magnitude);
        }
    }
}
