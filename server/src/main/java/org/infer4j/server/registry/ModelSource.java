package org.infer4j.server.registry;

import java.nio.file.Path;
import java.util.Optional;

/** A model file to serve and the id clients will use for it. */
public record ModelSource(Path file, Optional<String> alias) {

    /** The alias, else the file's base name without {@code .gguf}. */
    public String id() {
        return alias.orElseGet(() -> {
            String name = file.getFileName().toString();
            return name.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")
                    ? name.substring(0, name.length() - ".gguf".length()) : name;
        });
    }
}
