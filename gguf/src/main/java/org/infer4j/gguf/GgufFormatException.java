package org.infer4j.gguf;

/** The file is not a well-formed GGUF file, or lacks something a caller asked of it. */
public final class GgufFormatException extends RuntimeException {
    public GgufFormatException(String message) {
        super(message);
    }

    public GgufFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
