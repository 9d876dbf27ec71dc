package org.infer4j.engine.model;

/**
 * One sequence's keys and values for every layer, plus any per-sequence scratch the model needs.
 * Owned by one sequence; a model serves any number of caches (batching), holding no single-sequence state itself.
 */
public interface KvCache {
    /** Positions already filled. */
    int size();

    /** Positions this cache can hold. */
    int capacity();

    /** Forgets positions from {@code size} on (e.g. to reuse a shared prompt prefix). */
    void truncate(int size);
}
