package org.infer4j.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static SamplingParams params(double temperature, int topK, double topP, double minP, long seed) {
        return new SamplingParams(temperature, topK, topP, minP, seed, 0, 0, 1, 64);
    }

    /** Logits whose softmax is exactly {@code probs}. */
    private static float[] logitsOf(double... probs) {
        float[] logits = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            logits[i] = (float) Math.log(probs[i]);
        }
        return logits;
    }

    private static int[] histogram(Sampler sampler, float[] logits, int draws) {
        int[] counts = new int[logits.length];
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(logits)]++;
        }
        return counts;
    }

    @Test
    void greedyPicksTheArgmaxAndTiesGoToTheLowestId() {
        Sampler sampler = new Sampler(SamplingParams.greedy(), 5, 100);
        assertThat(sampler.sample(new float[] {1f, 3f, 2f, 3f, -1f})).isEqualTo(1);
        assertThat(sampler.sample(new float[] {-5f, -4f, -4f, -6f, -9f})).isEqualTo(1);
        assertThat(sampler.sample(new float[] {0f, 0f, 0f, 0f, 0f})).isEqualTo(0);
    }

    @Test
    void samplingLeavesTheCallersLogitsUnchanged() {
        float[] logits = {2f, 1f, 0.5f, -1f};
        float[] copy = logits.clone();
        Sampler sampler = new Sampler(new SamplingParams(0.7, 2, 0.9, 0.05, 1, 0.5, 0.5, 1.3, 64), 4, 100);
        sampler.acceptAll(new int[] {0, 1, 0});
        sampler.sample(logits);
        assertThat(logits).containsExactly(copy);
    }

    @Test
    void greedyStillAppliesTheRepeatPenaltyAsLlamaCppDoes() {
        Sampler sampler = new Sampler(new SamplingParams(0, 0, 1, 0, 0, 0, 0, 1.1, 64), 3, 100);
        float[] logits = {2.0f, 1.9f, 0f};
        assertThat(sampler.sample(logits)).isEqualTo(0);
        sampler.accept(0);
        // 2.0 / 1.1 = 1.818 < 1.9
        assertThat(sampler.sample(logits)).isEqualTo(1);
    }

    @Test
    void penaltiesFollowLlamaCppsFormulaExactly() {
        PenaltyWindow window = new PenaltyWindow(4, 5);
        for (int token : new int[] {0, 1, 0, 2}) {
            window.push(token);
        }
        float[] logits = {2f, -1f, 0.5f, 3f, 0f};
        window.apply(logits, 2f, 0.5f, 0.25f);
        // token 0: count 2, positive: 2/2 - (2*0.5 + 0.25) = -0.25
        // token 1: count 1, negative: -1*2 - (0.5 + 0.25) = -2.75
        // token 2: count 1, positive: 0.5/2 - 0.75 = -0.5
        // tokens 3 and 4 are not in the window
        assertThat(logits).containsExactly(-0.25f, -2.75f, -0.5f, 3f, 0f);
        // applying again starts from the same counts (the done-marks were cleared)
        assertThat(window.count(0)).isEqualTo(2);
        assertThat(window.count(1)).isEqualTo(1);
    }

    @Test
    void penaltyWindowForgetsTokensOlderThanLastN() {
        PenaltyWindow window = new PenaltyWindow(3, 5);
        for (int token : new int[] {0, 1, 0, 2}) {
            window.push(token); // window now holds 1, 0, 2
        }
        assertThat(window.count(0)).isEqualTo(1);
        float[] logits = {2f, -1f, 0.5f, 3f, 0f};
        window.apply(logits, 1f, 1f, 0f);
        assertThat(logits).containsExactly(1f, -2f, -0.5f, 3f, 0f);
        window.push(3); // evicts 1
        assertThat(window.count(1)).isZero();
        assertThat(window.count(3)).isEqualTo(1);
    }

    @Test
    void frequencyAndPresencePenaltiesSteerGreedyAwayFromRepeatedTokens() {
        // OpenAI formula: logit -= count * frequency + (count > 0) * presence
        Sampler sampler = new Sampler(new SamplingParams(0, 0, 1, 0, 0, 0.5, 0.3, 1, 64), 3, 100);
        float[] logits = {1.0f, 0.5f, 0.0f};
        sampler.acceptAll(new int[] {0});
        // token 0: 1.0 - 0.3 - 0.5 = 0.2 < 0.5
        assertThat(sampler.sample(logits)).isEqualTo(1);
        sampler.acceptAll(new int[] {1, 1});
        // token 0: 0.2; token 1: 0.5 - 0.6 - 0.5 = -0.6; token 2: 0
        assertThat(sampler.sample(logits)).isEqualTo(0);
    }

    @Test
    void repeatLastNZeroDisablesPenalties() {
        Sampler sampler = new Sampler(new SamplingParams(0, 0, 1, 0, 0, 5, 5, 10, 0), 2, 100);
        sampler.acceptAll(new int[] {0, 0, 0});
        assertThat(sampler.sample(new float[] {1f, 0.9f})).isEqualTo(0);
    }

    @Test
    void repeatLastNMinusOneCoversTheWholeContext() {
        Sampler sampler = new Sampler(new SamplingParams(0, 0, 1, 0, 0, 0, 0, 2, -1), 3, 1000);
        sampler.accept(0);
        for (int i = 0; i < 500; i++) {
            sampler.accept(2);
        }
        // token 0 was seen 501 tokens ago, still inside a 1000-token context: 1.0 / 2 < 0.9
        assertThat(sampler.sample(new float[] {1f, 0.9f, -10f})).isEqualTo(1);
    }

    @Test
    void sameSeedGivesTheSameTokensAndAnotherSeedOthers() {
        Random random = new Random(42);
        float[][] steps = new float[200][1000];
        for (float[] step : steps) {
            for (int i = 0; i < step.length; i++) {
                step[i] = (float) random.nextGaussian();
            }
        }
        int[] first = run(params(1.0, 0, 1, 0, 1234), steps);
        int[] second = run(params(1.0, 0, 1, 0, 1234), steps);
        int[] other = run(params(1.0, 0, 1, 0, 1235), steps);
        assertThat(second).containsExactly(first);
        assertThat(other).isNotEqualTo(first);
        int[] filtered = run(new SamplingParams(0.8, 40, 0.9, 0.05, 7, 0.1, 0.1, 1.1, 64), steps);
        assertThat(run(new SamplingParams(0.8, 40, 0.9, 0.05, 7, 0.1, 0.1, 1.1, 64), steps)).containsExactly(filtered);
    }

    private static int[] run(SamplingParams params, float[][] steps) {
        Sampler sampler = new Sampler(params, steps[0].length, 4096);
        int[] out = new int[steps.length];
        for (int i = 0; i < steps.length; i++) {
            out[i] = sampler.sample(steps[i]);
            sampler.accept(out[i]);
        }
        return out;
    }

    @Test
    void seededDrawsArePinnedAcrossRunsAndJvms() {
        // SplittableRandom's algorithm is specified, so these draws may never change between JDKs or runs.
        Sampler sampler = new Sampler(params(1.0, 0, 1, 0, 42), 4, 100);
        int[] tokens = new int[16];
        float[] logits = {0f, 0f, 0f, 0f};
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = sampler.sample(logits);
        }
        java.util.SplittableRandom reference = new java.util.SplittableRandom(42);
        int[] expected = new int[16];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (int) (reference.nextDouble() * 4); // uniform over 4 equal candidates in id order
        }
        assertThat(tokens).containsExactly(expected);
    }

    @Test
    void topKOfOneIsGreedyEvenWhenHot() {
        Random random = new Random(3);
        Sampler greedy = new Sampler(SamplingParams.greedy(), 5000, 100);
        Sampler topOne = new Sampler(params(1.8, 1, 1, 0, 99), 5000, 100);
        for (int step = 0; step < 50; step++) {
            float[] logits = new float[5000];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) random.nextGaussian();
            }
            logits[random.nextInt(5000)] = logits[random.nextInt(5000)]; // some ties
            assertThat(topOne.sample(logits)).isEqualTo(greedy.sample(logits));
        }
    }

    @Test
    void topKKeepsOnlyTheKMostLikely() {
        float[] logits = logitsOf(0.1, 0.4, 0.05, 0.3, 0.15);
        int[] counts = histogram(new Sampler(params(1.0, 2, 1, 0, 5), 5, 100), logits, 4000);
        assertThat(counts[1] + counts[3]).isEqualTo(4000);
        // renormalized over the two: 0.4/0.7 = 0.571
        assertThat(counts[1] / 4000.0).isCloseTo(0.571, within(0.03));
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        int[] counts = histogram(new Sampler(params(1.0, 0, 0.75, 0, 11), 4, 100), logits, 4000);
        assertThat(counts[2] + counts[3]).isZero();
        assertThat(counts[0]).isPositive();
        assertThat(counts[1]).isPositive();
        counts = histogram(new Sampler(params(1.0, 0, 0.81, 0, 11), 4, 100), logits, 4000);
        assertThat(counts[3]).isZero();
        assertThat(counts[2]).isPositive();
        counts = histogram(new Sampler(params(1.0, 0, 0.0, 0, 11), 4, 100), logits, 100);
        assertThat(counts[0]).isEqualTo(100); // top_p 0 still keeps one token
    }

    @Test
    void topPAfterTopKUsesTheDistributionOfTheKSurvivors() {
        // top-2 leaves 0.5 and 0.3 → 0.625 and 0.375; top_p 0.6 then keeps the first only
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        int[] counts = histogram(new Sampler(params(1.0, 2, 0.6, 0, 11), 4, 100), logits, 1000);
        assertThat(counts[0]).isEqualTo(1000);
    }

    @Test
    void topPOverALargeVocabularyMatchesAFullSortReference() {
        int vocab = 200_000;
        Random random = new Random(17);
        for (double spread : new double[] {0.05, 1.0, 4.0}) {
            float[] logits = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                logits[i] = (float) (random.nextGaussian() * spread);
            }
            double topP = 0.9;
            Set<Integer> nucleus = referenceNucleus(logits, topP);
            Sampler sampler = new Sampler(params(1.0, 0, topP, 0, 5), vocab, 4096);
            for (int i = 0; i < 30; i++) {
                assertThat(nucleus).contains(sampler.sample(logits));
            }
        }
    }

    @Test
    void topPKeepsExactlyTheSortedPrefixEvenWithManyTies() {
        Random random = new Random(23);
        int checked = 0;
        while (checked < 40) {
            int vocab = 20 + random.nextInt(60);
            float[] logits = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                logits[i] = random.nextInt(5); // heavy ties
            }
            double topP = 0.05 + 0.9 * random.nextDouble();
            if (nearABoundary(logits, topP)) {
                continue; // summation order could legitimately flip the last token
            }
            checked++;
            Set<Integer> expected = referenceNucleus(logits, topP);
            // a huge temperature makes the draw near-uniform over what top-p kept, so every kept token shows up
            Sampler sampler = new Sampler(params(1e6, 0, topP, 0, checked), vocab, 100);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 3000; i++) {
                seen.add(sampler.sample(logits));
            }
            assertThat(seen).as("top_p %s over %s", topP, Arrays.toString(logits)).isEqualTo(expected);
        }
    }

    private static boolean nearABoundary(float[] logits, double p) {
        double max = 4;
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double cumulative = 0;
        for (int value = 4; value >= 0; value--) {
            for (float l : logits) {
                if (l == value) {
                    cumulative += Math.exp(l - max) / sum;
                    if (Math.abs(cumulative - p) < 1e-6) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static Set<Integer> referenceNucleus(float[] logits, double p) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        Integer[] order = IntStream.range(0, logits.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i));
        Set<Integer> kept = new HashSet<>();
        double cumulative = 0;
        for (Integer id : order) {
            kept.add(id);
            cumulative += Math.exp(logits[id] - max) / sum;
            if (cumulative >= p) {
                break;
            }
        }
        return kept;
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheBest() {
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        int[] counts = histogram(new Sampler(params(1.0, 0, 1, 0.2, 3), 4, 100), logits, 4000);
        assertThat(counts[3]).isZero(); // 0.05 < 0.2 * 0.5
        assertThat(counts[2]).isPositive(); // 0.15 >= 0.1
        counts = histogram(new Sampler(params(1.0, 0, 1, 0.5, 3), 4, 100), logits, 4000);
        assertThat(counts[2] + counts[3]).isZero();
        assertThat(counts[1]).isPositive();
        // with top-k in front (sorted candidates) the same cut applies
        counts = histogram(new Sampler(params(1.0, 3, 1, 0.5, 3), 4, 100), logits, 4000);
        assertThat(counts[2] + counts[3]).isZero();
    }

    @Test
    void drawsFollowTheSoftmaxAndTemperatureFlattensIt() {
        float[] logits = logitsOf(0.25, 0.75);
        int[] counts = histogram(new Sampler(params(1.0, 0, 1, 0, 8), 2, 100), logits, 20000);
        assertThat(counts[1] / 20000.0).isCloseTo(0.75, within(0.015));
        // T = 2: weights sqrt(0.25) and sqrt(0.75) → 0.634
        counts = histogram(new Sampler(params(2.0, 0, 1, 0, 8), 2, 100), logits, 20000);
        assertThat(counts[1] / 20000.0).isCloseTo(0.634, within(0.015));
        // T = 0.05: all but certain
        counts = histogram(new Sampler(params(0.05, 0, 1, 0, 8), 2, 100), logits, 2000);
        assertThat(counts[1]).isEqualTo(2000);
    }

    @Test
    void temperatureAppliesAfterTopPAsInLlamaCpp() {
        // Untempered probs 0.5/0.3/0.2: top_p 0.7 keeps two. A huge temperature would let token 2 in if it came first.
        float[] logits = logitsOf(0.5, 0.3, 0.2);
        int[] counts = histogram(new Sampler(params(50.0, 0, 0.7, 0, 8), 3, 100), logits, 3000);
        assertThat(counts[2]).isZero();
        assertThat(counts[0] / 3000.0).isCloseTo(0.5, within(0.04));
    }

    @Test
    void rejectsParametersOutOfRange() {
        assertThatThrownBy(() -> Sampler.validate(params(Double.NaN, 0, 1, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("temperature");
        assertThatThrownBy(() -> Sampler.validate(params(1, 0, 1.5, 0, 0))).hasMessageContaining("top_p");
        assertThatThrownBy(() -> Sampler.validate(params(1, 0, 1, -0.1, 0))).hasMessageContaining("min_p");
        assertThatThrownBy(() -> Sampler.validate(new SamplingParams(1, 0, 1, 0, 0, 0, 0, 0, 64)))
                .hasMessageContaining("repeat_penalty");
        assertThatThrownBy(() -> Sampler.validate(new SamplingParams(1, 0, 1, 0, 0, 0, 0, 1, -2)))
                .hasMessageContaining("repeat_last_n");
        assertThatThrownBy(() -> new Sampler(SamplingParams.greedy(), 4, 10).accept(4))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
