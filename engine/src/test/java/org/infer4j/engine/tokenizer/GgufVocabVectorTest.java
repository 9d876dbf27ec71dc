package org.infer4j.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.SharedFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** llama.cpp's test-tokenizer-0 vectors on the vocabulary-only GGUFs shipped in shared/vocab. */
class GgufVocabVectorTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2"})
    void everyVectorMatchesLlamaCpp(String name) {
        String base = "vocab/ggml-vocab-" + name + ".gguf";
        VocabVectors vectors = VocabVectors.read(SharedFixtures.file(base + ".inp"), SharedFixtures.file(base + ".out"));
        try (GgufFile gguf = GgufFile.open(SharedFixtures.file(base))) {
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            assertVectors(name, tokenizer, vectors);
        }
    }

    static void assertVectors(String name, Tokenizer tokenizer, VocabVectors vectors) {
        List<String> failures = new ArrayList<>();
        for (VocabVectors.Case c : vectors.cases()) {
            int[] actual = tokenizer.encode(c.input(), false, false);
            if (!Arrays.equals(actual, c.expected())) {
                failures.add("'" + c.input().replace("\n", "\\n") + "': expected " + Arrays.toString(c.expected())
                        + " got " + Arrays.toString(actual));
            }
        }
        System.out.printf("%s: %d/%d vectors match%n", name, vectors.cases().size() - failures.size(),
                vectors.cases().size());
        assertThat(failures).as(name + " vectors").isEmpty();
        assertThat(vectors.cases()).hasSizeGreaterThan(40);
    }
}
