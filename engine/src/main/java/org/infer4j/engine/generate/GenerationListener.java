package org.infer4j.engine.generate;

import org.infer4j.engine.sampling.TopLogprobs;

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

    /**
     * Log-probabilities of one generated token, only for requests that {@linkplain GenerationRequest#wantsLogprobs()
     * ask for them}. Called, in token order, just before the {@link #onText} whose text holds the token's first
     * character (or, for a token that ends no character or gives no text, just before the text that character
     * starts in, or {@link #onFinish} when none follows). Tokens are reported exactly when their text begins before
     * the end of the output: one that a stop string cuts away whole is not reported, one that straddles the cut is,
     * with all of its log-probability. The end-of-generation token is not reported (it is not part of the text).
     *
     * @param logprobs   the token's and its alternatives' log-probabilities under the model's raw logits
     * @param textOffset where the token's text begins in the output, in Unicode code points
     */
    default void onLogprobs(TopLogprobs logprobs, int textOffset) {}

    /** The next piece of output text (whole UTF-8 characters, stop strings already cut). */
    void onText(String text);

    /** The generation ended normally; no more calls follow. */
    void onFinish(FinishReason reason, Usage usage);

    /** The generation failed; no more calls follow. */
    void onError(RuntimeException error);
}
