package org.infer4j.engine.generate;

import org.infer4j.engine.model.ModelSpec;

/**
 * How a {@link Generator} serves one model.
 *
 * @param contextSize           positions of each sequence's KV cache ({@code --ctx-size}); prompt plus completion
 *                              never exceed it
 * @param maxParallelSequences  sequences generated at once; further requests wait in a queue
 */
public record GeneratorOptions(int contextSize, int maxParallelSequences) {
    /** Context used when neither the user nor the model says otherwise, and the cap on the model's own. */
    public static final int DEFAULT_CONTEXT_SIZE = 4096;
    public static final int DEFAULT_PARALLEL_SEQUENCES = 4;

    public GeneratorOptions {
        if (contextSize <= 0) {
            throw new IllegalArgumentException("context size must be positive: " + contextSize);
        }
        if (maxParallelSequences <= 0) {
            throw new IllegalArgumentException("parallel sequences must be positive: " + maxParallelSequences);
        }
    }

    /**
     * The model's trained context capped at {@link #DEFAULT_CONTEXT_SIZE} (a 128k-token cache per sequence would
     * take gigabytes), and {@link #DEFAULT_PARALLEL_SEQUENCES} sequences.
     */
    public static GeneratorOptions defaults(ModelSpec spec) {
        int trained = spec.contextLength() > 0 ? spec.contextLength() : DEFAULT_CONTEXT_SIZE;
        return new GeneratorOptions(Math.min(trained, DEFAULT_CONTEXT_SIZE), DEFAULT_PARALLEL_SEQUENCES);
    }
}
