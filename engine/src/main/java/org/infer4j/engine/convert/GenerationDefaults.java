package org.infer4j.engine.convert;

import java.nio.file.Files;
import java.nio.file.Path;
import org.infer4j.gguf.MetadataValue;

/**
 * The sampling defaults gguf-py copies from generation_config.json into {@code general.sampling.*}.
 * The file is optional and, as in gguf-py, an unreadable one is ignored: it only carries suggestions.
 */
final class GenerationDefaults {
    private GenerationDefaults() {}

    static void write(Path file, ArchMetadata out) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        HfConfig gen;
        try {
            gen = HfConfig.read(file);
        } catch (CheckpointFormatException unreadable) {
            return;
        }
        gen.findLong("top_k").ifPresent(v -> out.put("general.sampling.top_k", MetadataValue.ofInt32(v)));
        gen.findDouble("top_p").ifPresent(v -> out.put("general.sampling.top_p", MetadataValue.ofFloat32(v.floatValue())));
        gen.findDouble("min_p").ifPresent(v -> out.put("general.sampling.min_p", MetadataValue.ofFloat32(v.floatValue())));
        gen.findDouble("temperature").ifPresent(v -> out.put("general.sampling.temp", MetadataValue.ofFloat32(v.floatValue())));
        gen.findDouble("penalty_repeat", "repetition_penalty")
                .ifPresent(v -> out.put("general.sampling.penalty_repeat", MetadataValue.ofFloat32(v.floatValue())));
    }
}
