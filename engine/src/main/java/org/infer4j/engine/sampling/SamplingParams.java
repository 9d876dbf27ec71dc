package org.infer4j.engine.sampling;

/**
 * How to pick the next token. {@code temperature <= 0} means greedy (argmax, ties to the lowest id).
 * Filters apply in llama.cpp's order: penalties, top-k, top-p, min-p, temperature, then a draw.
 *
 * @param temperature      0 for greedy
 * @param topK             0 or less disables
 * @param topP             1 disables
 * @param minP             0 disables
 * @param seed             RNG seed; the same seed and request give the same output
 * @param presencePenalty  OpenAI's, subtracted once from every token already generated
 * @param frequencyPenalty OpenAI's, subtracted per occurrence
 * @param repeatPenalty    llama.cpp's multiplicative penalty over the last {@code repeatLastN} tokens; 1 disables
 * @param repeatLastN      window for all three penalties
 */
public record SamplingParams(double temperature, int topK, double topP, double minP, long seed,
                             double presencePenalty, double frequencyPenalty, double repeatPenalty, int repeatLastN) {

    public static SamplingParams greedy() {
        return new SamplingParams(0, 0, 1, 0, 0, 0, 0, 1, 64);
    }

    public boolean isGreedy() {
        return temperature <= 0;
    }
}
