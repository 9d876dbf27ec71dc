package org.infer4j.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.ThreadLocalRandom;
import org.infer4j.engine.generate.GenerationRequest;
import org.infer4j.engine.sampling.SamplingParams;

/**
 * The generation settings shared by chat and text completions, validated.
 *
 * <p>Defaults when a field is absent follow OpenAI's documentation: temperature 1, top_p 1, presence and
 * frequency penalties 0, n 1, no stop strings, a random seed. llama.cpp's extensions are off unless given:
 * top_k 0 (off), min_p 0 (off), repeat_penalty 1 (off, window 64). Without max_tokens generation runs to an
 * end-of-generation token or the end of the context window.
 *
 * @param maxTokens    most tokens per choice ({@link Integer#MAX_VALUE} when not limited)
 * @param sampling     sampler settings of choice 0; choice i uses seed {@code seed + i}
 * @param includeUsage streaming only: send a final usage chunk
 * @param logprobs     alternatives reported with each generated token's log-probability, or
 *                     {@link GenerationRequest#NO_LOGPROBS} (see {@link #chatLogprobs} and {@link #textLogprobs})
 */
record GenerationOptions(int n, int maxTokens, List<String> stop, SamplingParams sampling, boolean stream,
                         boolean includeUsage, int logprobs) {

    /** Upper bound on {@code n}: every choice is a sequence in the model's batch. */
    static final int MAX_CHOICES = 16;
    static final int MAX_STOP_STRINGS = 4;
    static final int REPEAT_WINDOW = 64;
    /**
     * Most alternatives per token: OpenAI's bound for chat's {@code top_logprobs}. The legacy completions API
     * documents 5 for {@code logprobs}; like llama-server and vLLM we accept up to this bound there too.
     */
    static final int MAX_TOP_LOGPROBS = 20;

    boolean wantsLogprobs() {
        return logprobs != GenerationRequest.NO_LOGPROBS;
    }

    GenerationRequest request(int[] prompt, int choice) {
        return new GenerationRequest(prompt, samplingForChoice(choice), maxTokens, stop, logprobs);
    }

    /**
     * Chat: {@code logprobs: true} asks for the sampled tokens' log-probabilities, {@code top_logprobs} (0 to 20)
     * for that many alternatives too; {@code top_logprobs} without {@code logprobs: true} is refused, as by OpenAI.
     */
    static int chatLogprobs(RequestObject body) {
        boolean wanted = body.bool("logprobs").orElse(false);
        var top = body.integer("top_logprobs");
        if (top.isPresent() && !wanted) {
            throw ApiException.invalidValue("'top_logprobs' requires 'logprobs' to be true.", "top_logprobs");
        }
        if (!wanted) {
            return GenerationRequest.NO_LOGPROBS;
        }
        return (int) inRange(body, "top_logprobs", top.orElse(0), 0, MAX_TOP_LOGPROBS);
    }

    /** Legacy completions: {@code logprobs} is the number of alternatives (0 to 20); absent means none. */
    static int textLogprobs(RequestObject body) {
        var count = body.integer("logprobs");
        if (count.isEmpty()) {
            return GenerationRequest.NO_LOGPROBS;
        }
        return (int) inRange(body, "logprobs", count.getAsLong(), 0, MAX_TOP_LOGPROBS);
    }

    SamplingParams samplingForChoice(int choice) {
        SamplingParams s = sampling;
        return new SamplingParams(s.temperature(), s.topK(), s.topP(), s.minP(), s.seed() + choice,
                s.presencePenalty(), s.frequencyPenalty(), s.repeatPenalty(), s.repeatLastN());
    }

    /**
     * @param maxTokensField the endpoint's preferred name for the token budget, or null for {@code max_tokens}
     * @param logprobs       the endpoint's reading of its log-probability fields
     */
    static GenerationOptions parse(RequestObject body, String maxTokensField, int logprobs) {
        int n = (int) inRange(body, "n", body.integer("n").orElse(1), 1, MAX_CHOICES);
        int maxTokens = maxTokens(body, maxTokensField);
        List<String> stop = stop(body);
        double temperature = range(body, "temperature", body.number("temperature"), 1.0, 0, 2);
        double topP = body.number("top_p").orElse(1.0);
        if (!(topP > 0 && topP <= 1)) {
            throw ApiException.invalidValue("'top_p' must be greater than 0 and at most 1.", "top_p");
        }
        double presence = range(body, "presence_penalty", body.number("presence_penalty"), 0, -2, 2);
        double frequency = range(body, "frequency_penalty", body.number("frequency_penalty"), 0, -2, 2);
        int topK = (int) inRange(body, "top_k", body.integer("top_k").orElse(0), 0, Integer.MAX_VALUE);
        double minP = range(body, "min_p", body.number("min_p"), 0, 0, 1);
        double repeatPenalty = range(body, "repeat_penalty", body.number("repeat_penalty"), 1, 0, Double.MAX_VALUE);
        long seed = body.integer("seed").orElseGet(() -> ThreadLocalRandom.current().nextLong(1L << 32));
        boolean stream = body.bool("stream").orElse(false);
        boolean includeUsage = false;
        var streamOptions = body.object("stream_options");
        if (streamOptions.isPresent()) {
            includeUsage = streamOptions.get().bool("include_usage").orElse(false);
        }
        SamplingParams sampling = new SamplingParams(temperature, topK, topP, minP, seed, presence, frequency,
                repeatPenalty, REPEAT_WINDOW);
        return new GenerationOptions(n, maxTokens, stop, sampling, stream, includeUsage, logprobs);
    }

    /** {@code max_completion_tokens} (chat's current name) wins over the older {@code max_tokens}. */
    private static int maxTokens(RequestObject body, String preferredField) {
        String field = preferredField != null && body.has(preferredField) ? preferredField : "max_tokens";
        var value = body.integer(field);
        if (value.isEmpty()) {
            return Integer.MAX_VALUE;
        }
        return (int) inRange(body, field, value.getAsLong(), 1, Integer.MAX_VALUE);
    }

    private static List<String> stop(RequestObject body) {
        JsonNode value = body.raw("stop");
        if (value == null) {
            return List.of();
        }
        if (value.isTextual()) {
            return value.textValue().isEmpty() ? List.of() : List.of(value.textValue());
        }
        if (!value.isArray()) {
            throw body.wrongType("stop", "a string or an array of strings");
        }
        if (value.size() > MAX_STOP_STRINGS) {
            throw ApiException.invalidValue("'stop' may hold at most " + MAX_STOP_STRINGS + " strings.", "stop");
        }
        List<String> stops = new ArrayList<>();
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw body.wrongType("stop", "a string or an array of strings");
            }
            if (!element.textValue().isEmpty()) {
                stops.add(element.textValue());
            }
        }
        return stops;
    }

    private static double range(RequestObject body, String field, OptionalDouble value, double absent, double min,
                                double max) {
        double v = value.orElse(absent);
        if (!(v >= min && v <= max)) {
            throw ApiException.invalidValue("'" + body.param(field) + "' must be between " + fmt(min) + " and "
                    + fmt(max) + ", got " + fmt(v) + ".", body.param(field));
        }
        return v;
    }

    private static long inRange(RequestObject body, String field, long value, long min, long max) {
        if (value < min || value > max) {
            String bound = max == Integer.MAX_VALUE ? "at least " + min : "between " + min + " and " + max;
            throw ApiException.invalidValue("'" + body.param(field) + "' must be " + bound + ", got " + value + ".",
                    body.param(field));
        }
        return value;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
