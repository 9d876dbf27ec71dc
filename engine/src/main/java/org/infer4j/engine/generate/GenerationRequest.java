package org.infer4j.engine.generate;

import java.util.List;
import org.infer4j.engine.sampling.SamplingParams;
import org.infer4j.engine.sampling.TopLogprobs;

/**
 * One sequence to generate.
 *
 * @param prompt      prompt token ids (BOS already added if wanted)
 * @param sampling    sampler settings
 * @param maxTokens   most tokens to generate; generation also ends at the context limit
 * @param stopStrings up to 4 strings that end generation; they never appear in the output
 * @param logprobs    {@link #NO_LOGPROBS}, or how many most likely alternatives to report with each generated
 *                    token's own log-probability ({@link GenerationListener#onLogprobs}); only requests that ask
 *                    pay for the scan of the vocabulary this takes
 */
public record GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, List<String> stopStrings,
                                int logprobs) {
    /** {@link #logprobs()} when the request wants no log-probabilities. */
    public static final int NO_LOGPROBS = -1;

    public GenerationRequest {
        prompt = prompt.clone();
        stopStrings = List.copyOf(stopStrings);
    }

    /** A request without log-probabilities. */
    public GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, List<String> stopStrings) {
        this(prompt, sampling, maxTokens, stopStrings, NO_LOGPROBS);
    }

    /** True when each generated token's {@link TopLogprobs} is reported. */
    public boolean wantsLogprobs() {
        return logprobs != NO_LOGPROBS;
    }
}
