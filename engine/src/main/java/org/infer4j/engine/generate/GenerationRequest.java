package org.infer4j.engine.generate;

import java.util.List;
import org.infer4j.engine.sampling.SamplingParams;

/**
 * One sequence to generate.
 *
 * @param prompt      prompt token ids (BOS already added if wanted)
 * @param sampling    sampler settings
 * @param maxTokens   most tokens to generate; generation also ends at the context limit
 * @param stopStrings up to 4 strings that end generation; they never appear in the output
 */
public record GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, List<String> stopStrings) {
    public GenerationRequest {
        prompt = prompt.clone();
        stopStrings = List.copyOf(stopStrings);
    }
}
