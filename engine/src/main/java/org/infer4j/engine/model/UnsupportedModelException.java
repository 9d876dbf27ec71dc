package org.infer4j.engine.model;

import java.nio.file.Path;

/** A GGUF file whose architecture ({@code general.architecture}) the engine cannot run. */
public final class UnsupportedModelException extends RuntimeException {
    private final Path file;
    private final String architecture;

    public UnsupportedModelException(Path file, String architecture) {
        super(file + ": architecture \"" + architecture + "\" is not supported (supported: "
                + String.join(", ", Architecture.names()) + ")");
        this.file = file;
        this.architecture = architecture;
    }

    public Path file() {
        return file;
    }

    public String architecture() {
        return architecture;
    }
}
