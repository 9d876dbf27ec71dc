package org.infer4j.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.infer4j.engine.generate.TestTokenizer.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.infer4j.engine.sampling.SamplingParams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    private static final TestTokenizer TOKENIZER = new TestTokenizer();
    private static final String THREAD = "infer4j-generate-scripted";
    private final List<Generator> generators = new ArrayList<>();

    @AfterEach
    void closeGenerators() {
        generators.forEach(Generator::close);
    }

    private Generator generator(ScriptedModel model, int contextSize, int parallel) {
        Generator generator = new Generator(model, TOKENIZER, new GeneratorOptions(contextSize, parallel));
        generators.add(generator);
        return generator;
    }

    /** Emits {@code tokens} after a prompt of {@code promptLength} tokens, then x forever. */
    private static ScriptedModel continuation(int promptLength, int... tokens) {
        return new ScriptedModel(VOCAB, 64, (history, length) -> {
            int i = length - promptLength;
            return i < tokens.length ? tokens[i] : X;
        });
    }

    private static GenerationRequest request(int[] prompt, int maxTokens, String... stops) {
        return new GenerationRequest(prompt, SamplingParams.greedy(), maxTokens, List.of(stops));
    }

    private static GenerationRequest sampled(int[] prompt, long seed) {
        return new GenerationRequest(prompt, new SamplingParams(1.0, 0, 1, 0, seed, 0, 0, 1, 64), 20, List.of());
    }

    @Test
    void aWarmUpRunsOnTheInferenceThreadBeforeTheRequestsThatComeMeanwhile() throws Exception {
        ScriptedModel model = continuation(2, WORLD, EOS);
        Semaphore warmUpGate = new Semaphore(0);
        model.warmUpGate = warmUpGate;
        Generator generator = generator(model, 32, 2);
        assertThat(model.warmUpThreads).as("only when asked").isEmpty();

        generator.warmUp();
        RecordingListener early = new RecordingListener();
        generator.submit(request(new int[] {BOS, HELLO}, 5), early);
        Thread.sleep(50);
        assertThat(model.forwardLog).as("the request waits for the warm-up").isEmpty();
        warmUpGate.release();
        assertThat(early.await()).isEqualTo("finish");
        assertThat(early.text()).isEqualTo(" world");
        assertThat(model.forwardLog.getFirst()).isEqualTo(ScriptedModel.WARM_UP);
        assertThat(model.warmUpThreads).containsExactly(THREAD);
    }

    @Test
    void closingStopsAWarmUpInProgress() throws InterruptedException {
        ScriptedModel model = continuation(2, WORLD, EOS);
        model.warmUpGate = new Semaphore(0); // never opens: the warm-up runs until told to stop
        Generator generator = generator(model, 32, 1);
        generator.warmUp();
        assertThat(model.warmUpStarted.await(20, TimeUnit.SECONDS)).isTrue();
        generator.close();
        assertThat(model.warmUpThreads).containsExactly("stopped");
    }

    @Test
    void aFailingWarmUpLeavesTheGeneratorServing() {
        ScriptedModel model = continuation(2, WORLD, EOS);
        model.warmUpGate = new Semaphore(0) {
            @Override
            public boolean tryAcquire() {
                throw new IllegalStateException("warm-up broke");
            }
        };
        Generator generator = generator(model, 32, 1);
        generator.warmUp();
        assertThat(generator.generate(request(new int[] {BOS, HELLO}, 5)).text()).isEqualTo(" world");
    }

    @Test
    void endOfGenerationTokenStopsAndIsCountedButNotShown() {
        Generator generator = generator(continuation(2, WORLD, BANG, EOS), 32, 2);
        GenerationResult result = generator.generate(request(new int[] {BOS, HELLO}, 50));
        assertThat(result.text()).isEqualTo(" world!");
        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
        // llama-server counts the end-of-generation token as a completion token (n_decoded)
        assertThat(result.usage()).isEqualTo(new Usage(2, 3));
        assertThat(result.tokens()).containsExactly(WORLD, BANG, EOS);
    }

    @Test
    void everyEndOfGenerationTokenStops() {
        Generator generator = generator(continuation(1, A, EOT, B), 32, 1);
        GenerationResult result = generator.generate(request(new int[] {BOS}, 50));
        assertThat(result.text()).isEqualTo("a");
        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(result.usage().completionTokens()).isEqualTo(2);
    }

    @Test
    void tokenBudgetEndsWithLength() {
        Generator generator = generator(continuation(2), 32, 1);
        GenerationResult result = generator.generate(request(new int[] {BOS, A}, 5));
        assertThat(result.text()).isEqualTo("xxxxx");
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.usage()).isEqualTo(new Usage(2, 5));
        assertThat(result.usage().totalTokens()).isEqualTo(7);
    }

    @Test
    void fullContextWindowEndsWithLengthWithoutOverflowingTheCache() {
        Generator generator = generator(continuation(3), 8, 1);
        GenerationResult result = generator.generate(request(new int[] {BOS, A, B}, 100));
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.usage()).isEqualTo(new Usage(3, 5));
        assertThat(result.text()).isEqualTo("xxxxx");

        GenerationResult oneLeft = generator.generate(request(new int[] {BOS, A, A, A, A, A, A}, 100));
        assertThat(oneLeft.usage()).isEqualTo(new Usage(7, 1));
        assertThat(oneLeft.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void promptWithoutRoomForACompletionIsRejectedAtSubmit() {
        Generator generator = generator(continuation(1), 8, 1);
        assertThatThrownBy(() -> generator.submit(request(new int[] {BOS, A, A, A, A, A, A, A, A}, 10),
                new RecordingListener()))
                .isInstanceOf(ContextLengthExceededException.class)
                .hasMessage("This model's maximum context length is 8 tokens. However, your messages resulted in 9 "
                        + "tokens. Please reduce the length of the messages.")
                .satisfies(e -> {
                    ContextLengthExceededException c = (ContextLengthExceededException) e;
                    assertThat(c.contextLength()).isEqualTo(8);
                    assertThat(c.promptTokens()).isEqualTo(9);
                });
        assertThatThrownBy(() -> generator.generate(request(new int[8], 10)))
                .isInstanceOf(ContextLengthExceededException.class).hasMessageContaining("resulted in 8 tokens");
    }

    @Test
    void invalidRequestsAreRejectedAtSubmitWithTypedErrors() {
        Generator generator = generator(continuation(1), 16, 1);
        RecordingListener listener = new RecordingListener();
        assertThatThrownBy(() -> generator.submit(request(new int[0], 10), listener))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> generator.submit(request(new int[] {BOS, VOCAB}, 10), listener))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("outside the vocabulary");
        assertThatThrownBy(() -> generator.submit(request(new int[] {-1}, 10), listener))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> generator.submit(request(new int[] {BOS}, 0), listener))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> generator.submit(request(new int[] {BOS}, 10, "a", "b", "c", "d", "e"), listener))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("stop");
        GenerationRequest badTopP = new GenerationRequest(new int[] {BOS},
                new SamplingParams(1, 0, 2, 0, 0, 0, 0, 1, 64), 10, List.of());
        assertThatThrownBy(() -> generator.submit(badTopP, listener))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("top_p");
        assertThat(listener.events).isEmpty();
    }

    @Test
    void contextSizeBeyondTheModelsIsRefused() {
        assertThatThrownBy(() -> generator(continuation(1), 65, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65");
    }

    @Test
    void stopStringSpanningTokensIsCutIdenticallyStreamedOrNot() throws Exception {
        Generator generator = generator(continuation(1, HELLO, WORLD, BANG, A), 32, 1);
        GenerationResult result = generator.generate(request(new int[] {BOS}, 50, "o w"));
        assertThat(result.text()).isEqualTo("Hell");
        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(result.usage().completionTokens()).isEqualTo(2);

        RecordingListener streamed = new RecordingListener();
        generator.submit(request(new int[] {BOS}, 50, "o w"), streamed);
        streamed.await();
        assertThat(streamed.text()).isEqualTo("Hell");
        assertThat(streamed.reason).isEqualTo(FinishReason.STOP);

        GenerationResult bang = generator.generate(request(new int[] {BOS}, 50, "!", "zz"));
        assertThat(bang.text()).isEqualTo("Hello world");
        assertThat(bang.usage().completionTokens()).isEqualTo(3);
    }

    @Test
    void heldBackPrefixOfAStopStringIsReleasedAtTheEnd() {
        Generator generator = generator(continuation(1, HELLO, WORLD, EOS), 32, 1);
        GenerationResult result = generator.generate(request(new int[] {BOS}, 50, " world!"));
        assertThat(result.text()).isEqualTo("Hello world");
        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);

        GenerationResult budget = generator.generate(request(new int[] {BOS}, 2, " world!"));
        assertThat(budget.text()).isEqualTo("Hello world");
        assertThat(budget.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void multiByteCharactersSplitOverTokensAreNeverSentInHalves() throws Exception {
        Generator generator = generator(
                continuation(1, A, E_ACUTE_1, E_ACUTE_2, SMILE_1, SMILE_2, SMILE_3, SMILE_4, EOS), 32, 1);
        RecordingListener listener = new RecordingListener();
        generator.submit(request(new int[] {BOS}, 50), listener);
        listener.await();
        assertThat(listener.texts).containsExactly("a", "é", "😀");
        assertThat(listener.usage.completionTokens()).isEqualTo(8);
    }

    @Test
    void unfinishedCharacterAtTheEndIsFlushedAsAReplacementCharacter() {
        Generator generator = generator(continuation(1, A, E_ACUTE_1, EOS), 32, 1);
        assertThat(generator.generate(request(new int[] {BOS}, 50)).text()).isEqualTo("a\uFFFD");
    }

    @Test
    void stopStringMatchesAcrossByteTokens() {
        Generator generator = generator(continuation(1, A, E_ACUTE_1, E_ACUTE_2, B), 32, 1);
        GenerationResult result = generator.generate(request(new int[] {BOS}, 50, "éb"));
        assertThat(result.text()).isEqualTo("a");
        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
    }

    /** Text depends on the whole history; length on the prompt's second token. */
    private static ScriptedModel historyModel() {
        int[] letters = {A, B, X, Y, Z, SPACE, DOT};
        return new ScriptedModel(VOCAB, 64, (history, length) -> {
            if (length >= 14 + history[1] % 4) {
                return EOS;
            }
            int sum = 0;
            for (int i = 0; i < length; i++) {
                sum = sum * 31 + history[i];
            }
            return letters[Math.floorMod(sum * 7 + length, letters.length)];
        });
    }

    @Test
    void concurrentGreedyRequestsGiveTheSameResultsAsAlone() throws Exception {
        int[][] prompts = {{BOS, A, B}, {BOS, B, B, X, Y}, {BOS, Z}};
        Generator alone = generator(historyModel(), 32, 1);
        List<GenerationResult> expected = new ArrayList<>();
        for (int[] prompt : prompts) {
            expected.add(alone.generate(request(prompt, 100)));
        }
        assertThat(new HashSet<>(expected.stream().map(GenerationResult::text).toList())).hasSize(3);

        Semaphore gate = new Semaphore(0);
        ScriptedModel model = historyModel().gated(gate);
        Generator together = generator(model, 32, 3);
        List<RecordingListener> listeners = new ArrayList<>();
        for (int[] prompt : prompts) {
            RecordingListener listener = new RecordingListener();
            listeners.add(listener);
            together.submit(request(prompt, 100), listener);
        }
        gate.release(10_000);
        for (int i = 0; i < prompts.length; i++) {
            listeners.get(i).await();
            assertThat(listeners.get(i).text()).isEqualTo(expected.get(i).text());
            assertThat(listeners.get(i).reason).isEqualTo(expected.get(i).finishReason());
            assertThat(listeners.get(i).usage).isEqualTo(expected.get(i).usage());
            assertThat(listeners.get(i).tokens).containsExactly(
                    java.util.Arrays.stream(expected.get(i).tokens()).boxed().toArray(Integer[]::new));
        }
        // Round-robin: the three sequences take turns once admitted. The inference thread may wake after the first
        // submission or the second (the others wait for the next step's admission, as the gate holds the first
        // forward pass until all three are in): [0, 0, 1, 2, ..], [0, 1, 0, 1, 2, ..] or [0, 1, 2, ..]; in every
        // case the first five passes reach all three, which a scheduler running one sequence to its end would not.
        assertThat(new HashSet<>(model.forwardLog.subList(0, 5))).hasSize(3);
        assertThat(model.cachesCreated.get()).isEqualTo(3);
        assertThat(model.forwardThreads).containsExactly(THREAD);
    }

    @Test
    void cancelMidGenerationFreesTheSlotForTheNextRequest() throws Exception {
        Semaphore gate = new Semaphore(0);
        ScriptedModel model = new ScriptedModel(VOCAB, 64, (history, length) -> history[1] == A ? X : (
                length == 2 ? WORLD : EOS)).gated(gate);
        Generator generator = generator(model, 32, 1);
        AtomicReference<GenerationHandle> first = new AtomicReference<>();
        RecordingListener cancelling = new RecordingListener() {
            @Override
            public synchronized void onText(String text) {
                super.onText(text);
                if (texts.size() == 3) {
                    first.get().cancel();
                }
            }
        };
        first.set(generator.submit(request(new int[] {BOS, A}, 1000), cancelling));
        RecordingListener second = new RecordingListener();
        generator.submit(request(new int[] {BOS, B}, 1000), second);
        gate.release(10_000);

        second.await();
        assertThat(second.text()).isEqualTo(" world");
        assertThat(second.reason).isEqualTo(FinishReason.STOP);
        assertThat(cancelling.texts).containsExactly("x", "x", "x");
        assertThat(cancelling.done).isNotDone();
        assertThat(model.cachesCreated.get()).isEqualTo(1); // the cancelled sequence's cache was reused
    }

    @Test
    void cancelFromAnotherThreadStopsOnlyThatSequence() throws Exception {
        ScriptedModel model = new ScriptedModel(VOCAB, 1024, (history, length) -> history[1] == A ? X : Y);
        Generator generator = generator(model, 1024, 2);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        RecordingListener endless = new RecordingListener() {
            @Override
            public void onText(String text) {
                super.onText(text);
                started.countDown();
                // Held here until the cancel is in: otherwise a loaded machine can let this sequence run to the
                // end of its context (and finish) before the test thread gets to cancel it.
                try {
                    cancelled.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        GenerationHandle handle = generator.submit(request(new int[] {BOS, A}, 1_000_000), endless);
        assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
        handle.cancel();
        cancelled.countDown();
        GenerationResult other = generator.generate(request(new int[] {BOS, B}, 10));
        assertThat(other.text()).isEqualTo("yyyyyyyyyy");
        int heard = endless.events.size();
        assertThat(generator.generate(request(new int[] {BOS, B}, 3)).text()).isEqualTo("yyy");
        assertThat(endless.events).hasSize(heard);
        assertThat(endless.done).isNotDone();
    }

    @Test
    void cancelledQueuedRequestIsNeverStarted() throws Exception {
        Semaphore gate = new Semaphore(0);
        Generator generator = generator(continuation(2, A, EOS).gated(gate), 32, 1);
        RecordingListener running = new RecordingListener();
        generator.submit(request(new int[] {BOS, B}, 10), running);
        RecordingListener queued = new RecordingListener();
        generator.submit(request(new int[] {BOS, B}, 10), queued).cancel();
        gate.release(10_000);
        running.await();
        assertThat(generator.generate(request(new int[] {BOS, B}, 10)).text()).isEqualTo("a");
        assertThat(queued.events).isEmpty();
    }

    @Test
    void listenerThatThrowsIsTreatedAsCancel() throws Exception {
        Generator generator = generator(new ScriptedModel(VOCAB, 64, (h, n) -> h[1] == A ? X : (n < 6 ? Y : EOS)),
                32, 2);
        RecordingListener throwing = new RecordingListener() {
            @Override
            public synchronized void onText(String text) {
                super.onText(text);
                throw new IllegalStateException("client went away");
            }
        };
        generator.submit(request(new int[] {BOS, A}, 1000), throwing);
        RecordingListener other = new RecordingListener();
        generator.submit(request(new int[] {BOS, B}, 1000), other);
        other.await();
        assertThat(other.text()).isEqualTo("yyyy");
        assertThat(generator.generate(request(new int[] {BOS, B}, 1000)).text()).isEqualTo("yyyy");
        assertThat(throwing.events).containsExactly("token " + X, "text x");
    }

    @Test
    void failingForwardPassEndsOnlyItsOwnRequest() throws Exception {
        ScriptedModel model = new ScriptedModel(VOCAB, 64, (h, n) -> n < 6 ? Y : EOS).poisonedBy(Z);
        Generator generator = generator(model, 32, 2);
        RecordingListener poisoned = new RecordingListener();
        RecordingListener healthy = new RecordingListener();
        generator.submit(request(new int[] {BOS, Z}, 100), poisoned);
        generator.submit(request(new int[] {BOS, A}, 100), healthy);
        assertThat(poisoned.await()).isEqualTo("error");
        assertThat(poisoned.error).isInstanceOf(IllegalStateException.class).hasMessage("poisoned sequence");
        assertThat(poisoned.events).containsExactly("error poisoned sequence");
        assertThat(healthy.await()).isEqualTo("finish");
        assertThat(healthy.text()).isEqualTo("yyyy");
        assertThatThrownBy(() -> generator.generate(request(new int[] {BOS, Z}, 100)))
                .isInstanceOf(IllegalStateException.class).hasMessage("poisoned sequence");
        assertThat(generator.generate(request(new int[] {BOS, B}, 100)).text()).isEqualTo("yyyy");
    }

    @Test
    void eventsArriveInOrderOnTheInferenceThread() throws Exception {
        Generator generator = generator(continuation(1, HELLO, E_ACUTE_1, E_ACUTE_2, BANG, EOS), 32, 1);
        RecordingListener listener = new RecordingListener();
        generator.submit(request(new int[] {BOS}, 50), listener);
        listener.await();
        assertThat(listener.events).containsExactly(
                "token " + HELLO, "text Hello",
                "token " + E_ACUTE_1,
                "token " + E_ACUTE_2, "text é",
                "token " + BANG, "text !",
                "token " + EOS,
                "finish STOP");
        assertThat(new HashSet<>(listener.threads)).containsExactly(THREAD);
    }

    @Test
    void penaltiesSeeThePromptAsInLlamaServer() {
        // flat logits except a small lead for 'a', which the prompt already contains three times
        ScriptedModel model = new ScriptedModel(VOCAB, 64, (h, n) -> -1) {
            @Override
            public void forward(org.infer4j.engine.model.KvCache kv, int[] tokens, float[] logits) {
                super.forward(kv, tokens, logits);
                logits[A] = 1f;
                logits[B] = 0.5f;
            }
        };
        Generator generator = generator(model, 32, 1);
        GenerationRequest plain = request(new int[] {BOS, A, A, A}, 1);
        assertThat(generator.generate(plain).text()).isEqualTo("a");
        GenerationRequest penalized = new GenerationRequest(new int[] {BOS, A, A, A},
                new SamplingParams(0, 0, 1, 0, 0, 0, 0.2, 1, 64), 1, List.of());
        // 1 - 3 * 0.2 = 0.4 < 0.5
        assertThat(generator.generate(penalized).text()).isEqualTo("b");
    }

    @Test
    void seededSamplingIsReproducibleAloneAndConcurrently() throws Exception {
        Generator generator = generator(new ScriptedModel(VOCAB, 64, (h, n) -> -1), 32, 4);
        int[] prompt = {BOS, A};
        GenerationResult first = generator.generate(sampled(prompt, 7));
        assertThat(generator.generate(sampled(prompt, 7))).isEqualTo(first);
        assertThat(generator.generate(sampled(prompt, 8)).tokens()).isNotEqualTo(first.tokens());

        List<RecordingListener> listeners = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RecordingListener listener = new RecordingListener();
            listeners.add(listener);
            generator.submit(sampled(prompt, 7), listener);
        }
        for (RecordingListener listener : listeners) {
            listener.await();
            assertThat(listener.text()).isEqualTo(first.text());
        }
    }

    @Test
    void closeFailsRunningAndQueuedRequestsAndRefusesNewOnes() throws Exception {
        Semaphore gate = new Semaphore(0);
        Generator generator = generator(continuation(2).gated(gate), 32, 1);
        RecordingListener running = new RecordingListener();
        RecordingListener queued = new RecordingListener();
        generator.submit(request(new int[] {BOS, A}, 1000), running);
        generator.submit(request(new int[] {BOS, A}, 1000), queued);

        Thread closer = Thread.ofPlatform().start(generator::close);
        List<RecordingListener> late = new ArrayList<>();
        while (true) { // until close() has marked the generator closed
            try {
                RecordingListener listener = new RecordingListener();
                generator.submit(request(new int[] {BOS}, 5), listener);
                late.add(listener);
            } catch (GeneratorClosedException e) {
                break;
            }
        }
        gate.release(10_000);
        closer.join(20_000);
        assertThat(closer.isAlive()).isFalse();

        assertThat(running.await()).isEqualTo("error");
        assertThat(running.error).isInstanceOf(GeneratorClosedException.class);
        assertThat(queued.await()).isEqualTo("error");
        assertThat(queued.events).hasSize(1);
        for (RecordingListener listener : late) {
            assertThat(listener.await()).isEqualTo("error");
        }
        assertThatThrownBy(() -> generator.submit(request(new int[] {BOS}, 5), new RecordingListener()))
                .isInstanceOf(GeneratorClosedException.class);
    }
}
