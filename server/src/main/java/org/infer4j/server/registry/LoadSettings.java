package org.infer4j.server.registry;

import java.nio.file.Path;
import java.util.Optional;
import org.infer4j.engine.model.ModelLoader;

/**
 * How every model is loaded.
 *
 * @param threads          worker threads of each model's matrix kernels
 * @param contextSize      positions per sequence; empty: the model's trained context capped at 4096
 * @param chatTemplateFile a Jinja chat template used instead of the one in the GGUF file
 * @param layoutCache      folder of the weights re-laid at load, kept between starts
 *                         ({@link org.infer4j.engine.model.LayoutCache}); empty: laid out at every start
 * @param relayout         whether weights not in the cache are re-laid before a model serves or while it does
 */
public record LoadSettings(int threads, Optional<Integer> contextSize, Optional<Path> chatTemplateFile,
                           Optional<Path> layoutCache, ModelLoader.Relayout relayout) {
    public LoadSettings {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        contextSize.ifPresent(size -> {
            if (size < 1) {
                throw new IllegalArgumentException("context size must be at least 1, got " + size);
            }
        });
    }

    /** Weights re-laid before a model serves. */
    public LoadSettings(int threads, Optional<Integer> contextSize, Optional<Path> chatTemplateFile,
                        Optional<Path> layoutCache) {
        this(threads, contextSize, chatTemplateFile, layoutCache, ModelLoader.Relayout.AT_LOAD);
    }

    /** Without a layout cache, weights re-laid before a model serves. */
    public LoadSettings(int threads, Optional<Integer> contextSize, Optional<Path> chatTemplateFile) {
        this(threads, contextSize, chatTemplateFile, Optional.empty());
    }
}
