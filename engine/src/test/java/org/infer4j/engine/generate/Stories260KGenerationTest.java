package org.infer4j.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.infer4j.engine.model.LanguageModel;
import org.infer4j.engine.model.ModelLoader;
import org.infer4j.engine.sampling.SamplingParams;
import org.infer4j.engine.tokenizer.Tokenizer;
import org.infer4j.engine.tokenizer.Tokenizers;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.SharedFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real stories260K model through the generator, against llama-server's output for the same requests
 * (peer build de3ff81, {@code /completion} with {@code temperature 0} and {@code return_tokens}).
 */
class Stories260KGenerationTest {
    /** llama-server's first 60 greedy tokens after "Once upon a time" (prompt BOS 403 407 261 378). */
    private static final int[] GREEDY = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267,
            337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352,
            266, 268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426,
            13, 438, 310};
    /** Same, with repeat_penalty 1.3, frequency_penalty 0.5, presence_penalty 0.3, repeat_last_n 64. */
    private static final int[] PENALIZED = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267,
            337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 335, 311, 374, 419, 426, 385, 328, 432, 358, 394,
            262, 287, 316, 415, 299, 318, 416, 425, 419, 425, 412, 421, 269, 279, 420, 414, 339, 266, 312, 353, 345,
            272, 412, 331};
    /** Same, with presence_penalty 1.5 over repeat_last_n 8 only. */
    private static final int[] PRESENCE_LAST_8 = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401,
            396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370,
            268, 414, 444, 335, 261, 262, 415, 271, 422, 268, 421, 425, 411, 268, 388, 426, 338, 391, 266, 267, 337,
            335, 312, 432, 398, 358};

    private static LanguageModel model;
    private static Tokenizer tokenizer;
    private static Generator generator;
    private static int[] prompt;

    @BeforeAll
    static void load() {
        GgufFile gguf = GgufFile.open(SharedFixtures.model("stories260K.gguf"));
        tokenizer = Tokenizers.fromGguf(gguf);
        model = ModelLoader.load(gguf, 2);
        generator = new Generator(model, tokenizer, new GeneratorOptions(256, 3));
        prompt = tokenizer.encode("Once upon a time", true, false);
    }

    @AfterAll
    static void close() {
        generator.close();
        model.close();
    }

    private static GenerationRequest request(SamplingParams sampling, int maxTokens, String... stops) {
        return new GenerationRequest(prompt, sampling, maxTokens, List.of(stops));
    }

    private static SamplingParams penalties(double repeat, double frequency, double presence, int lastN) {
        return new SamplingParams(0, 40, 0.95, 0.05, 0, presence, frequency, repeat, lastN);
    }

    @Test
    void greedyContinuationMatchesLlamaCpp() {
        assertThat(prompt).containsExactly(1, 403, 407, 261, 378);
        GenerationResult result = generator.generate(request(SamplingParams.greedy(), GREEDY.length));
        assertThat(result.tokens()).containsExactly(GREEDY);
        assertThat(result.text()).startsWith(
                ", there was a little girl named Lily. She loved to play outside in the park. One day,");
        assertThat(result.text()).isEqualTo(tokenizer.decode(GREEDY, false));
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.usage()).isEqualTo(new Usage(5, GREEDY.length));
    }

    @Test
    void penaltiesMatchLlamaServerIncludingThePromptInTheWindow() {
        assertThat(generator.generate(request(penalties(1.3, 0.5, 0.3, 64), PENALIZED.length)).tokens())
                .containsExactly(PENALIZED);
        assertThat(generator.generate(request(penalties(1.0, 0.0, 1.5, 8), PRESENCE_LAST_8.length)).tokens())
                .containsExactly(PRESENCE_LAST_8);
    }

    @Test
    void stopStringCutsTheRealTextAndStreamingAgrees() throws Exception {
        GenerationResult result = generator.generate(request(SamplingParams.greedy(), 100, "Lily"));
        assertThat(result.text()).isEqualTo(", there was a little girl named ");
        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);

        RecordingListener listener = new RecordingListener();
        generator.submit(request(SamplingParams.greedy(), 100, "Lily"), listener);
        listener.await();
        assertThat(listener.text()).isEqualTo(result.text());
        assertThat(listener.usage).isEqualTo(result.usage());
    }

    @Test
    void concurrentRequestsOnTheRealModelMatchTheirSoloRuns() throws Exception {
        List<GenerationRequest> requests = List.of(
                request(SamplingParams.greedy(), 40),
                request(penalties(1.3, 0.5, 0.3, 64), 30),
                request(new SamplingParams(0.9, 40, 0.95, 0.05, 1234, 0, 0, 1.1, 64), 35));
        List<GenerationResult> solo = new ArrayList<>();
        for (GenerationRequest request : requests) {
            solo.add(generator.generate(request));
        }
        List<RecordingListener> listeners = new ArrayList<>();
        for (GenerationRequest request : requests) {
            RecordingListener listener = new RecordingListener();
            listeners.add(listener);
            generator.submit(request, listener);
        }
        for (int i = 0; i < requests.size(); i++) {
            listeners.get(i).await();
            assertThat(listeners.get(i).text()).isEqualTo(solo.get(i).text());
            assertThat(listeners.get(i).tokens)
                    .containsExactly(Arrays.stream(solo.get(i).tokens()).boxed().toArray(Integer[]::new));
        }
        assertThat(solo.get(0).tokens()).containsExactly(Arrays.copyOf(GREEDY, 40));
    }
}
