package org.infer4j.engine.generate;

/**
 * The prompt does not leave room for a single generated token in a sequence's context window.
 * The message follows OpenAI's {@code context_length_exceeded} error.
 */
public final class ContextLengthExceededException extends InvalidRequestException {
    private final int contextLength;
    private final int promptTokens;

    public ContextLengthExceededException(int contextLength, int promptTokens) {
        super("This model's maximum context length is " + contextLength + " tokens. However, your messages resulted in "
                + promptTokens + " tokens. Please reduce the length of the messages.");
        this.contextLength = contextLength;
        this.promptTokens = promptTokens;
    }

    /** Positions one sequence can hold. */
    public int contextLength() {
        return contextLength;
    }

    public int promptTokens() {
        return promptTokens;
    }
}
