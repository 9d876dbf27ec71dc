package org.infer4j.engine.model;

import java.util.function.BooleanSupplier;

/**
 * A causal language model ready to run. Calls come from one inference thread per model; the
 * implementation uses its own worker pool (sized by {@code --threads}) inside a call.
 */
public interface LanguageModel extends AutoCloseable {

    ModelSpec spec();

    /** A fresh cache for one sequence of up to {@code capacity} positions (at most the context length). */
    KvCache newCache(int capacity);

    /**
     * Feeds {@code tokens} at positions {@code cache.size() ..}, appends their keys and values to
     * {@code cache}, and writes the next-token logits after the last of them into {@code logits}
     * (length {@code spec().vocabSize()}). Prompt tokens go in one call.
     */
    void forward(KvCache cache, int[] tokens, float[] logits);

    /**
     * Waits until weights re-laid after the load ({@link ModelLoader.Relayout#IN_BACKGROUND}) are laid out; the
     * next {@link #forward} runs on them. Returns at once where there are none.
     */
    default void awaitLayout() {}

    /**
     * Runs the model a little on a cache of its own, so that its first request does not pay for compiling its
     * kernels; changes nothing a later {@link #forward} computes. Returns early, within a layer's step, once
     * {@code stop} says so (a server shutting down). Does nothing where there is nothing to compile.
     */
    default void warmUp(BooleanSupplier stop) {}

    @Override
    void close();
}
