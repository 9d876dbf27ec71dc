package org.infer4j.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.gguf.LlamaCppPeer;

/**
 * Asks a live llama-server what it computes for a model file and compares our logits with it. The peer runs
 * the way scripts/peer_logits.py records the checked-in fixtures: F32 KV cache, no flash attention, one
 * slot; each prompt is tokenized by the peer (BOS as the vocabulary asks), then greedy /completion returns
 * the top log-probabilities of every step, computed from the raw logits. We feed the peer's tokens back,
 * so every step is compared even after a near-tie.
 */
final class FamilyPeerParity {
    static final int TOP = 10;
    static final String[] SERVER_ARGS = {"-c", "2048", "-np", "1", "-ctk", "f32", "-ctv", "f32", "-fa", "off",
            "--no-warmup", "--no-repack"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private FamilyPeerParity() {}

    /** One greedy step: the token the peer chose and its top log-probabilities (ids, values), best first. */
    record Step(int token, int[] topIds, double[] topLogProbs) {}

    record Case(String prompt, int[] promptTokens, List<Step> steps) {}

    /**
     * How closely our log-probs follow the peer's: raw |Δ log-prob|, and |Δ| of log-probs relative to the step's
     * top token ({@code lp[i] - lp[top]}, i.e. of logit differences). The second leaves out the log of the
     * softmax normaliser, which llama-server sums in float over the whole vocabulary: over 150k similar terms
     * its rounding shifts every log-prob of a step alike by up to a few 1e-4.
     */
    record Result(double maxDiff, double meanDiff, double maxRelativeDiff, double meanRelativeDiff, int compared,
                  int greedyMatches, int steps, List<String> offTies) {
        @Override
        public String toString() {
            return String.format("|dlogprob| max %.2e mean %.2e; relative to top max %.2e mean %.2e; over %d, greedy %d/%d",
                    maxDiff, meanDiff, maxRelativeDiff, meanRelativeDiff, compared, greedyMatches, steps);
        }
    }

    /** Starts llama-server on {@code model} and records {@code steps} greedy steps for each prompt. */
    static List<Case> record(Path model, List<String> prompts, int steps) {
        List<Case> cases = new ArrayList<>();
        try (LlamaCppPeer.Server server = LlamaCppPeer.startServer(model, SERVER_ARGS)) {
            for (String prompt : prompts) {
                ObjectNode tokenize = JSON.createObjectNode().put("content", prompt).put("add_special", true);
                int[] ids = ints(read(server.post("/tokenize", tokenize.toString())).get("tokens"));
                ObjectNode request = JSON.createObjectNode().put("n_predict", steps).put("n_probs", TOP)
                        .put("temperature", 0).put("top_k", 1).put("cache_prompt", false)
                        .put("post_sampling_probs", false).put("return_tokens", true).put("ignore_eos", true);
                request.putArray("samplers").add("top_k");
                var promptArray = request.putArray("prompt");
                for (int id : ids) {
                    promptArray.add(id);
                }
                JsonNode response = read(server.post("/completion", request.toString()));
                List<Step> recorded = new ArrayList<>();
                for (JsonNode p : response.get("completion_probabilities")) {
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
                cases.add(new Case(prompt, ids, recorded));
            }
        }
        return cases;
    }

    /**
     * Runs our model along the peer's paths; a step whose greedy token differs is listed in {@code offTies}
     * unless the peer's own top two were within {@code tieTolerance} (a near-tie either side may break).
     */
    static Result compare(LanguageModel model, List<Case> cases, double tieTolerance) {
        float[] logits = new float[model.spec().vocabSize()];
        double max = 0;
        double sum = 0;
        double maxRelative = 0;
        double sumRelative = 0;
        int compared = 0;
        int matches = 0;
        int steps = 0;
        List<String> offTies = new ArrayList<>();
        for (Case c : cases) {
            KvCache cache = model.newCache(256);
            model.forward(cache, c.promptTokens(), logits);
            for (int s = 0; s < c.steps().size(); s++) {
                Step step = c.steps().get(s);
                double[] logProbs = LlamaParityTest.logSoftmax(logits);
                double oursTop = logProbs[step.topIds()[0]];
                double peerTop = step.topLogProbs()[0];
                for (int i = 0; i < step.topIds().length; i++) {
                    double diff = Math.abs(logProbs[step.topIds()[i]] - step.topLogProbs()[i]);
                    max = Math.max(max, diff);
                    sum += diff;
                    double relative = Math.abs((logProbs[step.topIds()[i]] - oursTop) - (step.topLogProbs()[i] - peerTop));
                    maxRelative = Math.max(maxRelative, relative);
                    sumRelative += relative;
                    compared++;
                }
                int ours = LlamaParityTest.argmax(logits);
                steps++;
                if (ours == step.token()) {
                    matches++;
                } else if (step.topLogProbs()[0] - step.topLogProbs()[1] > tieTolerance) {
                    offTies.add("\"" + c.prompt() + "\" step " + s + ": we chose " + ours + ", llama.cpp " + step.token());
                }
                model.forward(cache, new int[] {step.token()}, logits);
            }
        }
        return new Result(max, sum / compared, maxRelative, sumRelative / compared, compared, matches, steps, offTies);
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
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
