package org.infer4j.engine.generate;

/**
 * Receives one generation's output, in order, on the model's inference thread: implementations
 * hand the events to the request's own thread and return at once.
 */
public interface GenerationListener {
    /**
     * A token was sampled (before its text, if any, reaches {@link #onText}). Every token counted in
     * {@link Usage#completionTokens()} is reported, the end-of-generation token included. Does nothing by default.
     */
    default void onToken(int token) {}

    /** The next piece of output text (whole UTF-8 characters, stop strings already cut). */
    void onText(String text);

    /** The generation ended normally; no more calls follow. */
    void onFinish(FinishReason reason, Usage usage);

    /** The generation failed; no more calls follow. */
    void onError(RuntimeException error);
}
