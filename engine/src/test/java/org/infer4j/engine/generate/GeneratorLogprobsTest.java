package org.infer4j.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.infer4j.engine.generate.TestTokenizer.*;

import java.util.ArrayList;
import java.util.List;
import org.infer4j.engine.sampling.SamplingParams;
import org.infer4j.engine.sampling.TokenLogprob;
import org.infer4j.engine.sampling.TopLogprobs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Log-probabilities through the generator: which tokens are reported, when, and at which text offset. */
class GeneratorLogprobsTest {
    private static final TestTokenizer TOKENIZER = new TestTokenizer();
    /** ScriptedModel's logits: 10 for the favoured token, -100 for EOS and EOT, 0 for the other 18. */
    private static final double LOG_Z = Math.log(Math.exp(10) + 18 + 2 * Math.exp(-100));
    private final List<Generator> generators = new ArrayList<>();

    @AfterEach
    void closeGenerators() {
        generators.forEach(Generator::close);
    }

    private Generator generator(int... continuation) {
        ScriptedModel model = new ScriptedModel(VOCAB, 64, (history, length) -> {
            int i = length - 1;
            return i < continuation.length ? continuation[i] : X;
        });
        Generator generator = new Generator(model, TOKENIZER, new GeneratorOptions(32, 2));
        generators.add(generator);
        return generator;
    }

    private static GenerationRequest request(int logprobs, int maxTokens, String... stops) {
        return new GenerationRequest(new int[] {BOS}, SamplingParams.greedy(), maxTokens, List.of(stops), logprobs);
    }

    private static RecordingListener run(Generator generator, GenerationRequest request) throws Exception {
        RecordingListener listener = new RecordingListener();
        generator.submit(request, listener);
        listener.await();
        return listener;
    }

    private static List<Integer> chosen(RecordingListener listener) {
        return listener.logprobs.stream().map(l -> l.chosen().token()).toList();
    }

    @Test
    void everyTextTokenIsReportedWithTheLogSoftmaxOfTheRawLogits() throws Exception {
        RecordingListener listener = run(generator(HELLO, WORLD, BANG, EOS), request(3, 50));
        assertThat(listener.text()).isEqualTo("Hello world!");
        assertThat(chosen(listener)).containsExactly(HELLO, WORLD, BANG); // EOS ends the text: not reported
        assertThat(listener.textOffsets).containsExactly(0, 5, 11);
        for (TopLogprobs step : listener.logprobs) {
            assertThat(step.chosen().logprob()).isCloseTo(10 - LOG_Z, within(1e-9));
            assertThat(step.top()).hasSize(3);
            assertThat(step.top().getFirst()).isEqualTo(step.chosen()); // greedy: the sampled token is the best
            // the runners-up tie at logit 0: lowest ids first (EOS and EOT, at -100, are skipped)
            assertThat(step.top().subList(1, 3)).extracting(TokenLogprob::logprob)
                    .allSatisfy(lp -> assertThat(lp).isCloseTo(-LOG_Z, within(1e-9)));
            assertThat(step.top()).extracting(TokenLogprob::token).containsExactly(step.chosen().token(), BOS, SPACE);
        }
    }

    @Test
    void recordsComeJustBeforeTheTextTheirTokenBeginsIn() throws Exception {
        RecordingListener listener = run(generator(A, SMILE_1, SMILE_2, SMILE_3, SMILE_4, B, EOS), request(0, 50));
        assertThat(listener.events).containsExactly("token " + A, "logprobs " + A + "@0", "text a",
                "token " + SMILE_1, "token " + SMILE_2, "token " + SMILE_3, "token " + SMILE_4,
                "logprobs " + SMILE_1 + "@1", "logprobs " + SMILE_2 + "@1", "logprobs " + SMILE_3 + "@1",
                "logprobs " + SMILE_4 + "@1", "text 😀",
                "token " + B, "logprobs " + B + "@2", "text b", // 😀 is one code point, two UTF-16 chars
                "token " + EOS, "finish STOP");
        assertThat(listener.logprobs).allSatisfy(l -> assertThat(l.top()).isEmpty());
    }

    @Test
    void tokensCutAwayByAStopStringAreNotReportedAndOneStraddlingTheCutIs() throws Exception {
        // "Hello" + " world" + "!" + "a": the stop string "o w" begins inside "Hello", which straddles the cut.
        RecordingListener straddling = run(generator(HELLO, WORLD, BANG, A), request(1, 50, "o w"));
        assertThat(straddling.text()).isEqualTo("Hell");
        assertThat(chosen(straddling)).containsExactly(HELLO);
        assertThat(straddling.textOffsets).containsExactly(0);

        // The stop string begins exactly where " world" does: " world" is cut whole, "Hello" is not.
        RecordingListener atBoundary = run(generator(HELLO, WORLD, BANG, A), request(1, 50, " wor"));
        assertThat(atBoundary.text()).isEqualTo("Hello");
        assertThat(chosen(atBoundary)).containsExactly(HELLO);

        // A stop string at the very start of the output leaves nothing to report.
        RecordingListener nothing = run(generator(HELLO, WORLD), request(1, 50, "Hel"));
        assertThat(nothing.text()).isEmpty();
        assertThat(nothing.logprobs).isEmpty();
        assertThat(nothing.reason).isEqualTo(FinishReason.STOP);
    }

    @Test
    void heldBackTextAndAnUnfinishedCharacterStillGetTheirRecordsAtTheEnd() throws Exception {
        // " world" is held back as the start of " world!" and released when the budget ends.
        RecordingListener held = run(generator(HELLO, WORLD, A), request(0, 2, " world!"));
        assertThat(held.text()).isEqualTo("Hello world");
        assertThat(chosen(held)).containsExactly(HELLO, WORLD);
        assertThat(held.textOffsets).containsExactly(0, 5);

        // The first byte of "é" ends the generation: flushed as U+FFFD, reported at its offset.
        RecordingListener unfinished = run(generator(A, E_ACUTE_1, EOS), request(0, 50));
        assertThat(unfinished.text()).isEqualTo("a\uFFFD");
        assertThat(chosen(unfinished)).containsExactly(A, E_ACUTE_1);
        assertThat(unfinished.textOffsets).containsExactly(0, 1);
        assertThat(unfinished.events.get(unfinished.events.size() - 3)).isEqualTo("logprobs " + E_ACUTE_1 + "@1");
    }

    @Test
    void aTokenWithoutTextIsReportedBeforeTheFinishWhenNothingFollowsIt() throws Exception {
        RecordingListener listener = run(generator(A, BOS), request(0, 2)); // BOS renders as nothing
        assertThat(listener.text()).isEqualTo("a");
        assertThat(chosen(listener)).containsExactly(A, BOS);
        assertThat(listener.textOffsets).containsExactly(0, 1);
        assertThat(listener.events.subList(listener.events.size() - 2, listener.events.size()))
                .containsExactly("logprobs " + BOS + "@1", "finish LENGTH");
    }

    @Test
    void requestsWithoutLogprobsGetNone() throws Exception {
        RecordingListener listener = run(generator(HELLO, WORLD, EOS),
                new GenerationRequest(new int[] {BOS}, SamplingParams.greedy(), 50, List.of()));
        assertThat(listener.text()).isEqualTo("Hello world");
        assertThat(listener.logprobs).isEmpty();
    }

    @Test
    void sampledTokensReportTheirOwnLogprobNotTheBestOne() throws Exception {
        Generator generator = generator(); // every step favours x
        var sampling = new SamplingParams(2.0, 0, 1, 0, 7, 0, 0, 1, 64);
        RecordingListener listener = run(generator,
                new GenerationRequest(new int[] {BOS}, sampling, 20, List.of(), 2));
        assertThat(listener.logprobs).hasSize(20 - (int) listener.tokens.stream().filter(TOKENIZER::isEndOfGeneration).count());
        for (int i = 0; i < listener.logprobs.size(); i++) {
            TopLogprobs step = listener.logprobs.get(i);
            assertThat(step.chosen().token()).isEqualTo(listener.tokens.get(i));
            double expected = step.chosen().token() == X ? 10 - LOG_Z : -LOG_Z; // raw logits, not temperature-scaled
            assertThat(step.chosen().logprob()).isCloseTo(expected, within(1e-9));
            assertThat(step.top().getFirst().token()).isEqualTo(X);
        }
        assertThat(listener.tokens).anySatisfy(t -> assertThat(t).isNotEqualTo(X)); // temperature 2 did sample others
    }

    @Test
    void outOfRangeAlternativeCountsAreRejected() {
        Generator generator = generator(A);
        assertThatThrownBy(() -> generator.submit(request(-2, 5), new RecordingListener()))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> generator.submit(request(VOCAB + 1, 5), new RecordingListener()))
                .isInstanceOf(InvalidRequestException.class);
    }
}
