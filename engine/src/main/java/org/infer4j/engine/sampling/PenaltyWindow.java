package org.infer4j.engine.sampling;

/**
 * The last {@code size} tokens of a sequence and how often each occurs in them, for llama.cpp's penalties sampler.
 * A ring buffer plus a per-token count kept up to date on every push, so applying the penalties touches only the
 * tokens in the window, never the whole vocabulary.
 */
final class PenaltyWindow {
    private final int[] ring;
    private final int[] counts;
    private int next;
    private int filled;

    PenaltyWindow(int size, int vocabSize) {
        this.ring = new int[size];
        this.counts = new int[size == 0 ? 0 : vocabSize];
    }

    void push(int token) {
        if (ring.length == 0) {
            return;
        }
        if (filled == ring.length) {
            counts[ring[next]]--;
        } else {
            filled++;
        }
        ring[next] = token;
        counts[token]++;
        next = (next + 1) % ring.length;
    }

    /**
     * Penalizes every distinct token of the window once, in place: the repeat penalty divides a positive logit and
     * multiplies a non-positive one, then {@code count * frequency + presence} is subtracted (llama.cpp's order).
     */
    void apply(float[] logits, float repeat, float frequency, float presence) {
        for (int i = 0; i < filled; i++) {
            int token = ring[i];
            int count = counts[token];
            if (count <= 0) {
                continue; // already penalized: marked below
            }
            float logit = logits[token];
            logit = logit <= 0 ? logit * repeat : logit / repeat;
            logits[token] = logit - (count * frequency + presence);
            counts[token] = -count; // mark as done so repeated occurrences are not penalized twice
        }
        for (int i = 0; i < filled; i++) {
            int token = ring[i];
            if (counts[token] < 0) {
                counts[token] = -counts[token];
            }
        }
    }

    int count(int token) {
        return counts.length == 0 ? 0 : counts[token];
    }
}
