package org.infer4j.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.infer4j.engine.tokenizer.hf.Json;
import org.infer4j.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma 3's 262k SentencePiece-style vocabulary imported from its tokenizer.json as a "llama" (SPM)
 * GGUF vocabulary, checked against ids from the package's own encoder (see resources/tokenizer/README.md).
 */
class Gemma3ImportTest {
    @TempDir
    Path dir;

    @Test
    void importedGemma3MatchesTheReferenceEncoder() throws IOException {
        List<Map<String, Object>> cases = expectedCases();
        try (GgufFile gguf = ReferenceTokenizers.importToGguf("tokenizer-gemma3", dir)) {
            assertThat(gguf.getString("tokenizer.ggml.model")).isEqualTo("llama");
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            assertThat(tokenizer.vocabSize()).isEqualTo(262145); // 262144 pieces + <image_soft_token>
            List<String> failures = new ArrayList<>();
            for (Map<String, Object> c : cases) {
                String text = (String) c.get("text");
                int[] expected = ((List<?>) c.get("ids")).stream().mapToInt(o -> Math.toIntExact((Long) o)).toArray();
                int[] actual = tokenizer.encode(text, false, true);
                if (!Arrays.equals(actual, expected)) {
                    failures.add(text.replace("\n", "\\n") + ": expected " + Arrays.toString(expected)
                            + " got " + Arrays.toString(actual));
                }
            }
            System.out.printf("gemma3: %d/%d reference cases match%n", cases.size() - failures.size(), cases.size());
            assertThat(failures).isEmpty();
            assertThat(tokenizer.encode("Hi", true, false)[0]).isEqualTo(2); // <bos>, add_bos_token
            int endOfTurn = tokenizer.encode("<end_of_turn>", false, true)[0];
            assertThat(tokenizer.isEndOfGeneration(endOfTurn)).isTrue();
            for (Map<String, Object> c : cases) {
                String text = (String) c.get("text");
                assertThat(tokenizer.decode(tokenizer.encode(text, false, false), false)).isEqualTo(text);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> expectedCases() throws IOException {
        try (InputStream in = Gemma3ImportTest.class.getResourceAsStream("/tokenizer/gemma3-expected.json")) {
            Map<String, Object> root = (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return (List<Map<String, Object>>) root.get("cases");
        }
    }
}
