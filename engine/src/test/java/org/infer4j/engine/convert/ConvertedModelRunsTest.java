package org.infer4j.engine.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.infer4j.engine.model.KvCache;
import org.infer4j.engine.model.LanguageModel;
import org.infer4j.engine.model.ModelLoader;
import org.infer4j.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our engine, on the converted tinystories checkpoint, continues as transformers' LlamaForCausalLM does. */
class ConvertedModelRunsTest {
    @TempDir
    Path tmp;

    @Test
    void engineReproducesTheHuggingFaceGreedyContinuationAndLogprobs() throws IOException {
        JsonNode reference;
        try (InputStream in = getClass().getResourceAsStream("/convert/tinystories-656k.json")) {
            reference = new ObjectMapper().readTree(in).get("reference");
        }
        Path gguf = HfCheckpointConverter.convert(ConverterTinyStoriesTest.modelDir(), tmp.resolve("ts.gguf"),
                OutputType.SOURCE).file();
        try (LanguageModel model = ModelLoader.load(GgufFile.open(gguf), 1)) {
            int vocab = model.spec().vocabSize();
            for (JsonNode prompt : reference) {
                int[] ids = new int[prompt.get("ids").size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = prompt.get("ids").get(i).asInt();
                }
                KvCache cache = model.newCache(64);
                float[] logits = new float[vocab];
                model.forward(cache, ids, logits);
                JsonNode greedy = prompt.get("greedy");
                for (int step = 0; step < greedy.size(); step++) {
                    int best = argmax(logits);
                    assertEquals(greedy.get(step).asInt(), best, prompt.get("text").asText() + " step " + step);
                    double logSum = logSumExp(logits);
                    for (JsonNode top : prompt.get("top5").get(step)) {
                        double logprob = logits[top.get("id").asInt()] - logSum;
                        assertEquals(top.get("logprob").asDouble(), logprob, 1e-3, "step " + step);
                    }
                    model.forward(cache, new int[] {best}, logits);
                }
            }
        }
        assertTrue(reference.size() >= 3);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double logSumExp(float[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : v) {
            sum += Math.exp(x - max);
        }
        return max + Math.log(sum);
    }
}
