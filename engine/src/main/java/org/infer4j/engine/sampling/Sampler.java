package org.infer4j.engine.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks each next token of one sequence from the model's logits, following llama.cpp's sampler chain:
 * penalties → top-k → top-p → min-p → temperature → seeded draw.
 *
 * <p>Decisions, checked against llama.cpp:
 * <ul>
 * <li>The penalty window holds the last {@code repeatLastN} tokens of the whole sequence, prompt included:
 *     llama-server feeds every prompt token to the sampler before generating, and so does the generator here
 *     through {@link #accept}. {@code repeatLastN == 0} disables the penalties, {@code -1} means the whole context.</li>
 * <li>Greedy ({@code temperature <= 0}) still applies the penalties, as llama.cpp's temperature sampler only
 *     collapses to the argmax after them; top-k, top-p and min-p always keep the most likely token, so they
 *     cannot change a greedy pick and are skipped.</li>
 * <li>Top-p is computed on the untempered distribution of the candidates left by top-k (the full vocabulary when
 *     top-k is off), min-p relative to the most likely remaining candidate; both keep at least one token.</li>
 * </ul>
 *
 * <p>The random stream is a {@link SplittableRandom} seeded with {@link SamplingParams#seed()}: the same seed and
 * logits give the same tokens on every run and JVM. Buffers are sized at construction; sampling allocates nothing
 * and never sorts the whole vocabulary when top-k or top-p is set. Not thread-safe: one per sequence.
 */
public final class Sampler {
    private final int vocabSize;
    private final boolean greedy;
    private final int topK;
    private final float topP;
    private final float minP;
    private final float temperature;
    private final float repeatPenalty;
    private final float frequencyPenalty;
    private final float presencePenalty;
    private final boolean penalize;
    private final PenaltyWindow window;
    private final SplittableRandom random;

    // Scratch, reused for every token.
    private final float[] penalized;
    private final int[] ids;
    private final float[] vals;
    private final float[] weights; // exp(logit - max), for top-p over the whole vocabulary

    /**
     * @param vocabSize   length of the logits vectors
     * @param contextSize sequence capacity, the penalty window when {@code repeatLastN} is -1
     * @throws IllegalArgumentException when {@code params} are out of range (see {@link #validate})
     */
    public Sampler(SamplingParams params, int vocabSize, int contextSize) {
        validate(params);
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabulary size must be positive: " + vocabSize);
        }
        this.vocabSize = vocabSize;
        this.greedy = params.isGreedy();
        this.topK = params.topK() > 0 && params.topK() < vocabSize ? params.topK() : 0;
        this.topP = (float) params.topP();
        this.minP = (float) params.minP();
        this.temperature = (float) params.temperature();
        this.repeatPenalty = (float) params.repeatPenalty();
        this.frequencyPenalty = (float) params.frequencyPenalty();
        this.presencePenalty = (float) params.presencePenalty();
        int windowSize = params.repeatLastN() < 0 ? Math.max(contextSize, 0) : params.repeatLastN();
        this.penalize = windowSize > 0
                && (repeatPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f);
        this.window = new PenaltyWindow(penalize ? windowSize : 0, vocabSize);
        this.random = new SplittableRandom(params.seed());
        this.penalized = penalize ? new float[vocabSize] : null;
        int candidates = greedy ? 0 : topK > 0 ? topK : vocabSize;
        this.ids = new int[candidates];
        this.vals = new float[candidates];
        this.weights = !greedy && topK == 0 && topP < 1f ? new float[vocabSize] : null;
    }

    /**
     * Checks the ranges the sampler relies on.
     *
     * @throws IllegalArgumentException naming the offending parameter
     */
    public static void validate(SamplingParams p) {
        if (Double.isNaN(p.temperature()) || Double.isInfinite(p.temperature())) {
            throw new IllegalArgumentException("temperature must be a finite number: " + p.temperature());
        }
        if (!(p.topP() >= 0 && p.topP() <= 1)) {
            throw new IllegalArgumentException("top_p must be between 0 and 1: " + p.topP());
        }
        if (!(p.minP() >= 0 && p.minP() <= 1)) {
            throw new IllegalArgumentException("min_p must be between 0 and 1: " + p.minP());
        }
        if (!(p.repeatPenalty() > 0) || Double.isInfinite(p.repeatPenalty())) {
            throw new IllegalArgumentException("repeat_penalty must be a positive number: " + p.repeatPenalty());
        }
        if (!Double.isFinite(p.frequencyPenalty())) {
            throw new IllegalArgumentException("frequency_penalty must be a finite number: " + p.frequencyPenalty());
        }
        if (!Double.isFinite(p.presencePenalty())) {
            throw new IllegalArgumentException("presence_penalty must be a finite number: " + p.presencePenalty());
        }
        if (p.repeatLastN() < -1) {
            throw new IllegalArgumentException("repeat_last_n must be -1, 0 or positive: " + p.repeatLastN());
        }
    }

    /** Records a token of the sequence (prompt or generated) for the penalties. */
    public void accept(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + vocabSize);
        }
        window.push(token);
    }

    /** Records every token of {@code tokens}, in order. */
    public void acceptAll(int[] tokens) {
        for (int token : tokens) {
            accept(token);
        }
    }

    /**
     * The next token for {@code logits} (length {@code vocabSize}, left unchanged). Does not {@link #accept} it:
     * the caller does once it is part of the sequence.
     */
    public int sample(float[] logits) {
        float[] scores = logits;
        if (penalize) {
            System.arraycopy(logits, 0, penalized, 0, vocabSize);
            window.apply(penalized, repeatPenalty, frequencyPenalty, presencePenalty);
            scores = penalized;
        }
        if (greedy) {
            return argmax(scores, vocabSize);
        }
        int count;
        boolean sorted;
        if (topK > 0) {
            count = TopSelection.select(scores, vocabSize, topK, ids, vals);
            sorted = true;
            if (topP < 1f) {
                count = nucleus(count, vals[0], sumExp(vals, count, vals[0]));
            }
        } else if (topP < 1f) {
            count = nucleusOfVocabulary(scores);
            sorted = false;
        } else {
            for (int i = 0; i < vocabSize; i++) {
                ids[i] = i;
                vals[i] = scores[i];
            }
            count = vocabSize;
            sorted = false;
        }
        count = applyMinP(count, sorted);
        if (temperature != 1f) {
            for (int i = 0; i < count; i++) {
                vals[i] /= temperature;
            }
        }
        return draw(count, sorted);
    }

    /** Lowest id among the largest values. */
    static int argmax(float[] values, int n) {
        int best = 0;
        float bestValue = values[0];
        for (int i = 1; i < n; i++) {
            if (values[i] > bestValue) {
                bestValue = values[i];
                best = i;
            }
        }
        return best;
    }

    /**
     * Top-p over the whole vocabulary in expected linear time, without sorting: a quickselect that partitions
     * the candidates around a pivot logit and descends into the side where the cumulative probability crosses
     * {@code topP}. Keeps exactly the tokens a full best-first sort would (ties to the lower id), unsorted.
     */
    private int nucleusOfVocabulary(float[] scores) {
        float max = scores[argmax(scores, vocabSize)];
        double total = 0;
        for (int i = 0; i < vocabSize; i++) {
            ids[i] = i;
            vals[i] = scores[i];
            weights[i] = (float) Math.exp(scores[i] - max);
            total += weights[i];
        }
        double needed = topP * total;
        double taken = 0; // mass of [0, lo): all of it is in the nucleus
        int lo = 0;
        int hi = vocabSize; // [hi, vocabSize) is outside the nucleus
        while (lo < hi) {
            float pivot = medianOfThree(vals[lo], vals[lo + (hi - lo) / 2], vals[hi - 1]);
            // Three-way partition of [lo, hi): greater than pivot [lo, gt), equal [gt, lt), smaller [lt, hi).
            int gt = lo;
            int lt = hi;
            int i = lo;
            while (i < lt) {
                if (vals[i] > pivot) {
                    swap(i++, gt++);
                } else if (vals[i] < pivot) {
                    swap(i, --lt);
                } else {
                    i++;
                }
            }
            double greater = sum(weights, lo, gt);
            if (taken + greater >= needed) {
                hi = gt;
                continue;
            }
            taken += greater;
            double equal = sum(weights, gt, lt);
            if (taken + equal >= needed) {
                Arrays.sort(ids, gt, lt); // equal logits: lower ids first, as in a sorted walk
                for (int j = gt; j < lt; j++) {
                    taken += weights[j]; // equal weights, so sorting ids alone kept the arrays consistent
                    if (taken >= needed) {
                        return j + 1;
                    }
                }
                return lt;
            }
            taken += equal;
            lo = lt;
        }
        return Math.max(lo, 1); // rounding kept the sum just short of topP
    }

    private static float medianOfThree(float a, float b, float c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    private static double sum(float[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum;
    }

    private void swap(int a, int b) {
        int id = ids[a];
        ids[a] = ids[b];
        ids[b] = id;
        float v = vals[a];
        vals[a] = vals[b];
        vals[b] = v;
        float w = weights[a];
        weights[a] = weights[b];
        weights[b] = w;
    }

    /**
     * Top-p over best-first sorted candidates: the shortest prefix whose probability (normalized by {@code total},
     * relative to {@code max}) reaches {@code topP}; at least one stays.
     */
    private int nucleus(int count, float max, double total) {
        double cumulative = 0;
        for (int i = 0; i < count; i++) {
            cumulative += Math.exp(vals[i] - max) / total;
            if (cumulative >= topP) {
                return i + 1;
            }
        }
        return count;
    }

    /** Drops candidates less likely than {@code minP} times the most likely one: a logit threshold, no softmax. */
    private int applyMinP(int count, boolean sorted) {
        if (minP <= 0f || count <= 1) {
            return count;
        }
        float max = sorted ? vals[0] : vals[argmax(vals, count)];
        float threshold = max + (float) Math.log(minP);
        if (sorted) {
            int kept = 1;
            while (kept < count && vals[kept] >= threshold) {
                kept++;
            }
            return kept;
        }
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (vals[i] >= threshold) {
                ids[kept] = ids[i];
                vals[kept] = vals[i];
                kept++;
            }
        }
        return kept;
    }

    /** Draws one candidate with probability softmax(vals); order-independent in distribution, fixed per seed. */
    private int draw(int count, boolean sorted) {
        float max = sorted ? vals[0] : vals[argmax(vals, count)];
        double total = sumExp(vals, count, max);
        if (!(total > 0) || Double.isInfinite(total)) {
            return ids[sorted ? 0 : argmax(vals, count)]; // degenerate logits (-inf/NaN): fall back to the best
        }
        double target = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < count; i++) {
            cumulative += Math.exp(vals[i] - max);
            if (target < cumulative) {
                return ids[i];
            }
        }
        return ids[count - 1]; // rounding left target at the very top
    }

    private static double sumExp(float[] values, int n, float max) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(values[i] - max);
        }
        return sum;
    }
}
