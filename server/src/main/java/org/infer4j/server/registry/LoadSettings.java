package org.infer4j.server.registry;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How every model is loaded.
 *
 * @param threads          worker threads of each model's matrix kernels
 * @param contextSize      positions per sequence; empty: the model's trained context capped at 4096
 * @param chatTemplateFile a Jinja chat template used instead of the one in the GGUF file
 * @param layoutCache      folder of the weights re-laid at load, kept between starts
 *                         ({@link org.infer4j.engine.model.LayoutCache}); empty: laid out at every start
 */
public record LoadSettings(int threads, Optional<Integer> contextSize, Optional<Path> chatTemplateFile,
                           Optional<Path> layoutCache) {
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

    /** Without a layout cache. */
    public LoadSettings(int threads, Optional<Integer> contextSize, Optional<Path> chatTemplateFile) {
        this(threads, contextSize, chatTemplateFile, Optional.empty());
    }
}
