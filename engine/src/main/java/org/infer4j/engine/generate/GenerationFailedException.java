package org.infer4j.engine.generate;

/** Running the model failed for one request with something other than a runtime exception (e.g. out of memory). */
public final class GenerationFailedException extends RuntimeException {
    public GenerationFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
