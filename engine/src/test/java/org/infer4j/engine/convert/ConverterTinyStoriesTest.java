package org.infer4j.engine.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.infer4j.engine.tokenizer.Tokenizer;
import org.infer4j.engine.tokenizer.Tokenizers;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.SharedFixtures;
import org.infer4j.gguf.TensorInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Converts shared/models/tinystories-656k and checks the result against what scripts/convert-peer-check.sh
 * established: llama.cpp, run on this conversion, produced the same greedy tokens and top-5 logprobs (within
 * 1e-4) as transformers' LlamaForCausalLM computed in numpy from the unpermuted checkpoint. Every tensor of a
 * fresh conversion must be byte-identical (sha256) to the peer-verified one.
 */
class ConverterTinyStoriesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode fixture;
    private static JsonNode tokens;

    @TempDir
    static Path tmp;
    private static Path gguf;

    @BeforeAll
    static void convert() throws IOException {
        fixture = resource("tinystories-656k.json");
        tokens = resource("tinystories-656k-tokens.json");
        gguf = tmp.resolve("tinystories.gguf");
        HfCheckpointConverter.Result result = HfCheckpointConverter.convert(modelDir(), gguf, OutputType.SOURCE);
        assertEquals("llama", result.ggufArchitecture());
        assertEquals("LlamaForCausalLM", result.hfArchitecture());
        assertEquals(0, result.fileType());
    }

    static Path modelDir() {
        Path dir = SharedFixtures.root().resolve("models/tinystories-656k");
        assertTrue(Files.isRegularFile(dir.resolve("config.json")), "missing test fixture " + dir);
        return dir;
    }

    private static JsonNode resource(String name) throws IOException {
        try (InputStream in = ConverterTinyStoriesTest.class.getResourceAsStream("/convert/" + name)) {
            assertTrue(in != null, "missing resource " + name);
            return JSON.readTree(in);
        }
    }

    @Test
    void hyperParametersAreThoseLlamaCppReads() {
        try (GgufFile f = GgufFile.open(gguf)) {
            assertEquals("llama", f.getString("general.architecture"));
            assertEquals("model", f.getString("general.type"));
            assertEquals("tinystories-656k", f.getString("general.name"));
            assertEquals(2, f.getInt("llama.block_count"));
            assertEquals(512, f.getInt("llama.context_length"));
            assertEquals(128, f.getInt("llama.embedding_length"));
            assertEquals(384, f.getInt("llama.feed_forward_length"));
            assertEquals(8, f.getInt("llama.attention.head_count"));
            assertEquals(4, f.getInt("llama.attention.head_count_kv"));
            assertEquals(1e-6f, f.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(10000f, f.getFloat("llama.rope.freq_base"));
            assertEquals(16, f.getInt("llama.rope.dimension_count"));
            assertEquals(2048, f.getInt("llama.vocab_size"));
            assertEquals(0, f.getInt("general.file_type"));
            assertEquals(2, f.getInt("general.quantization_version"));
            assertFalse(f.has("llama.rope.scaling.type"), "rope_scaling is null");
        }
    }

    @Test
    void tokenizerKeysComeFromTokenizerJsonAndConfig() {
        try (GgufFile f = GgufFile.open(gguf)) {
            assertEquals("llama", f.getString("tokenizer.ggml.model"));
            assertEquals(2048, f.getArray("tokenizer.ggml.tokens").size());
            assertEquals(2048, f.getArray("tokenizer.ggml.scores").size());
            assertEquals(2048, f.getArray("tokenizer.ggml.token_type").size());
            assertEquals("<|start_story|>", f.getArray("tokenizer.ggml.tokens").strings()[1]);
            assertEquals(1, f.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(2, f.getInt("tokenizer.ggml.eos_token_id"));
            assertEquals(0, f.getInt("tokenizer.ggml.unknown_token_id"));
            assertEquals(0, f.getInt("tokenizer.ggml.padding_token_id"));
            assertTrue(f.getBoolean("tokenizer.ggml.add_bos_token"));
            assertFalse(f.getBoolean("tokenizer.ggml.add_eos_token"));
            assertTrue(f.getBoolean("tokenizer.ggml.add_space_prefix"), "the tokenizer.json normalizer prepends \u2581");
            assertFalse(f.has("tokenizer.chat_template"), "tokenizer_config.json has no chat_template");
        }
    }

    @Test
    void tensorsMatchThePeerVerifiedConversion() throws Exception {
        try (GgufFile f = GgufFile.open(gguf)) {
            JsonNode expected = fixture.get("tensors");
            Set<String> expectedNames = new TreeSet<>();
            expected.fieldNames().forEachRemaining(expectedNames::add);
            assertEquals(expectedNames, new TreeSet<>(f.tensors().keySet()));
            assertEquals(20, expectedNames.size());
            assertFalse(f.tensors().containsKey("output.weight"), "tied embeddings: llama.cpp projects with token_embd");
            for (TensorInfo t : f.tensors().values()) {
                JsonNode e = expected.get(t.name());
                assertEquals(e.get("type").asText(), t.type().name(), t.name());
                List<Long> shape = new ArrayList<>();
                e.get("shape").forEach(d -> shape.add(d.asLong()));
                assertArrayEquals(shape.stream().mapToLong(Long::longValue).toArray(), t.shape(), t.name());
                byte[] bytes = f.tensorData(t).toArray(ValueLayout.JAVA_BYTE);
                String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
                assertEquals(e.get("sha256").asText(), sha, t.name() + " differs from the peer-verified conversion");
            }
            assertArrayEquals(new long[] {128, 2048}, f.tensor("token_embd.weight").shape());
            assertArrayEquals(new long[] {128, 64}, f.tensor("blk.1.attn_k.weight").shape());
            assertArrayEquals(new long[] {384, 128}, f.tensor("blk.0.ffn_down.weight").shape());
        }
    }

    @Test
    void qAndKAreThePermutedCheckpointRowsAndTheRestIsVerbatim() throws IOException {
        try (GgufFile f = GgufFile.open(gguf); SafetensorsCheckpoint hf = SafetensorsCheckpoint.open(modelDir())) {
            float[] q = hf.find("model.layers.0.self_attn.q_proj.weight").orElseThrow().data().toArray(LE_FLOAT);
            float[] converted = f.tensorData(f.tensor("blk.0.attn_q.weight")).toArray(LE_FLOAT);
            // head 0 (16 rows of 128): converted row 1 is source row 8, converted row 2 is source row 1
            assertArrayEquals(slice(q, 8), slice(converted, 1));
            assertArrayEquals(slice(q, 1), slice(converted, 2));
            float[] k = hf.find("model.layers.1.self_attn.k_proj.weight").orElseThrow().data().toArray(LE_FLOAT);
            float[] convertedK = f.tensorData(f.tensor("blk.1.attn_k.weight")).toArray(LE_FLOAT);
            assertArrayEquals(slice(k, 16 + 8), slice(convertedK, 16 + 1)); // head 1 of 4
            float[] v = hf.find("model.layers.1.self_attn.v_proj.weight").orElseThrow().data().toArray(LE_FLOAT);
            assertArrayEquals(v, f.tensorData(f.tensor("blk.1.attn_v.weight")).toArray(LE_FLOAT));
            float[] embed = hf.find("lm_head.weight").orElseThrow().data().toArray(LE_FLOAT);
            assertArrayEquals(embed, f.tensorData(f.tensor("token_embd.weight")).toArray(LE_FLOAT));
        }
    }

    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static float[] slice(float[] rows, int row) {
        return java.util.Arrays.copyOfRange(rows, row * 128, (row + 1) * 128);
    }

    @Test
    void peerAgreedWithTheHuggingFaceReference() {
        // the recorded evidence this test's checksums stand on: same greedy tokens, logprobs within 1e-4
        JsonNode reference = fixture.get("reference");
        JsonNode peer = fixture.get("peer_results");
        assertTrue(peer.get("max_abs_logprob_diff").asDouble() <= 1e-4);
        assertEquals(reference.size(), peer.get("results").size());
        for (int i = 0; i < reference.size(); i++) {
            JsonNode mine = peer.get("results").get(i).get("greedy");
            JsonNode theirs = reference.get(i).get("greedy");
            assertTrue(mine.size() > 0);
            for (int j = 0; j < mine.size(); j++) {
                assertEquals(theirs.get(j).asInt(), mine.get(j).asInt());
            }
        }
    }

    @Test
    void convertedTokenizerReproducesHuggingFaceTokenization() {
        try (GgufFile f = GgufFile.open(gguf)) {
            Tokenizer tokenizer = Tokenizers.fromGguf(f);
            for (JsonNode c : tokens.get("cases")) {
                // includes "naïve café 日本 🦙", characters outside this 2k vocabulary, which has no byte tokens:
                // Hugging Face gives one <unk> per run of them (llama.cpp aborts on the missing byte token)
                String text = c.get("text").asText();
                int[] expected = new int[c.get("ids").size()];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = c.get("ids").get(i).asInt();
                }
                assertArrayEquals(expected, tokenizer.encode(text, true, false), text);
            }
        }
    }

    @Test
    void f16AndBf16OutputKeepNormsInF32() throws IOException {
        for (OutputType type : List.of(OutputType.F16, OutputType.BF16)) {
            Path out = tmp.resolve("tinystories-" + type + ".gguf");
            HfCheckpointConverter.Result result = HfCheckpointConverter.convert(modelDir(), out, type);
            GgmlType matrix = type == OutputType.F16 ? GgmlType.F16 : GgmlType.BF16;
            assertEquals(type == OutputType.F16 ? 1 : 32, result.fileType());
            try (GgufFile f = GgufFile.open(out); GgufFile source = GgufFile.open(gguf)) {
                assertEquals(result.fileType(), f.getInt("general.file_type"));
                for (TensorInfo t : f.tensors().values()) {
                    GgmlType want = t.dimensions() == 1 ? GgmlType.F32 : matrix;
                    assertEquals(want, t.type(), t.name());
                }
                float[] q32 = source.tensorData(source.tensor("blk.0.attn_q.weight")).toArray(LE_FLOAT);
                var q = f.tensorData(f.tensor("blk.0.attn_q.weight"));
                SafetensorsDType dtype = type == OutputType.F16 ? SafetensorsDType.F16 : SafetensorsDType.BF16;
                for (int i = 0; i < q32.length; i += 97) {
                    assertEquals(q32[i], ElementConversion.read(q, dtype, i), Math.abs(q32[i]) / 100 + 1e-6);
                }
            }
        }
    }
}
