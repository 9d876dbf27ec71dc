package org.infer4j.engine.convert;

/** A well-formed checkpoint the converter cannot handle: an unknown architecture, tensor dtype or tensor name. */
public final class UnsupportedCheckpointException extends RuntimeException {
    public UnsupportedCheckpointException(String message) {
        super(message);
    }
}
