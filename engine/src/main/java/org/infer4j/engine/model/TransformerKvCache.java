package org.infer4j.engine.model;

/**
 * One sequence's keys and values, per layer and KV head, in F32, laid out for {@link Attention}'s score tiles:
 * <ul>
 * <li>keys of a KV head in blocks of {@link #BLOCK} positions, each block stored dimension-major:
 *     {@code keys[layer][keyBase(kvHead) + (position / BLOCK) * BLOCK * keyDim + i * BLOCK + position % BLOCK]}.
 *     One vector load then holds element i of {@code BLOCK} consecutive keys, so a query's scores for a whole
 *     block are {@code keyDim} fused multiply-adds with no horizontal sums;</li>
 * <li>values of a KV head position by position: {@code values[layer][valueBase(kvHead) + position * valueDim + i]},
 *     so the weighted sum of values is vector multiply-adds along a value row.</li>
 * </ul>
 * Each head's positions are contiguous (one stream per head) and the position count is padded to
 * {@link #PADDING} so a tile of key blocks never runs off the end; padding positions are never attended.
 * F32 rather than llama.cpp's default F16: attention then reads plain floats with vector loads and no
 * conversion, and the cache adds no rounding of its own, so our logits match llama.cpp run with an F32
 * cache to float precision. The cost is twice the memory (a 0.5B model: 24 KiB per position).
 */
public final class TransformerKvCache implements KvCache {
    /** Positions per key block: one vector of floats. */
    static final int BLOCK = Attention.LANES;
    /** Positions are allocated in multiples of this: the two key blocks {@link Attention} scores at a time. */
    static final int PADDING = 2 * BLOCK;

    final TransformerConfig config;
    /** Rope frequency divisors chosen for this sequence's capacity (LongRoPE), or null. */
    final float[] ropeFactors;
    final float[][] keys;
    final float[][] values;
    private final int capacity;
    private final int paddedCapacity;
    private int size;

    TransformerKvCache(TransformerConfig config, int capacity) {
        this.config = config;
        this.ropeFactors = config.ropeFactors() == null ? null : config.ropeFactors().forCapacity(capacity);
        this.capacity = capacity;
        this.paddedCapacity = Math.ceilDiv(capacity, PADDING) * PADDING;
        this.keys = new float[config.layers()][paddedCapacity * config.keyWidth()];
        this.values = new float[config.layers()][paddedCapacity * config.valueWidth()];
    }

    /** Start of KV head {@code kvHead}'s keys in {@code keys[layer]}. */
    int keyBase(int kvHead) {
        return kvHead * paddedCapacity * config.keyDim();
    }

    /** Start of KV head {@code kvHead}'s values in {@code values[layer]}. */
    int valueBase(int kvHead) {
        return kvHead * paddedCapacity * config.valueDim();
    }

    /**
     * Stores the key and value of {@code position} in {@code layer}: k (kvHeads * keyDim) from {@code k[kOffset..]},
     * v (kvHeads * valueDim) from {@code v[vOffset..]}.
     */
    void store(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
        int keyDim = config.keyDim();
        int valueDim = config.valueDim();
        float[] layerKeys = keys[layer];
        int block = (position / BLOCK) * BLOCK * keyDim;
        int lane = position % BLOCK;
        for (int h = 0; h < config.kvHeads(); h++) {
            int at = keyBase(h) + block + lane;
            int from = kOffset + h * keyDim;
            for (int i = 0; i < keyDim; i++) {
                layerKeys[at + i * BLOCK] = k[from + i];
            }
            System.arraycopy(v, vOffset + h * valueDim, values[layer], valueBase(h) + position * valueDim, valueDim);
        }
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void truncate(int size) {
        if (size < 0 || size > this.size) {
            throw new IllegalArgumentException("cannot truncate a cache of " + this.size + " positions to " + size);
        }
        this.size = size;
    }

    void advance(int count) {
        size += count;
    }
}
