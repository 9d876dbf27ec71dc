package org.infer4j.engine.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.infer4j.engine.convert.SyntheticFamilies.Family;
import org.infer4j.engine.model.KvCache;
import org.infer4j.engine.model.LanguageModel;
import org.infer4j.engine.model.ModelLoader;
import org.infer4j.engine.tokenizer.Tokenizer;
import org.infer4j.engine.tokenizer.Tokenizers;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.MetadataValue;
import org.infer4j.gguf.TensorInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every family the converter reads, on the random-weight checkpoint {@link SyntheticFamilies} regenerates from its
 * seed, against what scripts/convert-family-check.sh recorded in convert/families/FAMILY.json: there llama.cpp, run
 * on the conversion, produced the greedy tokens of an independent numpy implementation of the transformers class
 * (computed on the Hugging Face weights) and its top-5 logprobs within the recorded tolerance. Here a fresh
 * conversion must carry the same metadata and byte-identical tensors, the converted tokenizer must encode the
 * prompts as Hugging Face's did, and our engine must reproduce the reference as llama.cpp did.
 */
class FamilyConversionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Vocabulary arrays and the chat template are checked through the tokenizer, not key by key. */
    private static final Set<String> BULK_KEYS = Set.of("tokenizer.ggml.tokens", "tokenizer.ggml.scores",
            "tokenizer.ggml.token_type", "tokenizer.ggml.merges", "tokenizer.chat_template");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Family.class)
    void conversionIsThePeerVerifiedOneAndTheEngineReproducesTransformers(Family family) throws Exception {
        JsonNode fixture = fixture(family);
        // the folder name the fixture script uses: it becomes general.name
        Path dir = SyntheticFamilies.write(family, tmp.resolve(family.id()).resolve("synthetic"),
                SyntheticFamilies.npmTokenizer(family.tokenizerPackage));
        Path gguf = tmp.resolve(family.id() + ".gguf");
        HfCheckpointConverter.Result result = HfCheckpointConverter.convert(dir, gguf, OutputType.SOURCE);
        assertEquals(family.hfArchitecture, result.hfArchitecture());
        try (GgufFile f = GgufFile.open(gguf)) {
            assertMetadata(fixture.get("metadata"), f);
            assertTensors(fixture.get("tensors"), f);
            assertTokenizer(fixture.get("reference"), f);
        }
        assertPeerAgreed(fixture);
        try (LanguageModel model = ModelLoader.load(GgufFile.open(gguf), 2)) {
            assertEquals(result.ggufArchitecture(), model.spec().architecture());
            double ggml = assertReproduces(model, fixture.get("reference_ggml_gelu"), fixture.get("tolerance_ggml_gelu").asDouble());
            double exact = assertReproduces(model, fixture.get("reference"), fixture.get("tolerance_exact").asDouble());
            System.out.printf("convert %-8s engine vs transformers: max |dlogprob| %.2e (ggml GELU), %.2e (exact)%n",
                    family.id(), ggml, exact);
        }
    }

    private static JsonNode fixture(Family family) throws IOException {
        String name = "/convert/families/" + family.id() + ".json";
        try (InputStream in = FamilyConversionTest.class.getResourceAsStream(name)) {
            assertTrue(in != null, "missing resource " + name + " (scripts/convert-family-check.sh writes it)");
            return JSON.readTree(in);
        }
    }

    /** The same keys with the same values as the file llama.cpp ran. */
    private static void assertMetadata(JsonNode expected, GgufFile f) {
        Map<String, MetadataValue> actual = new TreeMap<>(f.metadata());
        actual.keySet().removeAll(BULK_KEYS);
        Set<String> expectedKeys = new TreeSet<>();
        expected.fieldNames().forEachRemaining(expectedKeys::add);
        assertEquals(expectedKeys, actual.keySet());
        actual.forEach((key, value) -> assertValue(expected.get(key), value.value(), key));
    }

    private static void assertValue(JsonNode expected, Object actual, String key) {
        switch (actual) {
            case String s -> assertEquals(expected.asText(), s, key);
            case Boolean b -> assertEquals(expected.asBoolean(), b, key);
            case Float v -> assertEquals(expected.asDouble(), v, Math.abs(v) * 1e-6, key);
            case Double v -> assertEquals(expected.asDouble(), v, Math.abs(v) * 1e-9, key);
            case Number n -> assertEquals(expected.asLong(), n.longValue(), key);
            case GgufArray a -> {
                List<String> values = new ArrayList<>();
                expected.forEach(e -> values.add(e.asText()));
                List<String> mine = switch (a.elementType()) {
                    case STRING -> List.of(a.strings());
                    case FLOAT32, FLOAT64 -> throw new AssertionError(key + ": float arrays are not compared");
                    default -> java.util.Arrays.stream(a.longs()).mapToObj(Long::toString).toList();
                };
                assertEquals(values, mine, key);
            }
            default -> throw new AssertionError(key + ": unexpected metadata value " + actual);
        }
    }

    /** Every tensor byte-identical (sha256) to the peer-verified conversion. */
    private static void assertTensors(JsonNode expected, GgufFile f) throws Exception {
        Set<String> expectedNames = new TreeSet<>();
        expected.fieldNames().forEachRemaining(expectedNames::add);
        assertEquals(expectedNames, new TreeSet<>(f.tensors().keySet()));
        for (TensorInfo t : f.tensors().values()) {
            JsonNode e = expected.get(t.name());
            assertEquals(e.get("type").asText(), t.type().name(), t.name());
            long[] shape = new long[e.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = e.get("shape").get(i).asLong();
            }
            assertArrayEquals(shape, t.shape(), t.name());
            byte[] bytes = f.tensorData(t).toArray(ValueLayout.JAVA_BYTE);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            assertEquals(e.get("sha256").asText(), sha, t.name() + " differs from the peer-verified conversion");
        }
    }

    /** The converted vocabulary encodes each prompt as Hugging Face's tokenizer did. */
    private static void assertTokenizer(JsonNode reference, GgufFile f) {
        Tokenizer tokenizer = Tokenizers.fromGguf(f);
        for (JsonNode prompt : reference) {
            assertArrayEquals(ids(prompt.get("ids")), tokenizer.encode(prompt.get("text").asText(), true, false),
                    prompt.get("text").asText());
        }
    }

    /** The recorded evidence the checksums stand on: llama.cpp's greedy path and logprobs agreed with the reference. */
    private static void assertPeerAgreed(JsonNode fixture) {
        JsonNode peer = fixture.get("peer_results");
        assertTrue(peer.get("max_abs_logprob_diff").asDouble() <= fixture.get("tolerance_ggml_gelu").asDouble());
        assertTrue(fixture.get("peer_max_abs_logprob_diff_exact").asDouble() <= fixture.get("tolerance_exact").asDouble());
        JsonNode reference = fixture.get("reference_ggml_gelu");
        assertEquals(reference.size(), peer.get("results").size());
        for (int i = 0; i < reference.size(); i++) {
            int[] theirs = ids(peer.get("results").get(i).get("greedy"));
            assertTrue(theirs.length > 0);
            assertArrayEquals(java.util.Arrays.copyOf(ids(reference.get(i).get("greedy")), theirs.length), theirs);
            assertArrayEquals(ids(reference.get(i).get("greedy")), ids(fixture.get("reference").get(i).get("greedy")),
                    "exact and ggml-GELU references take the same greedy path");
        }
    }

    /** Our greedy path equals the reference's and every top-5 logprob is within {@code tolerance}; returns the worst. */
    private static double assertReproduces(LanguageModel model, JsonNode reference, double tolerance) {
        int vocab = model.spec().vocabSize();
        double worst = 0;
        for (JsonNode prompt : reference) {
            String text = prompt.get("text").asText();
            KvCache cache = model.newCache(64);
            float[] logits = new float[vocab];
            model.forward(cache, ids(prompt.get("ids")), logits);
            JsonNode greedy = prompt.get("greedy");
            for (int step = 0; step < greedy.size(); step++) {
                int best = argmax(logits);
                assertEquals(greedy.get(step).asInt(), best, text + " step " + step);
                double logSum = logSumExp(logits);
                for (JsonNode top : prompt.get("top5").get(step)) {
                    double diff = Math.abs(top.get("logprob").asDouble() - (logits[top.get("id").asInt()] - logSum));
                    worst = Math.max(worst, diff);
                    assertTrue(diff <= tolerance, text + " step " + step + " token " + top.get("id") + ": |dlogprob| " + diff);
                }
                model.forward(cache, new int[] {best}, logits);
            }
        }
        return worst;
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
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
