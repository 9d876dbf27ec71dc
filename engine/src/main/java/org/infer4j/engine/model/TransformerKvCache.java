package org.infer4j.engine.model;

/**
 * One sequence's keys and values, per layer, in F32: {@code keys[layer][position * keyWidth + i]}.
 * F32 rather than llama.cpp's default F16: attention then reads plain floats with vector loads and no
 * conversion, and the cache adds no rounding of its own, so our logits match llama.cpp run with an F32
 * cache to float precision. The cost is twice the memory (a 0.5B model: 24 KiB per position).
 */
public final class TransformerKvCache implements KvCache {
    final TransformerConfig config;
    /** Rope frequency divisors chosen for this sequence's capacity (LongRoPE), or null. */
    final float[] ropeFactors;
    final float[][] keys;
    final float[][] values;
    private final int capacity;
    private int size;

    TransformerKvCache(TransformerConfig config, int capacity) {
        this.config = config;
        this.ropeFactors = config.ropeFactors() == null ? null : config.ropeFactors().forCapacity(capacity);
        this.capacity = capacity;
        this.keys = new float[config.layers()][capacity * config.keyWidth()];
        this.values = new float[config.layers()][capacity * config.valueWidth()];
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
