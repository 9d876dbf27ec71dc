package org.infer4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.infer4j.gguf.SharedFixtures;
import org.infer4j.server.registry.LoadSettings;
import org.infer4j.server.registry.ModelRegistry;
import org.infer4j.server.registry.ModelSource;
import org.infer4j.server.registry.RegistryLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real server on stories260K.gguf, called by real clients (the official OpenAI Java SDK and LangChain4j),
 * greedy, compared with llama.cpp's text for the same prompt tokens.
 *
 * <p>Goldens come from the llama.cpp peer ({@code $(/work/shared/tools/llama-cpp-peer)}, commit de3ff81):
 * <pre>
 *   llama-server -m /work/shared/models/stories260K.gguf --host 127.0.0.1 --port 18080 -t 1 -c 2048
 *   curl localhost:18080/v1/completions -d '{"prompt":"Once upon a time","max_tokens":48,"temperature":0}'
 *   curl localhost:18080/v1/completions -d '{"prompt":CHAT_PROMPT_AFTER_BOS,"max_tokens":48,"temperature":0}'
 * </pre>
 * stories260K has no chat template, so infer4j renders chat with its built-in fallback for a "llama" file whose
 * vocabulary lacks Llama 3 header tokens: Llama 2's {@code <s>[INST] ... [/INST]}. To compare like with like, the peer gets that exact rendered
 * text through its plain completion endpoint, minus the leading {@code <s>} which the peer adds itself as the
 * BOS token; the peer's /tokenize confirms the same 26 prompt tokens infer4j uses (BOS not doubled).
 */
class OpenAiClientsEndToEndTest {
    static final String MODEL = "stories260K";
    static final String PROMPT = "Once upon a time";
    static final String GOLDEN_TEXT = ", there was a little girl named Lily. She loved to play outside in the park. "
            + "One day, she saw a big, red ball. She wanted to play with it,";
    static final int GOLDEN_TEXT_PROMPT_TOKENS = 5;
    static final String USER_MESSAGE = "Tell me a story.";
    static final String CHAT_PROMPT_AFTER_BOS = "[INST] Tell me a story. [/INST]";
    static final String GOLDEN_CHAT = ", just like a special special. What is that?\" \nSuddenly, a little bird f";
    static final int GOLDEN_CHAT_PROMPT_TOKENS = 26;
    static final int MAX_TOKENS = 48;

    static ModelRegistry registry;
    static ApiServer server;
    static OpenAIClient openai;
    static HttpHarness http;

    @BeforeAll
    static void start() {
        registry = RegistryLoader.load(
                List.of(new ModelSource(SharedFixtures.model("stories260K.gguf"), Optional.empty())),
                new LoadSettings(1, Optional.empty(), Optional.empty()));
        server = new ApiServer(registry, new ServerOptions("127.0.0.1", 0, Optional.empty(),
                ServerOptions.DEFAULT_MAX_BODY_BYTES)).start();
        openai = OpenAIOkHttpClient.builder().baseUrl(server.url() + "/v1").apiKey("unused").build();
        http = new HttpHarness(server.url());
    }

    @AfterAll
    static void stop() {
        openai.close();
        server.close();
        registry.close();
    }

    // ---- official OpenAI SDK ----

    @Test
    void sdkTextCompletionMatchesLlamaCpp() {
        Completion completion = openai.completions().create(CompletionCreateParams.builder()
                .model(MODEL).prompt(PROMPT).maxTokens(MAX_TOKENS).temperature(0.0).build());
        assertThat(completion.choices().getFirst().text()).isEqualTo(GOLDEN_TEXT);
        assertThat(completion.choices().getFirst().finishReason().asString()).isEqualTo("length");
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(GOLDEN_TEXT_PROMPT_TOKENS);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(MAX_TOKENS);
        assertThat(completion.model()).isEqualTo(MODEL);
    }

    @Test
    void sdkStreamingTextCompletionMatchesLlamaCpp() {
        try (StreamResponse<Completion> stream = openai.completions().createStreaming(CompletionCreateParams.builder()
                .model(MODEL).prompt(PROMPT).maxTokens(MAX_TOKENS).temperature(0.0).build())) {
            String text = stream.stream().flatMap(c -> c.choices().stream()).map(c -> c.text())
                    .collect(Collectors.joining());
            assertThat(text).isEqualTo(GOLDEN_TEXT);
        }
    }

    @Test
    void sdkChatCompletionMatchesLlamaCpp() {
        ChatCompletion chat = openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(MODEL).addUserMessage(USER_MESSAGE).maxCompletionTokens(MAX_TOKENS).temperature(0.0).build());
        var choice = chat.choices().getFirst();
        assertThat(choice.message().content()).contains(GOLDEN_CHAT);
        assertThat(choice.finishReason().asString()).isEqualTo("length");
        assertThat(chat.usage().orElseThrow().promptTokens()).isEqualTo(GOLDEN_CHAT_PROMPT_TOKENS);
        chat.validate(); // every field the SDK requires is present and well typed
    }

    @Test
    void sdkStreamingChatWithUsageMatchesLlamaCpp() {
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(USER_MESSAGE)
                        .maxCompletionTokens(MAX_TOKENS).temperature(0.0)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            chunks = stream.stream().toList();
        }
        chunks.forEach(ChatCompletionChunk::validate);
        chunks.stream().flatMap(c -> c.choices().stream()).forEach(c -> c.delta().content().ifPresent(text::append));
        assertThat(text.toString()).isEqualTo(GOLDEN_CHAT);
        var usage = chunks.getLast().usage().orElseThrow();
        assertThat(chunks.getLast().choices()).isEmpty();
        assertThat(usage.promptTokens()).isEqualTo(GOLDEN_CHAT_PROMPT_TOKENS);
        assertThat(usage.completionTokens()).isEqualTo(MAX_TOKENS);
    }

    @Test
    void sdkSeededSamplingIsReproducible() {
        var params = CompletionCreateParams.builder().model(MODEL).prompt(PROMPT).maxTokens(24).temperature(1.0)
                .seed(1234).build();
        String first = openai.completions().create(params).choices().getFirst().text();
        String second = openai.completions().create(params).choices().getFirst().text();
        assertThat(second).isEqualTo(first);
    }

    // ---- LangChain4j ----

    @Test
    void langchain4jChatMatchesLlamaCpp() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(server.url() + "/v1").apiKey("unused")
                .modelName(MODEL).temperature(0.0).maxTokens(MAX_TOKENS).build();
        assertThat(model.chat(USER_MESSAGE)).isEqualTo(GOLDEN_CHAT);
    }

    @Test
    void langchain4jStreamingChatMatchesLlamaCpp() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(server.url() + "/v1")
                .apiKey("unused").modelName(MODEL).temperature(0.0).maxTokens(MAX_TOKENS).build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(USER_MESSAGE, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                partial.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(60, TimeUnit.SECONDS);
        assertThat(partial.toString()).isEqualTo(GOLDEN_CHAT);
        assertThat(response.aiMessage().text()).isEqualTo(GOLDEN_CHAT);
    }

    // ---- the helper endpoints on the real vocabulary (values from the peer's /tokenize and /detokenize) ----

    @Test
    void tokenizeAndDetokenizeAgreeWithLlamaServer() {
        assertThat(http.post("/tokenize", "{\"content\":\"Once upon a time\",\"add_special\":true}").json().toString())
                .isEqualTo("{\"tokens\":[1,403,407,261,378]}");
        assertThat(http.post("/tokenize", "{\"content\":\"Once upon\",\"with_pieces\":true}").json().toString())
                .isEqualTo("{\"tokens\":[{\"id\":403,\"piece\":\" Once\"},{\"id\":407,\"piece\":\" upon\"}]}");
        assertThat(http.post("/detokenize", "{\"tokens\":[1,403,407]}").json().toString())
                .isEqualTo("{\"content\":\"<s> Once upon\"}");
    }

    @Test
    void applyTemplateGivesTheRenderedChatPrompt() {
        var reply = http.post("/apply-template", """
                {"messages":[{"role":"user","content":"Tell me a story."}]}""");
        assertThat(reply.json().get("prompt").asText()).isEqualTo("<s>" + CHAT_PROMPT_AFTER_BOS);
    }

    @Test
    void modelsDescribeTheRealModel() {
        JsonNode model = http.get("/v1/models/" + MODEL).json();
        assertThat(model.get("id").asText()).isEqualTo(MODEL);
        JsonNode meta = model.get("meta");
        assertThat(meta.get("architecture").asText()).isEqualTo("llama");
        assertThat(meta.get("context_length").asInt()).isEqualTo(2048);
        assertThat(meta.get("parameters").asLong()).isPositive();
        assertThat(meta.get("quantization").asText()).isEqualTo("F32");
        assertThat(http.get("/v1/models").json().get("data")).hasSize(1);
    }

    @Test
    void promptBeyondTheContextIsRejectedAndTheServerGoesOn() {
        String longPrompt = "Once upon a time ".repeat(1200);
        var reply = http.post("/v1/completions", "{\"prompt\":\"" + longPrompt + "\",\"max_tokens\":1}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("error").get("code").asText()).isEqualTo("context_length_exceeded");
        var ok = http.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":3,\"temperature\":0}");
        assertThat(ok.json().get("choices").get(0).get("text").asText()).isEqualTo(", there was");
    }
}
