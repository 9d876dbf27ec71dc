package org.infer4j.server.registry;

import java.nio.file.Path;

/**
 * A model file that cannot be served: missing, unreadable, not GGUF, truncated, or using an architecture,
 * tensor type, tokenizer or chat template the engine does not support. The message is one line naming the
 * file and the reason, fit for a user.
 */
public final class ModelLoadException extends RuntimeException {
    private final Path file;

    public ModelLoadException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
