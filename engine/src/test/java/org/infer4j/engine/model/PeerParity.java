package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.LlamaCppPeer;

/**
 * Our engine against a live llama-server on one GGUF file: the peer's 32-step greedy path with top-10
 * log-probabilities per prompt (F32 KV cache, no flash attention, no weight repacking, so it computes what
 * our engine computes), then our log-probabilities along the same tokens.
 */
public final class PeerParity {
    public static final int STEPS = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeerParity() {}

    /** The peer's answers for one prompt: its prompt tokens, and per step the top log-probs and chosen token. */
    public record PeerCase(int[] prompt, int[] tokens, int[][] topIds, double[][] topLogProbs) {}

    /** Runs llama-server on {@code model} and records its greedy path with top-10 log-probabilities for each prompt. */
    public static List<PeerCase> askPeer(Path model, List<String> prompts) throws IOException {
        try (LlamaCppPeer.Server server = LlamaCppPeer.startServer(model, "-c", "512", "-np", "1", "-ctk", "f32",
                "-ctv", "f32", "-fa", "off", "--no-warmup", "--no-repack")) {
            java.util.ArrayList<PeerCase> cases = new java.util.ArrayList<>();
            for (String prompt : prompts) {
                JsonNode tok = JSON.readTree(server.post("/tokenize",
                        JSON.createObjectNode().put("content", prompt).put("add_special", true).toString()));
                int[] ids = new int[tok.get("tokens").size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = tok.get("tokens").get(i).asInt();
                }
                var body = JSON.createObjectNode();
                body.putPOJO("prompt", ids);
                body.put("n_predict", STEPS).put("n_probs", 10).put("temperature", 0).put("top_k", 1)
                        .put("cache_prompt", false).put("post_sampling_probs", false).put("ignore_eos", true);
                body.putArray("samplers").add("top_k");
                JsonNode res = JSON.readTree(server.post("/completion", body.toString()));
                JsonNode probs = res.get("completion_probabilities");
                assertThat(probs.size()).as("steps with probabilities for %s", prompt).isEqualTo(STEPS);
                int[] tokens = new int[STEPS];
                int[][] topIds = new int[STEPS][];
                double[][] topLp = new double[STEPS][];
                for (int s = 0; s < STEPS; s++) {
                    JsonNode p = probs.get(s);
                    tokens[s] = p.get("id").asInt();
                    JsonNode top = p.get("top_logprobs");
                    topIds[s] = new int[top.size()];
                    topLp[s] = new double[top.size()];
                    for (int i = 0; i < top.size(); i++) {
                        topIds[s][i] = top.get(i).get("id").asInt();
                        topLp[s][i] = top.get(i).get("logprob").asDouble();
                    }
                }
                cases.add(new PeerCase(ids, tokens, topIds, topLp));
            }
            return cases;
        }
    }

    /** {max, mean |Δ log-prob| over the peer's top tokens, greedy matches, steps}; fails on a greedy mismatch whose gap in the peer's numbers exceeds {@code tieGap}. */
    public static double[] compare(Path model, List<PeerCase> peer, double tieGap) throws IOException {
        double max = 0, sum = 0;
        int compared = 0, matches = 0, steps = 0;
        try (LanguageModel lm = ModelLoader.load(GgufFile.open(model), 2)) {
            float[] logits = new float[lm.spec().vocabSize()];
            for (PeerCase c : peer) {
                KvCache cache = lm.newCache(256);
                lm.forward(cache, c.prompt(), logits);
                for (int s = 0; s < STEPS; s++) {
                    double[] lp = LlamaParityTest.logSoftmax(logits);
                    for (int i = 0; i < c.topIds()[s].length; i++) {
                        double diff = Math.abs(lp[c.topIds()[s][i]] - c.topLogProbs()[s][i]);
                        max = Math.max(max, diff);
                        sum += diff;
                        compared++;
                    }
                    steps++;
                    if (LlamaParityTest.argmax(logits) == c.tokens()[s]) {
                        matches++;
                    } else {
                        double gap = c.topLogProbs()[s][0] - c.topLogProbs()[s][1];
                        assertThat(gap).as("step %d: we chose %d, llama.cpp %d", s, LlamaParityTest.argmax(logits), c.tokens()[s])
                                .isLessThanOrEqualTo(tieGap);
                    }
                    lm.forward(cache, new int[] {c.tokens()[s]}, logits);
                }
            }
        }
        return new double[] {max, sum / compared, matches, steps};
    }
}
