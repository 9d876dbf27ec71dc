package org.infer4j.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.engine.tokenizer.hf.Json;
import org.infer4j.engine.tokenizer.hf.TokenizerJsonImporter;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufWriter;
import org.infer4j.gguf.LlamaCppPeer;
import org.infer4j.gguf.MetadataValue;
import org.infer4j.gguf.SharedFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code tokenizer.ggml.pre} name llama.cpp knows, and the BPE tokenizer models besides "gpt2", checked
 * live against the peer's llama-tokenize: a real vocabulary is written under each name and both sides
 * tokenize the same texts. Byte-level names use GPT-2's vocabulary; the SentencePiece-style ones (raw
 * UTF-8, {@code <0xXX>} byte tokens) use Gemma 3's tokenizer.json vocabulary and merges.
 */
class PreTokenizerPeerTest {
    /** llama.cpp's loader's list of pre-tokenizer names (llama-vocab.cpp), all of which it runs as BPE. */
    private static final List<String> LLAMA_CPP_NAMES = List.of("default", "minicpm5", "llama3", "llama-v3",
            "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano", "deepseek-llm",
            "deepseek-coder", "deepseek-v3", "spark2_5", "youtu", "falcon", "mpt", "starcoder", "gpt-2", "phi-2",
            "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert", "jais-2",
            "gemma4", "granite-embed-multi-311m", "sarvam-moe", "jina-v1-en", "jina-v2-code", "roberta-bpe",
            "whitespace", "refact", "command-r", "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "qwen35", "stablelm2",
            "olmo", "dbrx", "smaug-bpe", "poro-chat", "glm4", "chatglm-bpe", "viking", "jais", "tekken", "smollm",
            "codeshell", "bloom", "gpt3-finnish", "exaone", "exaone4", "exaone-moe", "chameleon", "minerva-7b",
            "megrez", "gpt-4o", "llama4", "kanana2", "talkie", "granite-embed-multi-97m", "tiny_aya", "cohere2moe",
            "superbpe", "trillion", "granite-docling", "bailingmoe", "bailingmoe2", "llada-moe", "seed-coder",
            "hunyuan", "hunyuan-dense", "hy_v4", "joyai-llm", "kimi-k2", "ufakzeka", "grok-2", "afmoe", "laguna",
            "minimax-m2", "solar-open", "mellum2");

    /** Names for raw UTF-8 vocabularies (llama.cpp asserts when they run on a byte-level one). */
    private static final List<String> RAW_UTF8 = List.of("gemma4", "granite-embed-multi-311m", "sarvam-moe",
            "whitespace");

    private static final List<String> TEXTS = List.of(
            "Hello world! How's it going? I'd've thought they'll say WE'RE fine, don't you?",
            "'s 'T 'Re 'vE 'm 'LL 'd can't I'M o'clock rock'n'roll",
            "日本語のテキストと中文字符，混合English和数字123。",
            "Kimi: 中文English混合 abc中def 123中456 中'''s 漢字かな カナ",
            "numbers 1 12 123 1234 12345 123456 1234567 3.14159 -42 x1234y 1234x ab123 ٣٤٥٦ ½",
            "  leading spaces and trailing   ",
            "lines\n\n\n  indented\tTabs\r\nCRLF\n \n",
            "Ünïcödé ñ façade — naïve café ǅemal ﬁne Ωmega",
            "e\u0301 a\u0308 नमस्ते दुनिया তেলেগু",
            "emoji 🦙🚀😶‍🌫️ mixed 👍🏽 ok",
            "int main() { return a+b*c; } // code\n    if (x >= 10) { y--; }\n\tprint(\"$HOME\", 'q');",
            "한국어 텍스트와 ไทย ภาษา ພາສາລາວ ខ្មែរ ကမ္ဘာ ꦗꦮ ﾊﾝｶｸ ⼀⼆",
            "Привет, мир! Ελληνικά. العربية: مرحبا",
            "\u00A0nbsp\u2003em\u3000ideographic\u200Bzw\u0085nel",
            "...!!! ??? ,,, ;; -- __ ** ## @@ ~~ ^^ || << >> ``",
            "x",
            "\n",
            "trailing newline\n",
            "   ");

    @TempDir
    static Path dir;

    private static GgufFile gpt2;
    private static Map<String, MetadataValue> gemma;

    @BeforeAll
    static void vocabularies() {
        gpt2 = GgufFile.open(SharedFixtures.file("vocab/ggml-vocab-gpt-2.gguf"));
        gemma = sentencePieceBpe();
    }

    @Test
    void everyLlamaCppNameIsKnown() {
        for (String name : LLAMA_CPP_NAMES) {
            assertThat(BpeSettings.forPre(name).known()).as(name).isTrue();
        }
        assertThat(BpeSettings.forPre("no-such-pre").known()).isFalse();
    }

    /** Every name on GPT-2's byte-level vocabulary. */
    @Test
    void everyNameMatchesThePeerOnGpt2Vocabulary() {
        List<String> failures = new ArrayList<>();
        List<String> names = LLAMA_CPP_NAMES.stream().filter(n -> !RAW_UTF8.contains(n)).toList();
        for (String name : names) {
            compare(name, write(name, "gpt2", name, gpt2.metadata()), "<|endoftext|>", failures);
        }
        System.out.printf("pre-tokenizers on GPT-2's vocabulary: %d/%d names match the peer on all %d texts%n",
                names.size() - failures.size(), names.size(), TEXTS.size());
        assertThat(failures).isEmpty();
    }

    /** SentencePiece-style BPE names and the "gemma4" and "whitespace" models on Gemma 3's vocabulary. */
    @Test
    void rawUtf8VocabulariesMatchThePeer() {
        Map<String, Path> files = new LinkedHashMap<>();
        for (String name : List.of("gemma4", "sarvam-moe", "whitespace")) { // granite-embed-multi-311m is gemma4
            files.put("gpt2/" + name, write("gemma-" + name, "gpt2", name, gemma));
        }
        files.put("gemma4/-", write("gemma-model-gemma4", "gemma4", "default", gemma));
        files.put("whitespace/whitespace", write("gemma-model-ws", "whitespace", "whitespace", gemma));
        files.put("whitespace/gpt-2", write("gemma-model-ws-lower", "whitespace", "gpt-2", gemma));
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            compare(e.getKey(), e.getValue(), "<end_of_turn>", failures);
        }
        System.out.printf("raw UTF-8 BPE: %d/%d model/pre pairs match the peer on all %d texts%n",
                files.size() - failures.size(), files.size(), TEXTS.size());
        assertThat(failures).isEmpty();
    }

    /**
     * The "hybriddna" model: GPT-2's vocabulary plus {@code <dna>}, {@code </dna>}, {@code <oov>} and every DNA
     * 6-mer (with llama.cpp's marker suffix), as a HybriDNA file has them. Tagged spans become 6-mers (lower case
     * folded, the tail padded with A, anything else {@code <oov>}), the rest stays BPE; k-mers decode to bare bases.
     */
    @Test
    void hybridDnaMatchesThePeer() {
        Map<String, MetadataValue> vocab = new LinkedHashMap<>(gpt2.metadata());
        String[] base = gpt2.getArray("tokenizer.ggml.tokens").strings();
        long[] baseTypes = gpt2.getArray("tokenizer.ggml.token_type").longs();
        List<String> tokens = new ArrayList<>(Arrays.asList(base));
        tokens.addAll(List.of("<dna>", "</dna>", "<oov>"));
        String bases = "ACGT";
        for (int i = 0; i < 4096; i++) {
            StringBuilder kmer = new StringBuilder();
            for (int j = 5; j >= 0; j--) {
                kmer.append(bases.charAt((i >> (2 * j)) & 3));
            }
            tokens.add(kmer + "\uE000");
        }
        long[] types = Arrays.copyOf(baseTypes, tokens.size());
        Arrays.fill(types, base.length, types.length, 1); // normal tokens: the tags reach the DNA splitter as text
        vocab.put("tokenizer.ggml.tokens", MetadataValue.ofArray(GgufArray.ofStrings(tokens.toArray(String[]::new))));
        vocab.put("tokenizer.ggml.token_type", MetadataValue.ofArray(
                GgufArray.ofInts(gpt2.getArray("tokenizer.ggml.token_type").elementType(), types)));
        Path file = write("gpt2-hybriddna", "hybriddna", "default", vocab);
        List<String> texts = List.of(
                "The gene <dna>ACGTACGGTTCA</dna> is short.",
                "<dna>acgtacgg</dna>",
                "mixed <dna>ACGNNNACGTAA</dna> and <dna>AC</dna> then text",
                "<dna>TTTTTTGGGGGGCCCCC",
                "no tags at all, just CCCCCC and ACGT",
                "<dna></dna><dna>A</dna>x");
        List<String> failures = new ArrayList<>();
        try (GgufFile gguf = GgufFile.open(file)) {
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            for (String text : texts) {
                int[] expected = peerIds(file, text);
                int[] actual = tokenizer.encode(text, true, true);
                if (!Arrays.equals(actual, expected)) {
                    failures.add(text + ": peer " + Arrays.toString(expected) + " ours " + Arrays.toString(actual));
                }
            }
            int[] dna = tokenizer.encode("<dna>ACGTACGGTTCA</dna>", false, true);
            assertThat(dna).hasSize(4);
            assertThat(tokenizer.decode(dna, false)).isEqualTo("<dna>ACGTACGGTTCA</dna>");
        }
        assertThat(failures).isEmpty();
    }

    /**
     * One peer call per vocabulary: the texts joined by a control token, which llama.cpp (like us) cuts out
     * before pre-tokenizing, so each text is tokenized on its own exactly as if it came alone.
     */
    private static void compare(String label, Path file, String separator, List<String> failures) {
        String document = String.join(separator, TEXTS);
        int[] expected = peerIds(file, document);
        try (GgufFile gguf = GgufFile.open(file)) {
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            int[] actual = tokenizer.encode(document, true, true);
            if (!Arrays.equals(actual, expected)) {
                failures.add(label + ": peer " + Arrays.toString(expected) + "\n  ours " + Arrays.toString(actual)
                        + firstDifference(file, tokenizer));
            }
        }
    }

    /** Names the first text the two sides tokenize differently on its own (for the failure message). */
    private static String firstDifference(Path file, Tokenizer tokenizer) {
        return "\n  first differing text: " + TEXTS.stream()
                .filter(t -> !Arrays.equals(tokenizer.encode(t, true, true), peerIds(file, t)))
                .findFirst().orElse("?").replace("\n", "\\n");
    }

    /** llama-tokenize's ids for {@code text} with the vocabulary's own BOS/EOS settings, specials parsed. */
    private static int[] peerIds(Path vocab, String text) {
        try {
            Path input = Files.createTempFile(dir, "text", ".txt");
            Files.writeString(input, text, StandardCharsets.UTF_8);
            var r = LlamaCppPeer.run(List.of(LlamaCppPeer.tool("llama-tokenize").toString(), "-m", vocab.toString(),
                    "-f", input.toString(), "--no-escape", "--ids", "--log-disable"), 120);
            Files.delete(input);
            if (r.exitCode() != 0) {
                throw new AssertionError("llama-tokenize failed on " + vocab + ": " + r.stderr());
            }
            String out = r.stdout().strip();
            String list = out.substring(out.lastIndexOf('[') + 1, out.lastIndexOf(']')).strip();
            return list.isEmpty() ? new int[0]
                    : Arrays.stream(list.split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(String fileName, String model, String pre, Map<String, MetadataValue> vocab) {
        Path file = dir.resolve(fileName + ".gguf");
        try {
            new GgufWriter().putAll(vocab).putString("tokenizer.ggml.model", model)
                    .putString("tokenizer.ggml.pre", pre).write(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Gemma 3's vocabulary as a SentencePiece-style BPE one: the imported tokens plus the file's merges. */
    @SuppressWarnings("unchecked")
    private static Map<String, MetadataValue> sentencePieceBpe() {
        Path models = ReferenceTokenizers.packageModels("tokenizer-gemma3");
        Map<String, MetadataValue> metadata = new LinkedHashMap<>(TokenizerJsonImporter.importDirectory(models));
        metadata.put("general.architecture", MetadataValue.ofString("llama"));
        try {
            Map<String, Object> json = (Map<String, Object>) Json.parse(
                    Files.readString(models.resolve("tokenizer.json"), StandardCharsets.UTF_8));
            List<Object> merges = (List<Object>) ((Map<String, Object>) json.get("model")).get("merges");
            String[] texts = merges.stream()
                    .map(m -> m instanceof List<?> pair ? pair.get(0) + " " + pair.get(1) : (String) m)
                    .toArray(String[]::new);
            metadata.put("tokenizer.ggml.merges", MetadataValue.ofArray(GgufArray.ofStrings(texts)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return metadata;
    }
}
