package org.infer4j.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufValueType;
import org.infer4j.gguf.GgufWriter;
import org.infer4j.gguf.SharedFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Special-token parsing, decoding and streaming on the shared vocabularies. Expected ids for special
 * tokens were taken from llama.cpp's llama-tokenize on the same files.
 */
class TokenizerBehaviourTest {
    private static final List<String> TEXTS = List.of(
            "Hello world",
            "  leading spaces and trailing  ",
            "Tabs\tand\nnew\n\nlines\r\n",
            "Ünïcödé ñ façade — naïve café",
            "日本語のテキストと中文字符",
            "emoji 🦙🚀😶‍🌫️ mixed",
            "int main() { return 0; } // code",
            "numbers 1234567 3.14159 -42",
            "x");

    private static GgufFile spmFile;
    private static GgufFile phiFile;
    private static GgufFile gptFile;
    private static Tokenizer spm;
    private static Tokenizer phi;
    private static Tokenizer gpt;

    @TempDir
    static Path dir;

    @BeforeAll
    static void open() {
        spmFile = GgufFile.open(SharedFixtures.file("vocab/ggml-vocab-llama-spm.gguf"));
        phiFile = GgufFile.open(SharedFixtures.file("vocab/ggml-vocab-phi-3.gguf"));
        gptFile = GgufFile.open(SharedFixtures.file("vocab/ggml-vocab-gpt-2.gguf"));
        spm = Tokenizers.fromGguf(spmFile);
        phi = Tokenizers.fromGguf(phiFile);
        gpt = Tokenizers.fromGguf(gptFile);
    }

    @AfterAll
    static void close() {
        spmFile.close();
        phiFile.close();
        gptFile.close();
    }

    @Test
    void controlTokensAreParsedOnlyWhenAsked() {
        assertThat(spm.encode("<s>Hi</s> x", false, true)).containsExactly(1, 6324, 2, 29871, 921);
        assertThat(spm.encode("<s>Hi", false, false)).containsExactly(529, 29879, 29958, 18567);
        assertThat(gpt.encode("a<|endoftext|>b", false, true)).containsExactly(64, 50256, 65);
        assertThat(gpt.encode("a<|endoftext|>b", false, false)).containsExactly(64, 27, 91, 437, 1659, 5239, 91, 29, 65);
    }

    @Test
    void phi3SpecialTokensSwallowTheWhitespaceAfterThem() {
        assertThat(phi.encode("<|user|>\nHi there<|end|>\n<s>x", false, true))
                .containsExactly(32010, 6324, 727, 32007, 1, 921);
        assertThat(phi.encode("<|user|>\nHi", false, false)).containsExactly(529, 29989, 1792, 29989, 29958, 13, 18567);
    }

    @Test
    void bosAndEosFollowTheVocabulary() {
        assertThat(spm.encode("Hello world", true, false)).containsExactly(1, 15043, 3186);
        assertThat(spm.encode("", true, false)).containsExactly(1);
        assertThat(spm.encode("", false, false)).isEmpty();
        assertThat(spm.bosToken()).isEqualTo(1);
        assertThat(spm.eosToken()).isEqualTo(2);
        assertThat(gpt.encode("Hello", true, false)).containsExactly(15496); // GPT-2 adds no BOS
    }

    @Test
    void endOfGenerationTokens() {
        assertThat(spm.isEndOfGeneration(2)).isTrue();
        assertThat(spm.isEndOfGeneration(1)).isFalse();
        assertThat(phi.isEndOfGeneration(32000)).isTrue(); // <|endoftext|>, the eos
        assertThat(phi.isEndOfGeneration(32007)).isTrue(); // <|end|>, recognised by its text
        assertThat(phi.isEndOfGeneration(32010)).isFalse(); // <|user|>
        assertThat(gpt.isEndOfGeneration(50256)).isTrue();
        assertThat(gpt.isEndOfGeneration(-1)).isFalse();
    }

    @Test
    void decodeInvertsEncode() {
        for (Tokenizer t : List.of(spm, phi, gpt)) {
            for (String text : TEXTS) {
                assertThat(t.decode(t.encode(text, false, false), false)).as(text).isEqualTo(text);
            }
        }
    }

    @Test
    void decodeAfterBosKeepsTheSpacePrefixAsLlamaCppDoes() {
        // llama.cpp strips the space prefix from the first token only; a leading BOS takes that place.
        assertThat(spm.decode(new int[] {15043, 3186}, false)).isEqualTo("Hello world");
        assertThat(spm.decode(new int[] {1, 15043, 3186}, false)).isEqualTo(" Hello world");
        assertThat(spm.decode(new int[] {1, 15043, 3186}, true)).isEqualTo("<s> Hello world");
    }

    @Test
    void piecesRenderBytesAndControlTokensOnRequest() {
        assertThat(spm.pieceBytes(15043, false)).isEqualTo(" Hello".getBytes(StandardCharsets.UTF_8));
        assertThat(spm.pieceBytes(1, false)).isEmpty();
        assertThat(spm.pieceBytes(1, true)).isEqualTo("<s>".getBytes(StandardCharsets.UTF_8));
        assertThat(spm.pieceBytes(spm.encode("\n", false, false)[1], false)).containsExactly('\n'); // <0x0A>
        assertThat(gpt.pieceBytes(gpt.encode(" world", false, false)[0], false))
                .isEqualTo(" world".getBytes(StandardCharsets.UTF_8));
        assertThat(gpt.tokenText(gpt.encode(" world", false, false)[0])).isEqualTo("Ġworld");
        assertThat(gpt.pieceBytes(50256, false)).isEmpty();
    }

    @Test
    void gpt2DecodingCleansTokenizationSpaces() {
        // llama.cpp's clean_spaces for gpt-2: " ," and " 's" lose their space on decode.
        assertThat(gpt.decode(gpt.encode("a , b 's", false, false), false)).isEqualTo("a, b's");
    }

    @Test
    void streamingDecodeHoldsBackSplitCharacters() {
        for (Tokenizer t : List.of(spm, gpt)) {
            String text = "日本🦙 naïve ✅ ok";
            int[] ids = t.encode(text, false, false);
            StreamingDecoder stream = t.newStreamingDecoder(false);
            StringBuilder out = new StringBuilder();
            for (int id : ids) {
                String part = stream.push(id);
                assertThat(part).doesNotContain("\uFFFD");
                out.append(part);
            }
            out.append(stream.flush());
            String expected = t == spm ? " " + text : text; // streaming has no first-token space stripping
            assertThat(out.toString()).isEqualTo(expected);
        }
    }

    @Test
    void longTextsEncodeInMilliseconds() {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 10_000) {
            sb.append("The quick brown fox jumps over the lazy dog; 12345 naïve 日本語 🦙!\n");
        }
        String text = sb.toString();
        for (Tokenizer t : List.of(spm, gpt)) {
            t.encode(text, false, false); // warm up
            long start = System.nanoTime();
            int[] ids = t.encode(text, false, false);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(t.decode(ids, false)).isEqualTo(text);
            assertThat(millis).as("ms to encode 10k characters").isLessThan(500);
        }
        String noSpaces = "a".repeat(10_000);
        long start = System.nanoTime();
        assertThat(gpt.decode(gpt.encode(noSpaces, false, false), false)).isEqualTo(noSpaces);
        assertThat(spm.decode(spm.encode(noSpaces, false, false), false)).isEqualTo(noSpaces);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1000);
    }

    @Test
    void unsupportedTokenizerKindsAreRefusedByName() throws IOException {
        Path file = dir.resolve("bert.gguf");
        new GgufWriter().putString("tokenizer.ggml.model", "bert")
                .putArray("tokenizer.ggml.tokens", GgufArray.ofStrings("[PAD]", "a")).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThatThrownBy(() -> Tokenizers.fromGguf(gguf))
                    .isInstanceOf(UnsupportedTokenizerException.class)
                    .hasMessageContaining("bert").hasMessageContaining("bert.gguf");
        }
    }

    @Test
    void unknownPreTokenizerFallsBackToTheDefault() throws IOException {
        Path file = dir.resolve("unknown-pre.gguf");
        new GgufWriter().putAll(gptFile.metadata()).putString("tokenizer.ggml.pre", "no-such-pre").write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            Tokenizer t = Tokenizers.fromGguf(gguf);
            assertThat(t.decode(t.encode("Hello world 123", false, false), false)).isEqualTo("Hello world 123");
        }
    }

    @Test
    void userDefinedTokensAreMatchedEvenWithoutParseSpecial() throws IOException {
        // A tiny BPE vocabulary: "<tool>" is user-defined, "<ctl>" control.
        String[] tokens = {"a", "b", "<", ">", "t", "o", "l", "c", "<tool>", "<ctl>"};
        long[] types = {1, 1, 1, 1, 1, 1, 1, 1, 4, 3};
        Path file = dir.resolve("user-defined.gguf");
        new GgufWriter().putString("tokenizer.ggml.model", "gpt2").putString("tokenizer.ggml.pre", "gpt-2")
                .putArray("tokenizer.ggml.tokens", GgufArray.ofStrings(tokens))
                .putArray("tokenizer.ggml.token_type", GgufArray.ofInts(GgufValueType.INT32, types))
                .putArray("tokenizer.ggml.merges", GgufArray.ofStrings())
                .write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            Tokenizer t = Tokenizers.fromGguf(gguf);
            assertThat(t.encode("a<tool>b", false, false)).containsExactly(0, 8, 1);
            assertThat(t.encode("a<ctl>b", false, false)).containsExactly(0, 2, 7, 4, 6, 3, 1);
            assertThat(t.encode("a<ctl>b", false, true)).containsExactly(0, 9, 1);
            assertThat(t.decode(new int[] {0, 8, 9, 1}, false)).isEqualTo("a<tool>b");
            assertThat(t.decode(new int[] {0, 8, 9, 1}, true)).isEqualTo("a<tool><ctl>b");
        }
    }
}
