package org.infer4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infer4j.gguf.LlamaCppPeer;
import org.infer4j.gguf.SharedFixtures;
import org.infer4j.server.registry.LoadSettings;
import org.infer4j.server.registry.ModelRegistry;
import org.infer4j.server.registry.ModelSource;
import org.infer4j.server.registry.RegistryLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Log-probabilities on the real stories260K (F32), read through the official OpenAI Java SDK's typed accessors and
 * compared with a live llama-server (the peer) asked the same thing. llama-server computes them, unless asked for
 * {@code post_sampling_probs}, as we do: the log-softmax of the raw logits, before penalties, filters and temperature.
 * Its answers come in the chat shape even on /v1/completions ({@code content: [{token, logprob, top_logprobs}]}).
 */
class LogprobsEndToEndTest {
    static final String MODEL = OpenAiClientsEndToEndTest.MODEL;
    static final String PROMPT = OpenAiClientsEndToEndTest.PROMPT;
    static final double PEER_TOLERANCE = 1e-3;

    static ModelRegistry registry;
    static ApiServer server;
    static OpenAIClient openai;
    static HttpHarness http;
    static LlamaCppPeer.Server peer;

    @BeforeAll
    static void start() {
        var model = SharedFixtures.model("stories260K.gguf");
        registry = RegistryLoader.load(List.of(new ModelSource(model, Optional.empty())),
                new LoadSettings(1, Optional.empty(), Optional.empty()));
        server = new ApiServer(registry, new ServerOptions("127.0.0.1", 0, Optional.empty(),
                ServerOptions.DEFAULT_MAX_BODY_BYTES)).start();
        openai = OpenAIOkHttpClient.builder().baseUrl(server.url() + "/v1").apiKey("unused").build();
        http = new HttpHarness(server.url());
        peer = LlamaCppPeer.startServer(model, "-c", "2048", "-np", "1", "-ctk", "f32", "-ctv", "f32", "-fa", "off");
    }

    @AfterAll
    static void stop() {
        peer.close();
        openai.close();
        server.close();
        registry.close();
    }

    /** One generated token as both sides report it: its piece, log-prob and best alternatives by piece. */
    record Step(String token, double logprob, Map<String, Double> top) {}

    static List<Step> peerSteps(String prompt, int maxTokens, int alternatives) {
        String body = "{\"prompt\":" + HttpHarness.JSON.valueToTree(prompt) + ",\"max_tokens\":" + maxTokens
                + ",\"temperature\":0,\"logprobs\":" + alternatives + "}";
        JsonNode content = HttpHarness.Reply.parse(peer.post("/v1/completions", body))
                .get("choices").get(0).get("logprobs").get("content");
        List<Step> steps = new ArrayList<>();
        for (JsonNode step : content) {
            Map<String, Double> top = new LinkedHashMap<>();
            step.get("top_logprobs").forEach(t -> top.put(t.get("token").asText(), t.get("logprob").asDouble()));
            steps.add(new Step(step.get("token").asText(), step.get("logprob").asDouble(), top));
        }
        return steps;
    }

    static void assertSameAsPeer(List<Step> ours, List<Step> peers) {
        assertThat(ours).extracting(Step::token).containsExactlyElementsOf(peers.stream().map(Step::token).toList());
        for (int step = 0; step < ours.size(); step++) {
            int i = step;
            Step a = ours.get(i);
            Step b = peers.get(i);
            assertThat(a.logprob()).as("logprob of step %d", i).isCloseTo(b.logprob(), within(PEER_TOLERANCE));
            assertThat(a.top().keySet()).as("alternatives of step %d", i).containsExactlyElementsOf(b.top().keySet());
            a.top().forEach((token, lp) -> assertThat(lp).as("step %d, %s", i, token)
                    .isCloseTo(b.top().get(token), within(PEER_TOLERANCE)));
        }
    }

    static List<Step> steps(CompletionChoice.Logprobs logprobs) {
        List<String> tokens = logprobs.tokens().orElseThrow();
        List<Double> values = logprobs.tokenLogprobs().orElseThrow();
        var tops = logprobs.topLogprobs().orElseThrow();
        assertThat(values).hasSameSizeAs(tokens);
        assertThat(tops).hasSameSizeAs(tokens);
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Map<String, Double> top = new LinkedHashMap<>();
            tops.get(i)._additionalProperties().forEach((k, v) -> top.put(k, v.convert(Double.class)));
            steps.add(new Step(tokens.get(i), values.get(i), top));
        }
        return steps;
    }

    static List<Step> chatSteps(List<ChatCompletionTokenLogprob> content) {
        List<Step> steps = new ArrayList<>();
        for (ChatCompletionTokenLogprob token : content) {
            assertThat(token.bytes().orElseThrow()).as("bytes of %s", token.token())
                    .containsExactlyElementsOf(utf8(token.token()));
            Map<String, Double> top = new LinkedHashMap<>();
            double previous = 0;
            for (var alternative : token.topLogprobs()) {
                assertThat(alternative.logprob()).as("best first").isLessThanOrEqualTo(previous);
                previous = alternative.logprob();
                assertThat(alternative.bytes().orElseThrow()).containsExactlyElementsOf(utf8(alternative.token()));
                top.put(alternative.token(), alternative.logprob());
            }
            steps.add(new Step(token.token(), token.logprob(), top));
        }
        return steps;
    }

    static List<Long> utf8(String s) {
        List<Long> values = new ArrayList<>();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            values.add((long) (b & 0xFF));
        }
        return values;
    }

    static void assertGreedy(List<Step> steps) {
        for (Step step : steps) {
            double best = step.top().values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            assertThat(step.logprob()).as("greedy: the sampled token is the most likely").isEqualTo(best);
            assertThat(step.top().get(step.token())).isEqualTo(step.logprob());
            double mass = step.top().values().stream().mapToDouble(Math::exp).sum();
            assertThat(mass).isLessThanOrEqualTo(1 + 1e-6).isPositive();
        }
    }

    // ---- legacy completions ----

    @Test
    void textCompletionLogprobsMatchLlamaCppThroughTheSdk() {
        Completion completion = openai.completions().create(CompletionCreateParams.builder()
                .model(MODEL).prompt(PROMPT).maxTokens(16).temperature(0.0).logprobs(5).build());
        completion.validate();
        CompletionChoice choice = completion.choices().getFirst();
        List<Step> steps = steps(choice.logprobs().orElseThrow());
        assertThat(steps).hasSize(16);
        assertThat(String.join("", steps.stream().map(Step::token).toList())).isEqualTo(choice.text());
        assertThat(steps).allSatisfy(s -> assertThat(s.top()).hasSize(5));
        assertGreedy(steps);
        // text_offset counts from the start of the prompt, as OpenAI's legacy API does
        List<Long> offsets = choice.logprobs().orElseThrow().textOffset().orElseThrow();
        long at = PROMPT.length();
        for (int i = 0; i < steps.size(); i++) {
            assertThat(offsets.get(i)).isEqualTo(at);
            at += steps.get(i).token().length();
        }
        assertSameAsPeer(steps, peerSteps(PROMPT, 16, 5));
    }

    @Test
    void topLogprobsMapsAreOrderedBestFirstAndHoldTheSampledToken() {
        JsonNode logprobs = http.post("/v1/completions", """
                {"prompt":"Once upon a time","max_tokens":6,"temperature":1.5,"seed":3,"logprobs":2}""")
                .json().get("choices").get(0).get("logprobs");
        for (int i = 0; i < logprobs.get("tokens").size(); i++) {
            String token = logprobs.get("tokens").get(i).asText();
            JsonNode top = logprobs.get("top_logprobs").get(i);
            List<Double> values = new ArrayList<>();
            top.forEach(v -> values.add(v.asDouble()));
            // the two best, best first, then the sampled token if it is neither
            assertThat(values.subList(0, 2)).isSortedAccordingTo((a, b) -> Double.compare(b, a));
            assertThat(top.size()).isBetween(2, 3);
            assertThat(top.get(token).asDouble()).isEqualTo(logprobs.get("token_logprobs").get(i).asDouble());
        }
    }

    @Test
    void streamedTextCompletionCarriesEachChunksTokens() {
        var params = CompletionCreateParams.builder().model(MODEL).prompt(PROMPT).maxTokens(12).temperature(0.0)
                .logprobs(3).build();
        List<Step> whole = steps(openai.completions().create(params).choices().getFirst().logprobs().orElseThrow());
        List<Step> streamed = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        try (StreamResponse<Completion> stream = openai.completions().createStreaming(params)) {
            stream.stream().flatMap(c -> c.choices().stream()).forEach(c -> {
                if (!c.text().isEmpty()) {
                    var logprobs = c.logprobs().orElseThrow();
                    List<Step> chunk = steps(logprobs);
                    assertThat(String.join("", chunk.stream().map(Step::token).toList())).isEqualTo(c.text());
                    streamed.addAll(chunk);
                    offsets.addAll(logprobs.textOffset().orElseThrow());
                }
            });
        }
        assertThat(streamed).isEqualTo(whole);
        assertThat(offsets.getFirst()).isEqualTo(PROMPT.length());
        assertThat(offsets).isSorted();
    }

    @Test
    void aTokenStraddlingTheStopStringIsReportedAndTokensCutWholeAreNot() {
        // Greedy text: ", there was a little girl..." — tokens ",", " there", " was", ...
        JsonNode straddle = http.post("/v1/completions", """
                {"prompt":"Once upon a time","max_tokens":16,"temperature":0,"logprobs":1,"stop":["re w"]}""")
                .json().get("choices").get(0);
        assertThat(straddle.get("text").asText()).isEqualTo(", the");
        assertThat(straddle.get("logprobs").get("tokens").toString()).isEqualTo("[\",\",\" there\"]");
        assertThat(straddle.get("finish_reason").asText()).isEqualTo("stop");

        JsonNode boundary = http.post("/v1/completions", """
                {"prompt":"Once upon a time","max_tokens":16,"temperature":0,"logprobs":1,"stop":[" was a"]}""")
                .json().get("choices").get(0);
        assertThat(boundary.get("text").asText()).isEqualTo(", there");
        assertThat(boundary.get("logprobs").get("tokens").toString()).isEqualTo("[\",\",\" there\"]");
        assertThat(boundary.get("logprobs").get("text_offset").toString()).isEqualTo("[16,17]");
    }

    @Test
    void requestsWithoutLogprobsSayNull() {
        JsonNode choice = http.post("/v1/completions", """
                {"prompt":"Once upon a time","max_tokens":3,"temperature":0}""").json().get("choices").get(0);
        assertThat(choice.get("logprobs").isNull()).isTrue();
    }

    // ---- chat ----

    @Test
    void chatLogprobsMatchLlamaCppThroughTheSdk() {
        ChatCompletion chat = openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(MODEL).addUserMessage(OpenAiClientsEndToEndTest.USER_MESSAGE).maxCompletionTokens(12)
                .temperature(0.0).logprobs(true).topLogprobs(4).build());
        chat.validate();
        var choice = chat.choices().getFirst();
        var logprobs = choice.logprobs().orElseThrow();
        assertThat(logprobs.refusal()).isEmpty();
        List<Step> steps = chatSteps(logprobs.content().orElseThrow());
        assertThat(steps).hasSize(12);
        assertThat(String.join("", steps.stream().map(Step::token).toList()))
                .isEqualTo(choice.message().content().orElseThrow());
        assertThat(steps).allSatisfy(s -> assertThat(s.top()).hasSize(4));
        assertGreedy(steps);
        // The peer gets the same rendered prompt through its completion endpoint (see OpenAiClientsEndToEndTest).
        assertSameAsPeer(steps, peerSteps(OpenAiClientsEndToEndTest.CHAT_PROMPT_AFTER_BOS, 12, 4));
    }

    @Test
    void chatWithoutTopLogprobsGivesTheSampledTokensOnly() {
        ChatCompletion chat = openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(MODEL).addUserMessage("Hi").maxCompletionTokens(5).temperature(0.0).logprobs(true).build());
        var content = chat.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        assertThat(content).hasSize(5).allSatisfy(t -> assertThat(t.topLogprobs()).isEmpty());
        assertThat(content).allSatisfy(t -> assertThat(t.logprob()).isNegative());
    }

    @Test
    void streamedChatChunksCarryTheLogprobsOfTheirOwnTokens() {
        var params = ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage(OpenAiClientsEndToEndTest.USER_MESSAGE).maxCompletionTokens(16).temperature(0.0)
                .logprobs(true).topLogprobs(2).build();
        List<Step> whole = chatSteps(openai.chat().completions().create(params).choices().getFirst()
                .logprobs().orElseThrow().content().orElseThrow());
        List<Step> streamed = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(params)) {
            stream.stream().peek(ChatCompletionChunk::validate).flatMap(c -> c.choices().stream()).forEach(c -> {
                String text = c.delta().content().orElse("");
                if (!text.isEmpty()) {
                    List<Step> chunk = chatSteps(c.logprobs().orElseThrow().content().orElseThrow());
                    assertThat(String.join("", chunk.stream().map(Step::token).toList())).isEqualTo(text);
                    streamed.addAll(chunk);
                } else {
                    assertThat(c.logprobs()).isEmpty(); // the role chunk and the finish chunk
                }
            });
        }
        assertThat(streamed).isEqualTo(whole);
    }

    @Test
    void logprobsAreTheRawModelsWhateverTheTemperatureAndPenalties() {
        JsonNode hot = http.post("/v1/completions", """
                {"prompt":"Once upon a time","max_tokens":1,"temperature":1.9,"seed":11,"logprobs":20,
                 "presence_penalty":1.5,"repeat_penalty":1.3,"top_k":3}""")
                .json().get("choices").get(0).get("logprobs");
        JsonNode cold = http.post("/v1/completions", """
                {"prompt":"Once upon a time","max_tokens":1,"temperature":0,"logprobs":20}""")
                .json().get("choices").get(0).get("logprobs");
        JsonNode hotTop = hot.get("top_logprobs").get(0);
        JsonNode coldTop = cold.get("top_logprobs").get(0);
        assertThat(coldTop.size()).isEqualTo(20);
        coldTop.properties().forEach(e -> assertThat(hotTop.get(e.getKey()).asDouble())
                .as(e.getKey()).isEqualTo(e.getValue().asDouble()));
        String sampled = hot.get("tokens").get(0).asText();
        assertThat(hot.get("token_logprobs").get(0).asDouble()).isEqualTo(hotTop.get(sampled).asDouble());
    }
}
