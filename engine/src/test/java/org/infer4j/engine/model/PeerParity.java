package org.infer4j.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.LlamaCppPeer;

/**
 * How closely infer4j follows llama.cpp (the peer) on one model: the one measure every parity test uses, and
 * the two ways of getting the numbers it compares.
 * <ul>
 * <li><b>Engine level</b> ({@link #peerPaths} then {@link #alongPeerPaths}): llama-server's greedy path with its
 *     top-10 log-probabilities per step, by token id; our {@link LanguageModel} is fed the peer's tokens, so every
 *     step is compared even after a near-tie.</li>
 * <li><b>HTTP level</b> ({@link #overHttp}): the same {@code /v1/completions} request (greedy, {@code logprobs: 5})
 *     sent to infer4j and to llama-server, as a client would; the top-5 lists are compared by piece along the
 *     steps both continuations share, up to and including the first step where they part.</li>
 * </ul>
 * Either way the measure ({@link Result}) is: |Δ log-prob| (max, mean) on the tokens both top lists hold; the same
 * relative to the peer's top token (which leaves out the softmax normaliser); top-1 agreement per step, where a
 * disagreement is allowed only at a near-tie in the peer's own numbers; and exact greedy continuations per prompt.
 */
public final class PeerParity {
    /** Top log-probabilities the peer reports per step at engine level (llama-server's {@code n_probs}). */
    public static final int ENGINE_TOP = 10;
    /** Top log-probabilities asked over HTTP ({@code logprobs}). */
    public static final int HTTP_TOP = 5;
    /**
     * The peer computing what we compute: F32 KV cache (ours is F32), no flash attention (a different summation),
     * no weight repacking (its repacked Q4_0/Q8_0 layouts crash on narrow matrices, and the plain layout is ggml's
     * reference path), one slot, two threads (LlamaCppPeer adds {@code -t 2}).
     */
    public static final List<String> PEER_ARGS = List.of("-np", "1", "-ctk", "f32", "-ctv", "f32", "-fa", "off",
            "--no-repack");

    /**
     * Log-probabilities below this are not compared: llama-server takes the log of a float probability, which
     * below e^-87.3 is subnormal (a few digits left) and below e^-103 zero (reported as -FLT_MAX). Only very sure
     * random models (the gemma families of FamilyParityTest) list such alternatives in their top 10.
     */
    static final double NO_DIGITS = -80;

    private static final ObjectMapper JSON = new ObjectMapper();

    private PeerParity() {}

    /**
     * The measure over every compared step.
     *
     * @param prompts            prompts run
     * @param steps              steps compared (engine level: all; HTTP: those on the shared path, plus the parting one)
     * @param offered            alternatives in the peer's top lists, over all steps (but those too unlikely to
     *                           compare, see {@link #NO_DIGITS})
     * @param shared             of those, the ones our top list also holds (engine level: all)
     * @param maxNextTokenDiff   largest |Δ log-prob| over shared alternatives of the first step (the next token
     *                           after each prompt), in nats
     * @param meanNextTokenDiff  mean of the same
     * @param maxAbsDiff         largest |Δ log-prob| over shared alternatives of every compared step, in nats
     * @param meanAbsDiff        mean of the same
     * @param maxRelativeDiff    largest |Δ (log-prob − log-prob of the peer's top token)|: logit differences, free of
     *                           the softmax normaliser, which llama-server sums in float over the whole vocabulary
     * @param meanRelativeDiff   mean of the same
     * @param topOneMatches      steps whose most likely token is the same on both sides
     * @param exactContinuations prompts whose greedy continuation is the same on both sides
     * @param offTies            steps where the most likely tokens differ although the peer's top two were further
     *                           apart than the tie allowance: each is a real disagreement
     */
    public record Result(int prompts, int steps, int offered, int shared, double maxNextTokenDiff,
                         double meanNextTokenDiff, double maxAbsDiff, double meanAbsDiff,
                         double maxRelativeDiff, double meanRelativeDiff, int topOneMatches, int exactContinuations,
                         List<String> offTies) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "next token |dlogprob| max %.2e mean %.2e; all steps max %.2e mean %.2e; "
                            + "relative to top max %.2e mean %.2e; shared %d/%d; top-1 %d/%d steps; "
                            + "exact continuations %d/%d; off-tie %d",
                    maxNextTokenDiff, meanNextTokenDiff, maxAbsDiff, meanAbsDiff, maxRelativeDiff, meanRelativeDiff, shared, offered, topOneMatches, steps,
                    exactContinuations, prompts, offTies.size());
        }
    }

    /** Adds up the measure step by step; a top-1 disagreement counts as off-tie when the peer's gap exceeds {@code tieGap}. */
    static final class Tally {
        private final double tieGap;
        private int prompts;
        private int steps;
        private int offered;
        private int shared;
        private double max;
        private double sum;
        private double maxFirst;
        private double sumFirst;
        private int sharedFirst;
        private double maxRelative;
        private double sumRelative;
        private int relatives;
        private int topOne;
        private int exact;
        private final List<String> offTies = new ArrayList<>();

        Tally(double tieGap) {
            this.tieGap = tieGap;
        }

        /**
         * One step. {@code peerKeys}/{@code peerLogProbs}: the peer's top list, best first; {@code ours}: our
         * log-prob of a key, or null when our top list does not hold it; {@code oursBest}: our most likely key.
         * {@code judgeTopOne}: false when the peer's most likely token cannot be told by its key (then
         * {@code peerKeys} starts with its second). Returns whether the most likely tokens agree.
         */
        <K> boolean step(String where, boolean first, List<K> peerKeys, double[] peerLogProbs,
                         Function<K, Double> ours, K oursBest, boolean judgeTopOne) {
            steps++;
            if (peerKeys.isEmpty()) {
                return false; // nothing the peer listed can be told by its key
            }
            Double oursOfPeerTop = ours.apply(peerKeys.getFirst());
            for (int i = 0; i < peerKeys.size(); i++) {
                if (peerLogProbs[i] < NO_DIGITS) {
                    continue;
                }
                offered++;
                Double mine = ours.apply(peerKeys.get(i));
                if (mine == null || mine < NO_DIGITS) {
                    continue;
                }
                shared++;
                double diff = Math.abs(mine - peerLogProbs[i]);
                max = Math.max(max, diff);
                sum += diff;
                if (first) {
                    maxFirst = Math.max(maxFirst, diff);
                    sumFirst += diff;
                    sharedFirst++;
                }
                if (oursOfPeerTop != null) {
                    double relative = Math.abs((mine - oursOfPeerTop) - (peerLogProbs[i] - peerLogProbs[0]));
                    maxRelative = Math.max(maxRelative, relative);
                    sumRelative += relative;
                    relatives++;
                }
            }
            boolean agree = peerKeys.getFirst().equals(oursBest);
            if (!judgeTopOne) {
                return false;
            }
            if (agree) {
                topOne++;
            } else if (peerLogProbs.length < 2 || peerLogProbs[0] - peerLogProbs[1] > tieGap) {
                offTies.add(where + ": we chose " + oursBest + ", llama.cpp " + peerKeys.getFirst());
            }
            return agree;
        }

        void prompt(boolean exactContinuation) {
            prompts++;
            if (exactContinuation) {
                exact++;
            }
        }

        Result result() {
            return new Result(prompts, steps, offered, shared, maxFirst,
                    sharedFirst == 0 ? Double.NaN : sumFirst / sharedFirst, max, shared == 0 ? Double.NaN : sum / shared,
                    maxRelative, relatives == 0 ? Double.NaN : sumRelative / relatives, topOne, exact,
                    List.copyOf(offTies));
        }
    }

    // ---- engine level ----

    /** One greedy step of the peer: the token it chose and its top log-probabilities (ids, values), best first. */
    public record Step(int token, int[] topIds, double[] topLogProbs) {}

    /** The peer's greedy path for one prompt: the prompt as the peer tokenized it (BOS as the vocabulary asks). */
    public record PeerPath(String prompt, int[] promptTokens, List<Step> steps) {}

    /**
     * Starts llama-server on {@code model} and records its {@code steps}-token greedy path for each prompt, with the
     * top-10 log-probabilities of every step computed from the raw logits ({@code /completion}, EOS ignored).
     */
    public static List<PeerPath> peerPaths(Path model, List<String> prompts, int steps) {
        List<String> args = new ArrayList<>(PEER_ARGS);
        args.addAll(List.of("-c", "2048", "--no-warmup"));
        List<PeerPath> paths = new ArrayList<>();
        try (LlamaCppPeer.Server server = LlamaCppPeer.startServer(model, args.toArray(String[]::new))) {
            for (String prompt : prompts) {
                ObjectNode tokenize = JSON.createObjectNode().put("content", prompt).put("add_special", true);
                int[] ids = ints(read(server.post("/tokenize", tokenize.toString())).get("tokens"));
                ObjectNode request = JSON.createObjectNode().put("n_predict", steps).put("n_probs", ENGINE_TOP)
                        .put("temperature", 0).put("top_k", 1).put("cache_prompt", false)
                        .put("post_sampling_probs", false).put("return_tokens", true).put("ignore_eos", true);
                request.putArray("samplers").add("top_k");
                var promptArray = request.putArray("prompt");
                for (int id : ids) {
                    promptArray.add(id);
                }
                List<Step> recorded = new ArrayList<>();
                for (JsonNode p : read(server.post("/completion", request.toString())).get("completion_probabilities")) {
                    JsonNode top = p.get("top_logprobs");
                    int[] topIds = new int[top.size()];
                    double[] values = new double[top.size()];
                    for (int i = 0; i < top.size(); i++) {
                        topIds[i] = top.get(i).get("id").asInt();
                        values[i] = top.get(i).get("logprob").asDouble();
                    }
                    recorded.add(new Step(p.get("id").asInt(), topIds, values));
                }
                if (recorded.size() != steps) {
                    throw new AssertionError(recorded.size() + " of " + steps + " steps have probabilities for \""
                            + prompt + "\": llama-server withholds those of tokens ending inside a UTF-8 character");
                }
                paths.add(new PeerPath(prompt, ids, recorded));
            }
        }
        return paths;
    }

    /** Runs our model along the peer's paths (feeding the peer's tokens) and measures every step. */
    public static Result alongPeerPaths(LanguageModel model, List<PeerPath> paths, double tieGap) {
        Tally tally = new Tally(tieGap);
        float[] logits = new float[model.spec().vocabSize()];
        for (PeerPath path : paths) {
            KvCache cache = model.newCache(256);
            model.forward(cache, path.promptTokens(), logits);
            boolean exact = true;
            for (int s = 0; s < path.steps().size(); s++) {
                Step step = path.steps().get(s);
                double[] logProbs = logSoftmax(logits);
                List<Integer> peerIds = Arrays.stream(step.topIds()).boxed().toList();
                exact &= tally.step("\"" + path.prompt() + "\" step " + s, s == 0, peerIds, step.topLogProbs(),
                        id -> logProbs[id], argmax(logits), true);
                model.forward(cache, new int[] {step.token()}, logits);
            }
            tally.prompt(exact);
        }
        return tally.result();
    }

    /** {@link #alongPeerPaths} on a file: loads it with two threads. */
    public static Result alongPeerPaths(Path model, List<PeerPath> paths, double tieGap) {
        try (LanguageModel lm = ModelLoader.load(GgufFile.open(model), 2)) {
            return alongPeerPaths(lm, paths, tieGap);
        }
    }

    static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double log = Math.log(sum) + max;
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - log;
        }
        return out;
    }

    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    // ---- HTTP level ----

    /**
     * Sends each prompt as {@code {prompt, max_tokens: tokens, temperature: 0, logprobs: 5}} to infer4j's and to
     * llama-server's {@code /v1/completions} (base URLs {@code ours} and {@code peer}) and measures the answers.
     * Ours answers in OpenAI's legacy shape ({@code tokens}, {@code top_logprobs: [{piece: logprob}]}, best first);
     * llama-server in the chat shape ({@code content: [{bytes, top_logprobs: [{bytes, logprob}]}]}); pieces are
     * matched by the legacy API's name for them.
     */
    public static Result overHttp(URI ours, URI peer, List<String> prompts, int tokens, double tieGap) {
        Tally tally = new Tally(tieGap);
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            for (String prompt : prompts) {
                String request = JSON.createObjectNode().put("prompt", prompt).put("max_tokens", tokens)
                        .put("temperature", 0).put("logprobs", HTTP_TOP).toString();
                JsonNode ourChoice = post(client, ours, request).get("choices").get(0);
                JsonNode peerChoice = post(client, peer, request).get("choices").get(0);
                JsonNode ourLogprobs = ourChoice.get("logprobs");
                JsonNode peerContent = peerChoice.get("logprobs").get("content");
                int n = Math.min(ourLogprobs.get("tokens").size(), peerContent.size());
                for (int s = 0; s < n; s++) {
                    JsonNode ourTop = ourLogprobs.get("top_logprobs").get(s);
                    JsonNode peerTop = peerContent.get(s).get("top_logprobs");
                    List<String> peerKeys = new ArrayList<>();
                    double[] peerValues = new double[peerTop.size()];
                    // llama-server shows control tokens as no bytes at all, where ours names them ("<|end|>"): when
                    // our list has no empty piece, such a token cannot be matched by name and is left out (unused
                    // tokens are empty on both sides and compare as they are)
                    boolean emptyMatches = ourTop.has("");
                    boolean topNamed = emptyMatches || !legacyName(peerTop.get(0).get("bytes")).isEmpty();
                    for (JsonNode alternative : peerTop) {
                        String name = legacyName(alternative.get("bytes"));
                        if ((emptyMatches || !name.isEmpty()) && !peerKeys.contains(name)) { // two tokens of one piece: keep the first, as ours does
                            peerValues[peerKeys.size()] = alternative.get("logprob").asDouble();
                            peerKeys.add(name);
                        }
                    }
                    String oursBest = ourTop.properties().iterator().next().getKey();
                    tally.step("\"" + prompt + "\" step " + s, s == 0, peerKeys,
                            Arrays.copyOf(peerValues, peerKeys.size()),
                            key -> ourTop.has(key) ? ourTop.get(key).asDouble() : null, oursBest, topNamed);
                    if (!ourLogprobs.get("tokens").get(s).asText().equals(legacyName(peerContent.get(s).get("bytes")))) {
                        break; // the continuations part here: later steps answer different contexts
                    }
                }
                tally.prompt(ourChoice.get("text").asText().equals(peerChoice.get("text").asText()));
            }
        }
        return tally.result();
    }

    /** The legacy API's name for a piece: its text, or {@code bytes:\xNN...} when it is not whole UTF-8. */
    static String legacyName(JsonNode byteValues) {
        byte[] bytes = new byte[byteValues.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) byteValues.get(i).asInt();
        }
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

    private static JsonNode post(HttpClient client, URI base, String body) {
        URI uri = base.resolve("/v1/completions");
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri)
                            .header("Content-Type", "application/json").timeout(Duration.ofMinutes(5))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError(uri + " answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("peer answered unreadable JSON: " + body, e);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
