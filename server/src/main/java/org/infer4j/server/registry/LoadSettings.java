package org.infer4j.server.registry;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How every model is loaded.
 *
 * @param threads          worker threads of each model's matrix kernels
 * @param contextSize      positions per sequence; empty: the model's trained context capped at 4096
 * @param chatTemplateFile a Jinja chat template used instead of the one in the GGUF file
 */
public record LoadSettings(int threads, Optional<Integer> contextSize, Optional<Path> chatTemplateFile) {
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
}
