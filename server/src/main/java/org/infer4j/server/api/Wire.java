package org.infer4j.server.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Response bodies exactly as OpenAI's API (and llama-server, for its extra endpoints) shape them.
 * Field names become snake_case on the wire ({@link Json}); a null field is written as {@code null}
 * unless the record says otherwise, because OpenAI sends e.g. {@code "logprobs": null} explicitly.
 */
final class Wire {
    private Wire() {}

    record ErrorBody(ErrorDetail error) {}

    record ErrorDetail(String message, String type, String param, String code) {}

    record UsageBody(int promptTokens, int completionTokens, int totalTokens) {}

    record ModelList(String object, List<ModelEntry> data) {}

    record ModelEntry(String id, String object, long created, String ownedBy, ModelMeta meta) {}

    /**
     * @param contextLength        positions a sequence gets on this server ({@code --ctx-size})
     * @param trainedContextLength the model's own ({@code <arch>.context_length}), 0 when the file does not say
     */
    record ModelMeta(int contextLength, String architecture, long parameters, String quantization,
                     int trainedContextLength, int vocabSize) {}

    record ChatCompletion(String id, String object, long created, String model, List<ChatChoice> choices,
                          UsageBody usage) {}

    record ChatChoice(int index, AssistantMessage message, String finishReason, Object logprobs) {}

    record AssistantMessage(String role, String content, Object refusal) {}

    /**
     * {@code usage}: a {@link UsageBody}; or {@code NullNode} (written as null) on the content chunks when the
     * client asked for usage; or Java null (left out) when it did not.
     */
    record ChatChunk(String id, String object, long created, String model, List<ChunkChoice> choices,
                     @JsonInclude(JsonInclude.Include.NON_NULL) Object usage) {}

    record ChunkChoice(int index, Delta delta, Object logprobs, String finishReason) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String role, String content) {}

    /** Whole response or stream chunk; {@code usage} as in {@link ChatChunk}. */
    record TextCompletion(String id, String object, long created, String model, List<TextChoice> choices,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Object usage) {}

    record TextChoice(String text, int index, Object logprobs, String finishReason) {}

    /** Chat's {@code choices[].logprobs}. */
    record ChatLogprobs(List<ChatTokenLogprob> content, Object refusal) {}

    record ChatTokenLogprob(String token, double logprob, int[] bytes, List<ChatTopLogprob> topLogprobs) {}

    record ChatTopLogprob(String token, double logprob, int[] bytes) {}

    /** The legacy completions API's {@code choices[].logprobs}: parallel arrays, one element per token. */
    record TextLogprobs(List<String> tokens, List<Double> tokenLogprobs, List<Map<String, Double>> topLogprobs,
                       List<Integer> textOffset) {}

    record Health(String status) {}

    record Tokens(List<Object> tokens) {}

    record TokenPiece(int id, Object piece) {}

    record Detokenized(String content) {}

    record RenderedPrompt(String prompt) {}
}
