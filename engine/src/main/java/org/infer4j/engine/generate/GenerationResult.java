package org.infer4j.engine.generate;

import java.util.Arrays;

/**
 * A finished generation, for callers that wait for the whole of it.
 *
 * @param text         the output text, stop string cut
 * @param finishReason why it ended
 * @param usage        prompt and completion token counts
 * @param tokens       every sampled token id, in order (the end-of-generation token included when one ended it)
 */
public record GenerationResult(String text, FinishReason finishReason, Usage usage, int[] tokens) {
    public GenerationResult {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationResult r && text.equals(r.text) && finishReason == r.finishReason
                && usage.equals(r.usage) && Arrays.equals(tokens, r.tokens);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * text.hashCode() + finishReason.hashCode()) + usage.hashCode())
                + Arrays.hashCode(tokens);
    }

    @Override
    public String toString() {
        return "GenerationResult[text=" + text + ", finishReason=" + finishReason + ", usage=" + usage
                + ", tokens=" + Arrays.toString(tokens) + "]";
    }
}
