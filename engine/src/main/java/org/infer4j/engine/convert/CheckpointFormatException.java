package org.infer4j.engine.convert;

/** A Hugging Face checkpoint file that is malformed or inconsistent (bad header, offsets outside the file, missing shard). */
public final class CheckpointFormatException extends RuntimeException {
    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
