package org.infer4j.server.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.infer4j.gguf.LlamaCppPeer;
import org.infer4j.server.api.ApiServer;
import org.infer4j.server.api.ServerOptions;
import org.infer4j.server.registry.LoadSettings;
import org.infer4j.server.registry.ModelRegistry;
import org.infer4j.server.registry.ModelSource;
import org.infer4j.server.registry.RegistryLoader;

/**
 * Serves one GGUF file with infer4j (in-process) and with llama-server (the peer) and asks both the same
 * {@code /v1/completions} questions over HTTP, as a client would:
 * <ul>
 * <li>the next token's top-5 log-probabilities after each prompt ({@code max_tokens: 1, logprobs: 5}, greedy),
 *     compared on the tokens both top-5 lists hold;</li>
 * <li>the greedy 32-token continuation of each prompt, compared as text (exact match or not);</li>
 * <li>what {@code /v1/models} says the model is, against the peer's own description.</li>
 * </ul>
 * Both servers get the same context size, one sequence slot and an F32 KV cache on the peer's side (ours is F32).
 * The peer runs with {@code --no-repack}: its repacked CPU layouts for Q8_0/Q4_0 crash on stories260K's narrow
 * matrices, and the plain layout is ggml's reference path anyway.
 */
public final class ServerParity {
    /** Story-like prompts: what the small fixture models were trained on, and plain English for larger ones. */
    public static final List<String> PROMPTS = List.of(
            "Once upon a time",
            "The little dog",
            "Lily and Tom went to the park. They",
            "One day, a big bear found a",
            "Sam",
            "The sun was shining and the birds");
    public static final int TOP = 5;
    public static final int GREEDY_TOKENS = 32;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int THREADS = 2;

    private ServerParity() {}

    /**
     * How one (model, type) compares.
     *
     * @param shared          alternatives found in both top-5 lists, over all prompts
     * @param offered         alternatives in our top-5 lists, over all prompts
     * @param topOneMatches   prompts whose most likely next token is the same on both sides
     * @param maxAbsDiff      largest |Δ log-prob| over the shared alternatives, in nats
     * @param meanAbsDiff     mean |Δ log-prob| over the shared alternatives
     * @param greedyMatches   prompts whose greedy continuation is the same text on both sides
     * @param ourModel        infer4j's {@code /v1/models} meta for the file
     * @param peerModel       llama-server's {@code /v1/models} meta for the file
     */
    public record Result(String model, String type, int prompts, int shared, int offered, int topOneMatches,
                         double maxAbsDiff, double meanAbsDiff, int greedyMatches, JsonNode ourModel,
                         JsonNode peerModel) {

        public static String markdownHeader() {
            return "| model | type | top-5 shared | top-1 agree | max abs Δ logprob | mean abs Δ logprob | greedy 32 exact |\n"
                    + "|---|---|---|---|---|---|---|";
        }

        public String markdownRow() {
            return String.format(Locale.ROOT, "| %s | %s | %d/%d | %d/%d | %.2e | %.2e | %d/%d |", model, type, shared,
                    offered, topOneMatches, prompts, maxAbsDiff, meanAbsDiff, greedyMatches, prompts);
        }
    }

    /** Compares infer4j with the peer on {@code gguf}; {@code model} and {@code type} label the result. */
    public static Result compare(String model, String type, Path gguf) {
        try (ModelRegistry registry = RegistryLoader.load(List.of(new ModelSource(gguf, Optional.of(model))),
                new LoadSettings(THREADS, Optional.empty(), Optional.empty()));
             ApiServer ours = new ApiServer(registry, new ServerOptions("127.0.0.1", 0, Optional.empty(),
                     ServerOptions.DEFAULT_MAX_BODY_BYTES)).start();
             LlamaCppPeer.Server peer = LlamaCppPeer.startServer(gguf, "-c",
                     Integer.toString(registry.defaultModel().contextSize()), "-np", "1", "-ctk", "f32", "-ctv", "f32",
                     "-fa", "off", "--no-repack");
             HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            Endpoint infer4j = new Endpoint(client, URI.create(ours.url()));
            Endpoint llama = new Endpoint(client, peer.uri(""));
            int shared = 0;
            int offered = 0;
            int topOne = 0;
            double max = 0;
            double sum = 0;
            int greedy = 0;
            for (String prompt : PROMPTS) {
                String next = nextTokenRequest(prompt);
                List<Map.Entry<String, Double>> ourTop = oursTop(infer4j.post("/v1/completions", next));
                Map<String, Double> peerTop = peerTop(llama.post("/v1/completions", next));
                offered += ourTop.size();
                for (var entry : ourTop) {
                    Double theirs = peerTop.get(entry.getKey());
                    if (theirs != null) {
                        double diff = Math.abs(entry.getValue() - theirs);
                        max = Math.max(max, diff);
                        sum += diff;
                        shared++;
                    }
                }
                String peerBest = peerTop.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
                if (!ourTop.isEmpty() && ourTop.getFirst().getKey().equals(peerBest)) {
                    topOne++;
                }
                String continuation = greedyRequest(prompt);
                String ourText = text(infer4j.post("/v1/completions", continuation));
                String peerText = text(llama.post("/v1/completions", continuation));
                if (ourText.equals(peerText)) {
                    greedy++;
                }
            }
            JsonNode ourMeta = infer4j.get("/v1/models").get("data").get(0).get("meta");
            JsonNode peerMeta = llama.get("/v1/models").get("data").get(0).get("meta");
            return new Result(model, type, PROMPTS.size(), shared, offered, topOne, max,
                    shared == 0 ? Double.NaN : sum / shared, greedy, ourMeta, peerMeta);
        }
    }

    private static String nextTokenRequest(String prompt) {
        return "{\"prompt\":" + quote(prompt) + ",\"max_tokens\":1,\"temperature\":0,\"logprobs\":" + TOP + "}";
    }

    private static String greedyRequest(String prompt) {
        return "{\"prompt\":" + quote(prompt) + ",\"max_tokens\":" + GREEDY_TOKENS + ",\"temperature\":0}";
    }

    /** Ours answers in OpenAI's legacy shape: {@code top_logprobs: [{piece: logprob}]}, best first. */
    private static List<Map.Entry<String, Double>> oursTop(JsonNode response) {
        JsonNode top = response.get("choices").get(0).get("logprobs").get("top_logprobs").get(0);
        return top.properties().stream().limit(TOP)
                .map(e -> Map.entry(e.getKey(), e.getValue().asDouble())).toList();
    }

    /** llama-server answers /v1/completions in the chat shape: {@code content: [{top_logprobs: [{bytes, logprob}]}]}. */
    private static Map<String, Double> peerTop(JsonNode response) {
        Map<String, Double> top = new HashMap<>();
        for (JsonNode alternative : response.get("choices").get(0).get("logprobs").get("content").get(0)
                .get("top_logprobs")) {
            byte[] bytes = new byte[alternative.get("bytes").size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) alternative.get("bytes").get(i).asInt();
            }
            top.putIfAbsent(legacyName(bytes), alternative.get("logprob").asDouble());
        }
        return top;
    }

    /** The legacy API's name for a piece: its text, or {@code bytes:\xNN...} when it is not whole UTF-8. */
    static String legacyName(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            StringBuilder name = new StringBuilder("bytes:");
            // Ours escapes only the bytes outside whole characters; a piece mixing both never ties with a peer
            // piece anyway, so escaping every byte here just leaves such a token out of the comparison.
            for (byte b : bytes) {
                name.append(String.format("\\x%02x", b & 0xFF));
            }
            return name.toString();
        }
    }

    private static String text(JsonNode response) {
        return response.get("choices").get(0).get("text").asText();
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Endpoint(HttpClient client, URI base) {
        JsonNode post(String path, String body) {
            return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        JsonNode get(String path) {
            return send(HttpRequest.newBuilder(base.resolve(path)).GET());
        }

        private JsonNode send(HttpRequest.Builder request) {
            try {
                HttpResponse<String> response = client.send(request.timeout(Duration.ofMinutes(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new AssertionError(base + " answered " + response.statusCode() + ": " + response.body());
                }
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new AssertionError(base + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * Prints the table for GGUF files given as {@code model=type=path} arguments (e.g. {@code stories260K=F32=/m.gguf}).
     */
    public static void main(String[] args) {
        System.out.println(Result.markdownHeader());
        for (String arg : args) {
            String[] parts = arg.split("=", 3);
            if (parts.length != 3) {
                throw new IllegalArgumentException("expected model=type=path, got " + arg);
            }
            System.out.println(compare(parts[0], parts[1], Path.of(parts[2])).markdownRow());
        }
    }
}
