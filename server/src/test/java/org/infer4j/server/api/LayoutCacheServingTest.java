package org.infer4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import jdk.incubator.vector.ShortVector;
import org.infer4j.engine.model.ModelLoader;
import org.infer4j.engine.model.ModelQuantizer;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.SharedFixtures;
import org.infer4j.server.registry.LoadSettings;
import org.infer4j.server.registry.ModelRegistry;
import org.infer4j.server.registry.ModelSource;
import org.infer4j.server.registry.RegistryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server started with a layout cache ({@code --layout-cache}) answers as one without: the start that writes the
 * cache and the one that maps it give the same greedy completion and the same log-probabilities, read through the
 * official OpenAI Java SDK, as a server that lays the weights out in memory (stories260K in Q4_0, whose matrices
 * are re-laid).
 */
class LayoutCacheServingTest {
    @TempDir
    Path dir;

    @Test
    void writingAndMappingStartsAnswerAsAStartWithoutCache() throws IOException {
        Path model = storiesQ4_0();
        Path cache = dir.resolve("relaid");
        CompletionChoice.Logprobs inMemory = complete(model, Optional.empty(), ModelLoader.Relayout.AT_LOAD);
        CompletionChoice.Logprobs writing = complete(model, Optional.of(cache), ModelLoader.Relayout.AT_LOAD);
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.map(f -> f.getFileName().toString())).singleElement().asString().endsWith(".relaid");
        }
        CompletionChoice.Logprobs mapping = complete(model, Optional.of(cache), ModelLoader.Relayout.AT_LOAD);

        assertThat(inMemory.tokens().orElseThrow()).hasSize(16);
        for (CompletionChoice.Logprobs other : List.of(writing, mapping)) {
            assertThat(other.tokens()).isEqualTo(inMemory.tokens());
            assertThat(other.tokenLogprobs()).isEqualTo(inMemory.tokenLogprobs());
        }
    }

    /**
     * As {@code serve} starts: the first start of a file serves at once while its weights are re-laid, from the file's
     * kernels then from the copies; whichever answers, the tokens are the same and their log-probabilities the same
     * within float rounding (the kernels sum in another order).
     */
    @Test
    void aStartThatReLaysWhileServingAnswersTheSame() throws IOException {
        Path model = storiesQ4_0();
        Path cache = dir.resolve("relaid");
        CompletionChoice.Logprobs atLoad = complete(model, Optional.empty(), ModelLoader.Relayout.AT_LOAD);
        for (int start = 0; start < 2; start++) { // writing the cache, then mapping it
            CompletionChoice.Logprobs background = complete(model, Optional.of(cache), ModelLoader.Relayout.IN_BACKGROUND);
            assertThat(background.tokens()).isEqualTo(atLoad.tokens());
            List<Double> expected = atLoad.tokenLogprobs().orElseThrow();
            List<Double> actual = background.tokenLogprobs().orElseThrow();
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) {
                assertThat(actual.get(i)).isCloseTo(expected.get(i), within(1e-3));
            }
            try (Stream<Path> files = Files.list(cache)) {
                assertThat(files.map(f -> f.getFileName().toString())).singleElement().asString().endsWith(".relaid");
            }
        }
    }

    /** stories260K in Q4_0, whose matrices are re-laid (where the vectors are 512 bits wide: else the test is skipped). */
    private Path storiesQ4_0() throws IOException {
        assumeTrue(ShortVector.SPECIES_PREFERRED.length() >= 32, "copies are re-laid only with 512-bit vectors");
        Path model = dir.resolve("stories-q4_0.gguf");
        try (GgufFile in = GgufFile.open(SharedFixtures.model("stories260K.gguf"))) {
            ModelQuantizer.quantize(in, model, GgmlType.Q4_0);
        }
        return model;
    }

    /** Serves {@code model}, asks for 16 greedy tokens with their log-probabilities, stops the server. */
    private static CompletionChoice.Logprobs complete(Path model, Optional<Path> layoutCache,
                                                      ModelLoader.Relayout relayout) {
        try (ModelRegistry registry = RegistryLoader.load(List.of(new ModelSource(model, Optional.of("m"))),
                new LoadSettings(2, Optional.empty(), Optional.empty(), layoutCache, relayout));
             ApiServer server = new ApiServer(registry, new ServerOptions("127.0.0.1", 0, Optional.empty(),
                     ServerOptions.DEFAULT_MAX_BODY_BYTES)).start()) {
            OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(server.url() + "/v1").apiKey("unused").build();
            try {
                return openai.completions().create(CompletionCreateParams.builder().model("m")
                                .prompt("Once upon a time").maxTokens(16).temperature(0.0).logprobs(2).build())
                        .choices().getFirst().logprobs().orElseThrow();
            } finally {
                openai.close();
            }
        }
    }
}
