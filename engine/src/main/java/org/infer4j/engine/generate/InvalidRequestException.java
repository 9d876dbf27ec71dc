package org.infer4j.engine.generate;

/** A generation request the generator refuses before queueing it (the client's fault: HTTP 400). */
public class InvalidRequestException extends IllegalArgumentException {
    public InvalidRequestException(String message) {
        super(message);
    }
}
