package org.infer4j.server.registry;

import java.nio.file.Path;
import org.infer4j.engine.tokenizer.Tokenizer;
import org.infer4j.engine.tokenizer.Tokenizers;
import org.infer4j.engine.tokenizer.UnsupportedTokenizerException;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufFormatException;

/**
 * Opens model files and builds what serving them takes, turning every typed failure of the format, the
 * model families, the tokenizers and the chat templates into one {@link ModelLoadException} naming the file.
 */
public final class RegistryLoader {
    private RegistryLoader() {}

    /** Maps {@code file}; a missing, unreadable, truncated or non-GGUF file is a {@link ModelLoadException}. */
    public static GgufFile open(Path file) {
        try {
            return GgufFile.open(file);
        } catch (GgufFormatException e) {
            throw failure(file, e);
        }
    }

    /** The vocabulary of {@code gguf} (works on vocabulary-only files). */
    public static Tokenizer tokenizer(GgufFile gguf) {
        try {
            return Tokenizers.fromGguf(gguf);
        } catch (GgufFormatException | UnsupportedTokenizerException e) {
            throw failure(gguf.path(), e);
        }
    }

    /** The failure's message without the file name the engine may already have put in front of it. */
    static ModelLoadException failure(Path file, RuntimeException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String prefix = file + ": ";
        while (reason.startsWith(prefix)) {
            reason = reason.substring(prefix.length());
        }
        return new ModelLoadException(file, reason.replace('\n', ' '), e);
    }
}
