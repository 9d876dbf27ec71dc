package org.infer4j.engine.generate;

/**
 * Receives one generation's output, in order, on the model's inference thread: implementations
 * hand the events to the request's own thread and return at once.
 */
public interface GenerationListener {
    /** The next piece of output text (whole UTF-8 characters, stop strings already cut). */
    void onText(String text);

    /** The generation ended normally; no more calls follow. */
    void onFinish(FinishReason reason, Usage usage);

    /** The generation failed; no more calls follow. */
    void onError(RuntimeException error);
}
