package org.infer4j.engine.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceArchitectureTest {
    @TempDir
    Path tmp;

    @Test
    void unsupportedArchitectureIsATypedErrorNamingIt() throws IOException {
        Path dir = SyntheticCheckpoints.write(tmp.resolve("m"), "GPTBigCodeForCausalLM", "", false, false, false);
        UnsupportedCheckpointException e = assertThrows(UnsupportedCheckpointException.class,
                () -> HfCheckpointConverter.convert(dir, tmp.resolve("out.gguf"), OutputType.SOURCE));
        assertTrue(e.getMessage().contains("GPTBigCodeForCausalLM"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out.gguf")));
    }

    @Test
    void folderWithoutConfigIsRejected() {
        assertThrows(CheckpointFormatException.class,
                () -> HfCheckpointConverter.convert(tmp, tmp.resolve("out.gguf"), OutputType.SOURCE));
    }

    @Test
    void unknownTensorNamesAreRefusedByName() throws IOException {
        Path dir = SyntheticCheckpoints.write(tmp.resolve("m"), "LlamaForCausalLM", "", false, true, false);
        UnsupportedCheckpointException e = assertThrows(UnsupportedCheckpointException.class,
                () -> HfCheckpointConverter.convert(dir, tmp.resolve("out.gguf"), OutputType.SOURCE));
        assertTrue(e.getMessage().contains("model.layers.0.self_attn.q_norm.weight"), e.getMessage());
    }

    @Test
    void qwen2KeepsRowsInPlaceWritesBiasesAsF32AndPadsTheVocabulary() throws IOException {
        Path dir = SyntheticCheckpoints.write(tmp.resolve("qwen2"), "Qwen2ForCausalLM", "", true, false, true);
        Path out = tmp.resolve("qwen2.gguf");
        HfCheckpointConverter.Result r = HfCheckpointConverter.convert(dir, out, OutputType.SOURCE);
        assertEquals(32, r.fileType());
        try (GgufFile f = GgufFile.open(out); SafetensorsCheckpoint hf = SafetensorsCheckpoint.open(dir)) {
            assertEquals("qwen2", f.getString("general.architecture"));
            assertEquals(500000f, f.getFloat("qwen2.rope.freq_base"));
            assertEquals(1, f.getInt("qwen2.attention.head_count_kv"));
            assertFalse(f.has("qwen2.vocab_size"), "convert_hf_to_gguf writes vocab_size for llama only");
            assertEquals(32, f.getInt("general.file_type"));
            assertEquals(Set.of("token_embd.weight", "output.weight", "output_norm.weight", "blk.0.attn_norm.weight",
                    "blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight", "blk.0.attn_q.bias",
                    "blk.0.attn_k.bias", "blk.0.attn_v.bias", "blk.0.attn_output.weight", "blk.0.ffn_norm.weight",
                    "blk.0.ffn_gate.weight", "blk.0.ffn_up.weight", "blk.0.ffn_down.weight"), f.tensors().keySet());
            assertEquals(GgmlType.BF16, f.tensor("blk.0.attn_q.weight").type());
            assertEquals(GgmlType.F32, f.tensor("blk.0.attn_q.bias").type());
            assertEquals(GgmlType.F32, f.tensor("output_norm.weight").type());
            assertArrayEquals(bytes(hf.find("model.layers.0.self_attn.k_proj.weight").orElseThrow()),
                    f.tensorData(f.tensor("blk.0.attn_k.weight")).toArray(ValueLayout.JAVA_BYTE), "no permutation for qwen2");
            String[] tokens = f.getArray("tokenizer.ggml.tokens").strings();
            assertEquals(SyntheticCheckpoints.VOCAB, tokens.length);
            assertEquals("[PAD2049]", tokens[2049]);
            assertEquals(5, f.getArray("tokenizer.ggml.token_type").ints()[2049]);
        }
    }

    @Test
    void qwen3WritesQkNormsAndHeadDim() throws IOException {
        Path dir = SyntheticCheckpoints.write(tmp.resolve("qwen3"), "Qwen3ForCausalLM", ", \"head_dim\": 8", false, true, false);
        Path out = tmp.resolve("qwen3.gguf");
        HfCheckpointConverter.convert(dir, out, OutputType.F16);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals("qwen3", f.getString("general.architecture"));
            assertEquals(8, f.getInt("qwen3.attention.key_length"));
            assertEquals(8, f.getInt("qwen3.attention.value_length"));
            assertEquals(GgmlType.F32, f.tensor("blk.0.attn_q_norm.weight").type());
            assertArrayEquals(new long[] {8}, f.tensor("blk.0.attn_k_norm.weight").shape());
            assertEquals(GgmlType.F16, f.tensor("blk.0.attn_q.weight").type());
            assertEquals(1, f.getInt("general.file_type"));
        }
    }

    @Test
    void llamaFromBf16KeepsBf16PermutesKAndWritesLlama3RopeFreqs() throws IOException {
        String rope = ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0,"
                + " \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}";
        Path dir = SyntheticCheckpoints.write(tmp.resolve("llama3"), "LlamaForCausalLM", rope, false, false, true);
        Path out = tmp.resolve("llama3.gguf");
        HfCheckpointConverter.convert(dir, out, OutputType.SOURCE);
        try (GgufFile f = GgufFile.open(out); SafetensorsCheckpoint hf = SafetensorsCheckpoint.open(dir)) {
            TensorInfo freqs = f.tensor("rope_freqs.weight");
            assertArrayEquals(new long[] {4}, freqs.shape());
            float[] factors = f.tensorData(freqs).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
            // head_dim 8, theta 5e5: wavelengths 6.3, 140, 3.1e3, 6.9e4 against 2048 (high) and 8192 (low)
            assertEquals(1f, factors[0]);
            assertEquals(1f, factors[1]);
            assertEquals(8f, factors[3]);
            assertTrue(factors[2] > 1f && factors[2] < 8f, "blended: " + factors[2]);
            assertFalse(f.has("llama.rope.scaling.type"), "llama3 scaling is carried by rope_freqs only");
            assertEquals(GgmlType.BF16, f.tensor("blk.0.attn_k.weight").type());
            byte[] k = bytes(hf.find("model.layers.0.self_attn.k_proj.weight").orElseThrow());
            byte[] converted = f.tensorData(f.tensor("blk.0.attn_k.weight")).toArray(ValueLayout.JAVA_BYTE);
            int row = 16 * 2; // BF16 rows of 16
            // one head of 8 rows: converted row 1 = source row 4
            assertArrayEquals(java.util.Arrays.copyOfRange(k, 4 * row, 5 * row),
                    java.util.Arrays.copyOfRange(converted, row, 2 * row));
            assertTrue(f.tensors().containsKey("output.weight"), "untied");
        }
    }

    @Test
    void chatTemplateListBecomesNamedTemplates() throws IOException {
        Path dir = SyntheticCheckpoints.write(tmp.resolve("chat"), "Qwen2ForCausalLM", "", true, false, false);
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": false, "chat_template": [{"name": "default", "template": "{{ messages }}"},
                 {"name": "tool-use", "template": "{{ tools }}"}, {"name": "rag", "template": "{{ documents }}"}]}""");
        Path out = tmp.resolve("chat.gguf");
        HfCheckpointConverter.convert(dir, out, OutputType.SOURCE);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals("{{ messages }}", f.getString("tokenizer.chat_template"));
            assertEquals("{{ tools }}", f.getString("tokenizer.chat_template.tool_use"));
            assertEquals("{{ documents }}", f.getString("tokenizer.chat_template.rag"));
            assertEquals(new TreeSet<>(List.of("tool_use", "rag")),
                    new TreeSet<>(List.of(f.getArray("tokenizer.chat_templates").strings())));
        }
    }

    @Test
    void chatTemplateStringAndGenerationDefaults() throws IOException {
        Path dir = SyntheticCheckpoints.write(tmp.resolve("chat2"), "MistralForCausalLM", "", false, false, false);
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}"}""");
        Files.writeString(dir.resolve("generation_config.json"), """
                {"temperature": 0.6, "top_p": 0.9, "top_k": 20, "bos_token_id": 1}""");
        Path out = tmp.resolve("chat2.gguf");
        HfCheckpointConverter.convert(dir, out, OutputType.SOURCE);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals("llama", f.getString("general.architecture"));
            assertEquals("{% for m in messages %}{{ m.content }}{% endfor %}", f.getString("tokenizer.chat_template"));
            assertEquals(0.6f, f.getFloat("general.sampling.temp"));
            assertEquals(0.9f, f.getFloat("general.sampling.top_p"));
            assertEquals(20, f.getInt("general.sampling.top_k"));
        }
    }

    @Test
    void gemmaRaisesNormsByOneAndAlwaysProjectsWithTheEmbedding() throws IOException {
        Path dir = SyntheticCheckpoints.write(tmp.resolve("gemma"), "GemmaForCausalLM", ", \"head_dim\": 8", false, false, false);
        Path out = tmp.resolve("gemma.gguf");
        HfCheckpointConverter.convert(dir, out, OutputType.SOURCE);
        try (GgufFile f = GgufFile.open(out); SafetensorsCheckpoint hf = SafetensorsCheckpoint.open(dir)) {
            assertEquals("gemma", f.getString("general.architecture"));
            assertFalse(f.tensors().containsKey("output.weight"), "llama.cpp's gemma always uses token_embd");
            float[] norm = hf.find("model.layers.0.input_layernorm.weight").orElseThrow().data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
            float[] converted = f.tensorData(f.tensor("blk.0.attn_norm.weight")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
            for (int i = 0; i < norm.length; i++) {
                assertEquals(norm[i] + 1f, converted[i], 0f);
            }
            assertArrayEquals(bytes(hf.find("model.layers.0.self_attn.q_proj.weight").orElseThrow()),
                    f.tensorData(f.tensor("blk.0.attn_q.weight")).toArray(ValueLayout.JAVA_BYTE), "matrices verbatim");
        }
    }

    @Test
    void gemma2RefusesAQueryScaleLlamaCppWouldNotApply() throws IOException {
        Path dir = SyntheticCheckpoints.write(tmp.resolve("gemma2"), "Gemma2ForCausalLM",
                ", \"head_dim\": 8, \"query_pre_attn_scalar\": 256", false, false, false);
        UnsupportedCheckpointException e = assertThrows(UnsupportedCheckpointException.class,
                () -> HfCheckpointConverter.convert(dir, tmp.resolve("out.gguf"), OutputType.SOURCE));
        assertTrue(e.getMessage().contains("query_pre_attn_scalar"), e.getMessage());
    }

    @Test
    void gemma3WritesASlidingPatternOnlyWhenItIsNotLlamaCppsDefault() throws IOException {
        // (num_hidden_layers repeated: the later value wins; only the metadata matters here)
        Path dir = SyntheticCheckpoints.write(tmp.resolve("g3"), "Gemma3ForCausalLM", ", \"head_dim\": 8, \"sliding_window\": 16, \"num_hidden_layers\": 3,"
                + " \"layer_types\": [\"sliding_attention\", \"sliding_attention\", \"full_attention\"]", false, true, false);
        Path out = tmp.resolve("g3.gguf");
        HfCheckpointConverter.convert(dir, out, OutputType.SOURCE);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(16, f.getInt("gemma3.attention.sliding_window"));
            assertEquals(3, f.getInt("gemma3.attention.sliding_window_pattern"));
            assertTrue(f.tensors().containsKey("output.weight"), "Gemma 3 keeps a separate head when untied");
        }
        Path odd = SyntheticCheckpoints.write(tmp.resolve("g3odd"), "Gemma3ForCausalLM", ", \"head_dim\": 8, \"num_hidden_layers\": 3, \"layer_types\":"
                + " [\"full_attention\", \"sliding_attention\", \"sliding_attention\"]", false, true, false);
        assertThrows(UnsupportedCheckpointException.class,
                () -> HfCheckpointConverter.convert(odd, tmp.resolve("odd.gguf"), OutputType.SOURCE));
    }

    @Test
    void tiedEmbeddingsDefaultToTheConfigClassDefault() throws IOException {
        // Gemma3TextConfig defaults tie_word_embeddings to true, so a config.json without the key is tied
        Path dir = SyntheticCheckpoints.write(tmp.resolve("g3tied"), "Gemma3ForCausalLM", ", \"head_dim\": 8", false, true, false);
        String config = Files.readString(dir.resolve("config.json")).replace("\"tie_word_embeddings\": false", "\"use_cache\": true");
        Files.writeString(dir.resolve("config.json"), config);
        Path out = tmp.resolve("g3tied.gguf");
        HfCheckpointConverter.convert(dir, out, OutputType.SOURCE);
        try (GgufFile f = GgufFile.open(out)) {
            assertFalse(f.tensors().containsKey("output.weight"));
        }
    }

    private static byte[] bytes(SafetensorsTensor t) {
        return t.data().toArray(ValueLayout.JAVA_BYTE);
    }
}
