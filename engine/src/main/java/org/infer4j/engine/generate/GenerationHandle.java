package org.infer4j.engine.generate;

/** A submitted generation. */
public interface GenerationHandle {
    /** Stops the generation at the next step (e.g. the client went away); the listener hears nothing more. */
    void cancel();
}
