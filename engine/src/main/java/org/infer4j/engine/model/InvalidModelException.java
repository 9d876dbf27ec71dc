package org.infer4j.engine.model;

import java.nio.file.Path;

/** A model file of a supported architecture whose hyper-parameters or tensors do not fit together. */
public final class InvalidModelException extends RuntimeException {
    public InvalidModelException(Path file, String message) {
        super(file + ": " + message);
    }

    public InvalidModelException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
