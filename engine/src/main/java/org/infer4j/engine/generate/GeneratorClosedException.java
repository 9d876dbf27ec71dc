package org.infer4j.engine.generate;

/** The generator was closed before or while serving the request (e.g. the server is shutting down). */
public final class GeneratorClosedException extends IllegalStateException {
    public GeneratorClosedException(String message) {
        super(message);
    }
}
