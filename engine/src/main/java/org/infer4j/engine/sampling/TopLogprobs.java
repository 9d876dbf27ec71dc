package org.infer4j.engine.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI-style log-probabilities of one generated position: the chosen token's and the {@code n} most likely
 * alternatives', from the log-softmax of the raw logits (before penalties, filters and temperature). Computed on
 * demand only, as it scans the whole vocabulary.
 *
 * @param chosen the sampled token
 * @param top    the most likely tokens, best first (ties to the lower id)
 */
public record TopLogprobs(TokenLogprob chosen, List<TokenLogprob> top) {
    public TopLogprobs {
        top = List.copyOf(top);
    }

    /** Log-probabilities for {@code chosen} and the {@code n} best tokens of {@code logits}. */
    public static TopLogprobs of(float[] logits, int chosen, int n) {
        if (chosen < 0 || chosen >= logits.length) {
            throw new IllegalArgumentException("token " + chosen + " outside the vocabulary of " + logits.length);
        }
        if (n < 0) {
            throw new IllegalArgumentException("number of alternatives must not be negative: " + n);
        }
        float max = logits[Sampler.argmax(logits, logits.length)];
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        double logZ = max + Math.log(sum);
        int size = Math.min(n, logits.length);
        int[] ids = new int[size];
        float[] vals = new float[size];
        int count = TopSelection.select(logits, logits.length, size, ids, vals);
        List<TokenLogprob> top = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            top.add(new TokenLogprob(ids[i], vals[i] - logZ));
        }
        return new TopLogprobs(new TokenLogprob(chosen, logits[chosen] - logZ), top);
    }
}
