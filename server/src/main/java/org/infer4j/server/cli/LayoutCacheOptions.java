package org.infer4j.server.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.infer4j.engine.convert.ModelSources;
import picocli.CommandLine.Option;

/** {@code --layout-cache DIR} / {@code --no-layout-cache}, shared by the commands that load a model. */
final class LayoutCacheOptions {

    @Option(names = "--layout-cache", paramLabel = "DIR",
            description = "Folder where the weights re-laid for one-token decoding are kept, so that later starts map "
                    + "them instead of laying them out again (default: $XDG_CACHE_HOME/infer4j/relaid or "
                    + "~/.cache/infer4j/relaid).")
    Path directory;

    @Option(names = "--no-layout-cache", description = "Lay the weights out at every start and keep nothing on disk.")
    boolean disabled;

    /** The folder to use, or empty when disabled. */
    Optional<Path> directory() {
        if (disabled) {
            return Optional.empty();
        }
        return Optional.of(directory != null ? directory
                : ModelSources.cacheRoot(System.getenv("XDG_CACHE_HOME"), System.getProperty("user.home")).resolve("relaid"));
    }
}
