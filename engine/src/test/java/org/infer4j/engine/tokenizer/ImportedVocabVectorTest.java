package org.infer4j.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.SharedFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * llama.cpp's qwen2 and llama-bpe vectors, on vocabularies imported from the real tokenizer.json files
 * (Qwen 3 shares Qwen 2's BPE; Llama 3.1 is llama-bpe).
 */
class ImportedVocabVectorTest {
    @TempDir
    static Path dir;

    @Test
    void qwen2VectorsMatchLlamaCpp() {
        try (GgufFile gguf = ReferenceTokenizers.importToGguf("tokenizer-qwen3", dir)) {
            assertThat(gguf.getString("tokenizer.ggml.pre")).isEqualTo("qwen2");
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            GgufVocabVectorTest.assertVectors("qwen2", tokenizer, vectors("qwen2"));
            assertThat(tokenizer.bosToken()).isEqualTo(11); // no BOS in Qwen: llama.cpp's BPE default
            assertThat(tokenizer.encode("Hello", true, false)).containsExactly(9707); // add_bos_token false
            int imEnd = tokenizer.encode("<|im_end|>", false, true)[0];
            assertThat(tokenizer.eosToken()).isEqualTo(imEnd);
            assertThat(tokenizer.isEndOfGeneration(imEnd)).isTrue();
            assertThat(tokenizer.isEndOfGeneration(tokenizer.encode("<|endoftext|>", false, true)[0])).isTrue();
        }
    }

    @Test
    void llamaBpeVectorsMatchLlamaCpp() {
        try (GgufFile gguf = ReferenceTokenizers.importToGguf("tokenizer-llama3_1", dir)) {
            assertThat(gguf.getString("tokenizer.ggml.pre")).isEqualTo("llama-bpe");
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            GgufVocabVectorTest.assertVectors("llama-bpe", tokenizer, vectors("llama-bpe"));
            assertThat(tokenizer.bosToken()).isEqualTo(128000);
            assertThat(tokenizer.encode("Hello", true, false)).containsExactly(128000, 9906);
            assertThat(tokenizer.isEndOfGeneration(128009)).isTrue(); // <|eot_id|>
            assertThat(tokenizer.isEndOfGeneration(128001)).isTrue(); // <|end_of_text|>
            assertThat(tokenizer.isEndOfGeneration(128008)).isFalse(); // <|reserved_special_token_4|> in this release
            assertThat(tokenizer.isEndOfGeneration(9906)).isFalse();
        }
    }

    private static VocabVectors vectors(String name) {
        String base = "vocab/ggml-vocab-" + name + ".gguf";
        return VocabVectors.read(SharedFixtures.file(base + ".inp"), SharedFixtures.file(base + ".out"));
    }
}
