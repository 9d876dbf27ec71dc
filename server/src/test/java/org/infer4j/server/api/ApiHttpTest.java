package org.infer4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.infer4j.engine.model.ModelSpec;
import org.infer4j.engine.template.ChatMessage;
import org.infer4j.engine.template.ChatTemplate;
import org.infer4j.server.registry.ModelRegistry;
import org.infer4j.server.registry.ServedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The HTTP layer's own behaviour over real HTTP, with a scripted generator and a byte tokenizer whose
 * outputs are known exactly: request validation and error shapes, SSE framing, choices, seeds, stop strings,
 * cancellation on disconnect, auth, and the helper endpoints. The real model is exercised in
 * {@code OpenAiClientsEndToEndTest}.
 */
class ApiHttpTest {
    static final int CONTEXT = 64;
    static ScriptedGenerator generator = new ScriptedGenerator();
    static ModelRegistry registry;
    static ApiServer server;
    static HttpHarness http;

    /** A visible format: {@code <s>[role]content\n} per message, then {@code [assistant]}. */
    static String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt,
                         Map<String, Object> variables) {
        StringBuilder out = new StringBuilder("<s>");
        for (ChatMessage turn : messages) {
            out.append('[').append(turn.role()).append(']').append(turn.content() == null ? "" : turn.content());
            if (turn.extra().containsKey("tool_calls")) {
                out.append("{calls:").append(turn.extra().get("tool_calls")).append('}');
            }
            out.append('\n');
        }
        if (tools != null) {
            out.append("tools=").append(tools.size()).append('\n');
        }
        variables.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
        if (addGenerationPrompt) {
            out.append("[assistant]");
        }
        return out.toString();
    }

    /** A real Jinja template that refuses system messages and one forbidden text, as model templates do. */
    static final String STRICT_TEMPLATE = """
            {%- for m in messages -%}
            {%- if m.role == 'system' -%}{{ raise_exception('System role not supported') }}{%- endif -%}
            {%- if m.content == 'forbidden' -%}{{ raise_exception('Conversation roles must alternate') }}{%- endif -%}
            [{{ m.role }}]{{ m.content }}
            {% endfor -%}
            {%- if add_generation_prompt -%}[assistant]{%- endif -%}""";

    @BeforeAll
    static void start() {
        ModelSpec spec = new ModelSpec("llama", "scripted", 2048, 259, 1234, "F32");
        ServedModel model = new ServedModel("scripted", spec, new ByteTokenizer(), ApiHttpTest::render,
                generator, CONTEXT, 1_700_000_000L);
        ServedModel second = new ServedModel("second", spec, new ByteTokenizer(), ApiHttpTest::render,
                generator, CONTEXT, 1_700_000_001L);
        ChatTemplate strict = ChatTemplate.of(STRICT_TEMPLATE, "<s>", "</s>");
        ServedModel third = new ServedModel("strict", spec, new ByteTokenizer(), strict::renderWithSystemFallback,
                generator, CONTEXT, 1_700_000_002L);
        registry = new ModelRegistry(List.of(model, second, third), List.of());
        server = new ApiServer(registry, new ServerOptions("127.0.0.1", 0, Optional.empty(), 64 * 1024)).start();
        http = new HttpHarness(server.url());
    }

    @AfterAll
    static void stop() {
        server.close();
        registry.close();
    }

    @BeforeEach
    void reset() {
        generator.millisPerToken = 0;
        generator.endAfterTokens = Integer.MAX_VALUE;
        generator.requests.clear();
    }

    // ---- completions ----

    @Test
    void textCompletionHasOpenAiShape() {
        var reply = http.post("/v1/completions", """
                {"model":"scripted","prompt":"Hi","max_tokens":4,"temperature":0}""");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).startsWith("application/json");
        JsonNode body = reply.json();
        assertThat(body.get("id").asText()).startsWith("cmpl-");
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        assertThat(body.get("model").asText()).isEqualTo("scripted");
        assertThat(body.get("created").asLong()).isPositive();
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("text").asText()).isEqualTo(" once upon a time");
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.has("logprobs")).isTrue();
        assertThat(choice.get("logprobs").isNull()).isTrue();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
        // "Hi" is BOS + 2 byte tokens.
        assertThat(body.get("usage").toString()).isEqualTo("{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}");
        assertThat(generator.requests.getFirst().prompt()).containsExactly(1, 'H' + 3, 'i' + 3);
    }

    @Test
    void chatCompletionHasOpenAiShapeAndDoesNotDoubleBos() {
        var reply = http.post("/v1/chat/completions", """
                {"model":"scripted","messages":[{"role":"user","content":"Hey"}],"max_completion_tokens":2,
                 "temperature":0}""");
        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.get("id").asText()).startsWith("chatcmpl-");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").asText()).isEqualTo(" once upon");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
        String rendered = "<s>[user]Hey\n[assistant]";
        int[] expected = new ByteTokenizer().encode(rendered, false, true); // the template's own BOS only
        assertThat(generator.requests.getFirst().prompt()).containsExactly(expected);
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(expected.length);
    }

    @Test
    void stopEndsWithFinishReasonStop() {
        generator.endAfterTokens = 3;
        var reply = http.post("/v1/completions", """
                {"prompt":"x","temperature":0}""");
        JsonNode choice = reply.json().get("choices").get(0);
        assertThat(choice.get("text").asText()).isEqualTo(" once upon a");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(generator.requests.getFirst().maxTokens()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void parametersReachTheSampler() {
        http.post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"a"}],"temperature":0.5,"top_p":0.9,"top_k":40,"min_p":0.05,
                 "seed":7,"presence_penalty":0.5,"frequency_penalty":-0.5,"repeat_penalty":1.1,"stop":["x","y"],
                 "max_tokens":3,"user":"someone","logit_bias":null,"unknown_field":{"a":1}}""");
        var request = generator.requests.getFirst();
        var s = request.sampling();
        assertThat(s.temperature()).isEqualTo(0.5);
        assertThat(s.topP()).isEqualTo(0.9);
        assertThat(s.topK()).isEqualTo(40);
        assertThat(s.minP()).isEqualTo(0.05);
        assertThat(s.seed()).isEqualTo(7);
        assertThat(s.presencePenalty()).isEqualTo(0.5);
        assertThat(s.frequencyPenalty()).isEqualTo(-0.5);
        assertThat(s.repeatPenalty()).isEqualTo(1.1);
        assertThat(request.stopStrings()).containsExactly("x", "y");
        assertThat(request.maxTokens()).isEqualTo(3);
    }

    @Test
    void absentParametersUseDocumentedDefaults() {
        http.post("/v1/completions", """
                {"prompt":"a","max_tokens":1}""");
        var s = generator.requests.getFirst().sampling();
        assertThat(s.temperature()).isEqualTo(1.0);
        assertThat(s.topP()).isEqualTo(1.0);
        assertThat(s.topK()).isZero();
        assertThat(s.minP()).isZero();
        assertThat(s.presencePenalty()).isZero();
        assertThat(s.frequencyPenalty()).isZero();
        assertThat(s.repeatPenalty()).isEqualTo(1.0);
        assertThat(generator.requests.getFirst().stopStrings()).isEmpty();
    }

    @Test
    void nChoicesUseSuccessiveSeedsAndAreIndexed() {
        var reply = http.post("/v1/completions", """
                {"prompt":"a","max_tokens":5,"n":3,"seed":100}""");
        JsonNode choices = reply.json().get("choices");
        assertThat(choices).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(choices.get(i).get("index").asInt()).isEqualTo(i);
        }
        assertThat(generator.requests.stream().map(r -> r.sampling().seed()).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(100L, 101L, 102L);
        assertThat(reply.json().get("usage").get("completion_tokens").asInt()).isEqualTo(15);
        assertThat(reply.json().get("usage").get("prompt_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void sameSeedSameOutput() {
        String request = """
                {"prompt":"a","max_tokens":12,"seed":42,"temperature":1}""";
        String first = http.post("/v1/completions", request).json().get("choices").get(0).get("text").asText();
        String second = http.post("/v1/completions", request).json().get("choices").get(0).get("text").asText();
        String other = http.post("/v1/completions", request.replace("42", "43"))
                .json().get("choices").get(0).get("text").asText();
        assertThat(second).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void promptArraysGiveOneSetOfChoicesPerPrompt() {
        var reply = http.post("/v1/completions", """
                {"prompt":["a","bb",[5,6,7]],"max_tokens":1,"temperature":0}""");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("choices")).hasSize(3);
        assertThat(generator.requests.stream().map(r -> r.prompt().length).toList())
                .containsExactlyInAnyOrder(2, 3, 3);
        assertThat(reply.json().get("usage").get("prompt_tokens").asInt()).isEqualTo(8);
    }

    @Test
    void tokenIdPromptIsUsedAsIs() {
        http.post("/v1/completions", """
                {"prompt":[1,70,71],"max_tokens":1}""");
        assertThat(generator.requests.getFirst().prompt()).containsExactly(1, 70, 71);
    }

    @Test
    void contentPartsToolCallsToolsAndKwargsReachTheTemplate() {
        var reply = http.post("/apply-template", """
                {"messages":[{"role":"system","content":[{"type":"text","text":"A"},{"type":"text","text":"B"}]},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                   "function":{"name":"f","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"c1","content":"42"}],
                 "tools":[{"type":"function","function":{"name":"f","parameters":{}}}],
                 "chat_template_kwargs":{"enable_thinking":false}}""");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("prompt").asText()).isEqualTo("<s>[system]A\nB\n"
                + "[assistant]{calls:[{id=c1, type=function, function={name=f, arguments={}}}]}\n"
                + "[tool]42\ntools=1\nenable_thinking=false\n[assistant]");
        var noGeneration = http.post("/apply-template", """
                {"messages":[{"role":"user","content":"q"}],"add_generation_prompt":false}""");
        assertThat(noGeneration.json().get("prompt").asText()).isEqualTo("<s>[user]q\n");
    }

    // ---- streaming ----

    @Test
    void chatStreamFraming() {
        var reply = http.post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"a"}],"max_tokens":3,"temperature":0,"stream":true,
                 "stream_options":{"include_usage":true}}""");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).startsWith("text/event-stream");
        List<String> events = reply.events();
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(HttpHarness.Reply::parse).toList();
        String id = chunks.getFirst().get("id").asText();
        assertThat(id).startsWith("chatcmpl-");
        for (JsonNode chunk : chunks) {
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("id").asText()).isEqualTo(id);
            assertThat(chunk.has("usage")).isTrue();
        }
        JsonNode first = chunks.getFirst().get("choices").get(0);
        assertThat(first.get("delta").toString()).isEqualTo("{\"role\":\"assistant\",\"content\":\"\"}");
        assertThat(first.get("finish_reason").isNull()).isTrue();
        assertThat(chunks.getFirst().get("usage").isNull()).isTrue();
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : chunks.subList(1, chunks.size() - 2)) {
            JsonNode choice = chunk.get("choices").get(0);
            assertThat(choice.get("finish_reason").isNull()).isTrue();
            assertThat(choice.get("delta").has("role")).isFalse();
            text.append(choice.get("delta").get("content").asText());
        }
        assertThat(text.toString()).isEqualTo(" once upon a");
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.get("choices").get(0).get("delta").toString()).isEqualTo("{}");
        assertThat(finish.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(finish.get("usage").isNull()).isTrue();
        JsonNode usage = chunks.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("completion_tokens").asInt()).isEqualTo(3);
        assertThat(usage.get("usage").get("total_tokens").asInt())
                .isEqualTo(usage.get("usage").get("prompt_tokens").asInt() + 3);
    }

    @Test
    void streamWithoutUsageOptionHasNoUsageField() {
        var reply = http.post("/v1/completions", """
                {"prompt":"a","max_tokens":2,"temperature":0,"stream":true}""");
        List<String> events = reply.events();
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(HttpHarness.Reply::parse).toList();
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.has("usage")).isFalse();
            assertThat(c.get("object").asText()).isEqualTo("text_completion");
        });
        assertThat(chunks.stream().map(c -> c.get("choices").get(0).get("text").asText())
                .collect(Collectors.joining())).isEqualTo(" once upon");
        JsonNode last = chunks.getLast().get("choices").get(0);
        assertThat(last.get("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void stopStringsAreCutInStreams() {
        var reply = http.post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"a"}],"temperature":0,"stream":true,"stop":" tim"}""");
        List<String> events = reply.events();
        String text = events.subList(0, events.size() - 1).stream().map(HttpHarness.Reply::parse)
                .map(c -> c.get("choices").get(0).get("delta").path("content").asText(""))
                .collect(Collectors.joining());
        assertThat(text).isEqualTo(" once upon a");
        JsonNode finish = HttpHarness.Reply.parse(events.get(events.size() - 2));
        assertThat(finish.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void twoChoicesStreamInterleavedByIndex() {
        generator.millisPerToken = 2;
        var reply = http.post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"a"}],"n":2,"seed":5,"max_tokens":4,"stream":true}""");
        List<String> events = reply.events();
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(HttpHarness.Reply::parse).toList();
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder()};
        int[] finishes = new int[2];
        int[] roles = new int[2];
        for (JsonNode chunk : chunks) {
            JsonNode choice = chunk.get("choices").get(0);
            int index = choice.get("index").asInt();
            if (choice.get("delta").has("role")) {
                roles[index]++;
            }
            texts[index].append(choice.get("delta").path("content").asText(""));
            if (!choice.get("finish_reason").isNull()) {
                finishes[index]++;
            }
        }
        assertThat(roles).containsExactly(1, 1);
        assertThat(finishes).containsExactly(1, 1);
        // Each stream equals the same choice generated alone with its own seed.
        for (int i = 0; i < 2; i++) {
            String alone = http.post("/v1/chat/completions", """
                    {"messages":[{"role":"user","content":"a"}],"seed":%d,"max_tokens":4}""".formatted(5 + i))
                    .json().get("choices").get(0).get("message").get("content").asText();
            assertThat(texts[i].toString()).isEqualTo(alone);
        }
    }

    @Test
    void clientDisconnectCancelsGeneration() throws Exception {
        generator.millisPerToken = 20;
        int cancelledBefore = generator.cancelled.get();
        HttpRequest request = http.request("/v1/completions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"prompt":"a","stream":true,"temperature":0}""")).build();
        HttpResponse<InputStream> response = http.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            byte[] firstBytes = body.readNBytes(20);
            assertThat(new String(firstBytes, StandardCharsets.UTF_8)).startsWith("data: ");
        } // closing the body mid-stream drops the connection
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (generator.cancelled.get() == cancelledBefore && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(generator.cancelled.get()).isEqualTo(cancelledBefore + 1);
        generator.millisPerToken = 0;
        assertThat(http.get("/health").status()).isEqualTo(200);
    }

    // ---- errors ----

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"prompt":"a","temperature":3}                        | 400 | temperature
            {"prompt":"a","temperature":-0.1}                     | 400 | temperature
            {"prompt":"a","temperature":"hot"}                    | 400 | temperature
            {"prompt":"a","top_p":0}                              | 400 | top_p
            {"prompt":"a","top_p":1.5}                            | 400 | top_p
            {"prompt":"a","n":0}                                  | 400 | n
            {"prompt":"a","n":1000}                               | 400 | n
            {"prompt":"a","n":1.5}                                | 400 | n
            {"prompt":"a","max_tokens":0}                         | 400 | max_tokens
            {"prompt":"a","max_tokens":"ten"}                     | 400 | max_tokens
            {"prompt":"a","stop":["a","b","c","d","e"]}           | 400 | stop
            {"prompt":"a","stop":5}                               | 400 | stop
            {"prompt":"a","seed":"x"}                             | 400 | seed
            {"prompt":"a","stream":"yes"}                         | 400 | stream
            {"prompt":"a","stream_options":{"include_usage":1}}   | 400 | stream_options.include_usage
            {"prompt":"a","presence_penalty":3}                   | 400 | presence_penalty
            {"prompt":"a","top_k":-1}                             | 400 | top_k
            {"prompt":"a","min_p":2}                              | 400 | min_p
            {"prompt":"a","model":7}                              | 400 | model
            {"prompt":5}                                          | 400 | prompt
            {"prompt":[1,-4]}                                     | 400 | prompt
            {"prompt":[1,99999]}                                  | 400 | prompt
            {"prompt":[]}                                         | 400 | prompt
            {"max_tokens":3}                                      | 400 | prompt
            {"prompt":"a","logprobs":-1}                          | 400 | logprobs
            {"prompt":"a","logprobs":21}                          | 400 | logprobs
            {"prompt":"a","logprobs":true}                        | 400 | logprobs
            {"prompt":"a","logprobs":2.5}                         | 400 | logprobs
            """)
    void invalidCompletionRequests(String body, int status, String param) {
        assertError(http.post("/v1/completions", body), status, "invalid_request_error", param);
        assertThat(generator.requests).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"model":"scripted"}                                                  | messages
            {"messages":[]}                                                       | messages
            {"messages":"hi"}                                                     | messages
            {"messages":[{"content":"x"}]}                                        | messages[0].role
            {"messages":[{"role":"wizard","content":"x"}]}                        | messages[0].role
            {"messages":[{"role":"user"}]}                                        | messages[0].content
            {"messages":[{"role":"user","content":5}]}                            | messages[0].content
            {"messages":[{"role":"user","content":[{"type":"image_url"}]}]}       | messages[0].content[0].type
            {"messages":[{"role":"user","content":"a"}],"max_completion_tokens":-1} | max_completion_tokens
            {"messages":[{"role":"user","content":"a"}],"chat_template_kwargs":3} | chat_template_kwargs
            {"messages":[{"role":"user","content":"a"}],"top_logprobs":2}         | top_logprobs
            {"messages":[{"role":"user","content":"a"}],"logprobs":false,"top_logprobs":0} | top_logprobs
            {"messages":[{"role":"user","content":"a"}],"logprobs":true,"top_logprobs":21} | top_logprobs
            {"messages":[{"role":"user","content":"a"}],"logprobs":true,"top_logprobs":-1} | top_logprobs
            {"messages":[{"role":"user","content":"a"}],"logprobs":3}             | logprobs
            {"messages":[{"role":"user","content":"a"}],"tools":{}}               | tools
            """)
    void invalidChatRequests(String body, String param) {
        assertError(http.post("/v1/chat/completions", body), 400, "invalid_request_error", param);
    }

    @Test
    void malformedJsonIs400() {
        assertError(http.post("/v1/chat/completions", "{\"messages\": ["), 400, "invalid_request_error", null);
        assertError(http.post("/v1/chat/completions", ""), 400, "invalid_request_error", null);
        assertError(http.post("/v1/chat/completions", "[1,2]"), 400, "invalid_request_error", null);
        assertError(http.post("/v1/completions", "{\"prompt\":\"a\"} trailing"), 400, "invalid_request_error", null);
    }

    @Test
    void unknownModelIs404() {
        var reply = http.post("/v1/chat/completions", """
                {"model":"gpt-17","messages":[{"role":"user","content":"a"}]}""");
        assertError(reply, 404, "invalid_request_error", "model");
        assertThat(reply.json().get("error").get("code").asText()).isEqualTo("model_not_found");
        assertError(http.get("/v1/models/gpt-17"), 404, "invalid_request_error", "model");
    }

    @Test
    void promptLongerThanContextIs400() {
        var reply = http.post("/v1/completions", "{\"prompt\":\"" + "x".repeat(CONTEXT) + "\"}");
        assertError(reply, 400, "invalid_request_error", "messages");
        assertThat(reply.json().get("error").get("code").asText()).isEqualTo("context_length_exceeded");
        var chat = http.post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(CONTEXT) + "\"}],\"stream\":true}");
        assertThat(chat.status()).isEqualTo(400);
        assertThat(chat.json().get("error").get("code").asText()).isEqualTo("context_length_exceeded");
    }

    @Test
    void routingErrorsAreOpenAiShaped() {
        assertError(http.get("/v1/nothing"), 404, "invalid_request_error", null);
        assertError(http.post("/v2/chat/completions", "{}"), 404, "invalid_request_error", null);
        assertError(http.get("/v1/chat/completions"), 405, "invalid_request_error", null);
        assertError(http.method("DELETE", "/v1/models"), 405, "invalid_request_error", null);
    }

    @Test
    void oversizedBodyIs413() {
        var reply = http.post("/v1/completions", "{\"prompt\":\"" + "x".repeat(70 * 1024) + "\"}");
        assertError(reply, 413, "invalid_request_error", null);
    }

    @Test
    void serverKeepsServingAfterBadRequests() {
        http.post("/v1/completions", "{{{{");
        http.post("/v1/completions", "{\"prompt\":\"a\",\"temperature\":99}");
        http.post("/v1/completions", "{\"prompt\":\"" + "x".repeat(70 * 1024) + "\"}");
        http.get("/nope");
        var reply = http.post("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":1,\"temperature\":0}");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("choices").get(0).get("text").asText()).isEqualTo(" once");
    }

    // ---- models and helpers ----

    @Test
    void templateRefusingSystemGetsItFoldedIntoTheFirstUserTurn() {
        var reply = http.post("/apply-template", """
                {"model":"strict","messages":[{"role":"system","content":"S"},{"role":"user","content":"U"}]}""");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().get("prompt").asText()).isEqualTo("[user]S\nU\n[assistant]");
    }

    @Test
    void templateRefusalIs400WithTheTemplatesMessage() {
        var reply = http.post("/v1/chat/completions", """
                {"model":"strict","messages":[{"role":"user","content":"forbidden"}]}""");
        assertError(reply, 400, "invalid_request_error", "messages");
        assertThat(reply.json().get("error").get("message").asText()).contains("Conversation roles must alternate");
        assertThat(generator.requests).isEmpty();
    }

    @Test
    void modelsListAndGet() {
        JsonNode list = http.get("/v1/models").json();
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data")).hasSize(3);
        JsonNode first = list.get("data").get(0);
        assertThat(first.get("id").asText()).isEqualTo("scripted");
        assertThat(first.get("object").asText()).isEqualTo("model");
        assertThat(first.get("created").asLong()).isEqualTo(1_700_000_000L);
        assertThat(first.get("owned_by").asText()).isEqualTo("infer4j");
        assertThat(first.get("meta").toString()).isEqualTo(
                "{\"context_length\":64,\"architecture\":\"llama\",\"parameters\":1234,\"quantization\":\"F32\","
                        + "\"trained_context_length\":2048,\"vocab_size\":259}");
        JsonNode one = http.get("/v1/models/second").json();
        assertThat(one.get("id").asText()).isEqualTo("second");
        var chosen = http.post("/v1/completions", "{\"model\":\"second\",\"prompt\":\"a\",\"max_tokens\":1}");
        assertThat(chosen.json().get("model").asText()).isEqualTo("second");
    }

    @Test
    void healthTokenizeDetokenize() {
        assertThat(http.get("/health").json().toString()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(http.post("/tokenize", "{\"content\":\"ab\"}").json().toString()).isEqualTo("{\"tokens\":[100,101]}");
        assertThat(http.post("/tokenize", "{\"content\":\"a<s>\",\"add_special\":true}").json().toString())
                .isEqualTo("{\"tokens\":[1,100,1]}");
        assertThat(http.post("/tokenize", "{\"content\":\"a<s>\",\"parse_special\":false}").json().get("tokens"))
                .hasSize(4);
        assertThat(http.post("/tokenize", "{\"content\":\"é\",\"with_pieces\":true}").json().toString())
                .isEqualTo("{\"tokens\":[{\"id\":198,\"piece\":[195]},{\"id\":172,\"piece\":[169]}]}");
        assertThat(http.post("/detokenize", "{\"tokens\":[1,100,101]}").json().toString())
                .isEqualTo("{\"content\":\"<s>ab\"}");
        assertError(http.post("/tokenize", "{}"), 400, "invalid_request_error", "content");
        assertError(http.post("/detokenize", "{\"tokens\":[\"a\"]}"), 400, "invalid_request_error", "tokens");
        assertError(http.post("/tokenize", "{\"content\":\"a\",\"model\":\"zzz\"}"), 404, "invalid_request_error",
                "model");
    }

    @Test
    void apiKeyGuardsEverythingButHealth() {
        try (ApiServer guarded = new ApiServer(registry,
                new ServerOptions("127.0.0.1", 0, Optional.of("sesame"), 1024 * 1024)).start()) {
            HttpHarness anonymous = new HttpHarness(guarded.url());
            assertThat(anonymous.get("/health").status()).isEqualTo(200);
            assertError(anonymous.get("/v1/models"), 401, "invalid_request_error", null);
            assertError(anonymous.post("/v1/completions", "{\"prompt\":\"a\"}"), 401, "invalid_request_error", null);
            assertError(anonymous.withKey("wrong").get("/v1/models"), 401, "invalid_request_error", null);
            assertThat(anonymous.withKey("sesame").get("/v1/models").status()).isEqualTo(200);
            var reply = anonymous.withKey("sesame").post("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":1}");
            assertThat(reply.status()).isEqualTo(200);
        }
    }

    static void assertError(HttpHarness.Reply reply, int status, String type, String param) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.contentType()).startsWith("application/json");
        JsonNode error = reply.json().get("error");
        assertThat(error).as(reply.body()).isNotNull();
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.get("type").asText()).isEqualTo(type);
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
        if (param != null) {
            assertThat(error.get("param").asText()).isEqualTo(param);
        }
    }
}
