package org.infer4j.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.infer4j.engine.convert.ModelSources;
import org.infer4j.engine.convert.OutputType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.SharedFixtures;
import org.infer4j.server.api.ApiServer;
import org.infer4j.server.api.ServerOptions;
import org.infer4j.server.registry.LoadSettings;
import org.infer4j.server.registry.ModelRegistry;
import org.infer4j.server.registry.ModelSource;
import org.infer4j.server.registry.RegistryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hugging Face checkpoint folder, converted by {@code infer4j convert} or served directly with
 * {@code serve --model DIR}. The expected greedy tokens are those of transformers' LlamaForCausalLM (in
 * numpy) that llama.cpp reproduced on the converted file: engine test resource {@code convert/tinystories-656k.json}.
 */
class HfFolderServingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Path checkpoint() {
        return SharedFixtures.model("tinystories-656k/config.json").getParent();
    }

    @Test
    void convertCommandWritesAGgufOfTheCheckpoint() {
        Path out = dir.resolve("tiny.gguf");
        TokenizeCommandTest.Run run = TokenizeCommandTest.run("convert", checkpoint().toString(), out.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("LlamaForCausalLM").contains(out.toString());
        try (GgufFile gguf = GgufFile.open(out)) {
            assertThat(gguf.getString("general.architecture")).isEqualTo("llama");
            assertThat(gguf.getArray("tokenizer.ggml.tokens").size()).isEqualTo(2048);
            assertThat(gguf.getInt("llama.block_count")).isEqualTo(2);
        }
    }

    @Test
    void convertRefusesWhatIsNotACheckpoint() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        TokenizeCommandTest.Run run = TokenizeCommandTest.run("convert", empty.toString(), dir.resolve("x.gguf").toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err().lines().toList()).hasSize(1);
        assertThat(run.err()).contains(empty.toString()).doesNotContain("\tat ");
        TokenizeCommandTest.Run badType = TokenizeCommandTest.run("convert", checkpoint().toString(),
                dir.resolve("y.gguf").toString(), "--type", "q9");
        assertThat(badType.code()).isEqualTo(2);
        assertThat(badType.err()).contains("--type");
    }

    @Test
    void servesTheFolderWithTheReferenceGreedyTokens() throws Exception {
        ModelSources converter = new ModelSources(dir.resolve("cache"), OutputType.SOURCE);
        ModelSource source = RegistryLoader.resolve(checkpoint(), Optional.empty(), converter);
        assertThat(source.id()).isEqualTo("tinystories-656k");
        assertThat(source.file()).startsWith(dir.resolve("cache"));
        long converted = Files.getLastModifiedTime(source.file()).toMillis();
        // A second start reuses the cached conversion.
        assertThat(RegistryLoader.resolve(checkpoint(), Optional.empty(), converter).file()).isEqualTo(source.file());
        assertThat(Files.getLastModifiedTime(source.file()).toMillis()).isEqualTo(converted);

        JsonNode reference;
        try (InputStream in = getClass().getResourceAsStream("/convert/tinystories-656k.json")) {
            assertThat(in).as("engine test resource convert/tinystories-656k.json").isNotNull();
            reference = JSON.readTree(in).get("reference").get(0);
        }
        List<Integer> promptIds = new ArrayList<>();
        reference.get("ids").forEach(n -> promptIds.add(n.asInt()));
        List<Integer> expected = new ArrayList<>();
        reference.get("greedy").forEach(n -> expected.add(n.asInt()));

        try (ModelRegistry registry = RegistryLoader.load(List.of(source), new LoadSettings(1, Optional.empty(), Optional.empty()));
             ApiServer server = new ApiServer(registry, new ServerOptions("127.0.0.1", 0, Optional.empty(),
                     ServerOptions.DEFAULT_MAX_BODY_BYTES)).start();
             HttpClient http = HttpClient.newHttpClient()) {
            String body = JSON.writeValueAsString(java.util.Map.of("model", "tinystories-656k", "prompt", promptIds,
                    "max_tokens", expected.size(), "temperature", 0));
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            String text = JSON.readTree(response.body()).get("choices").get(0).get("text").asText();

            String detokenize = JSON.writeValueAsString(java.util.Map.of("tokens", expected));
            HttpResponse<String> decoded = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/detokenize"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(detokenize)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(text).isNotBlank().isEqualTo(JSON.readTree(decoded.body()).get("content").asText());
        }
    }
}
