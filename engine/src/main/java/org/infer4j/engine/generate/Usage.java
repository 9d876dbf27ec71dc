package org.infer4j.engine.generate;

/** Real token counts of one generation. */
public record Usage(int promptTokens, int completionTokens) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
