package org.infer4j.engine.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.infer4j.engine.tensor.Quantizer;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufWriter;

/**
 * Writes llama-architecture GGUF files of realistic shapes with seeded random weights, for parity and
 * speed checks where no trained model of that shape is at hand. The same seed gives the same bytes, so a
 * test and the script that records llama.cpp's answers for it (scripts/make-model-fixtures.sh) see one file.
 *
 * <p>usage: {@code RandomLlamaModel parity OUT.gguf VOCAB_SOURCE.gguf}, {@code RandomLlamaModel bench OUT.gguf TYPE} or
 * {@code RandomLlamaModel bench-tied OUT.gguf TYPE qwen2.5-0.5b|llama-3.2-1b} (bench/run.sh)
 */
public final class RandomLlamaModel {

    /** Shape of a generated model. */
    public record Shape(int dim, int layers, int heads, int kvHeads, int ffnDim, int vocab, int contextLength) {}

    /** dim 256, 4 layers, 8 heads over 2 KV heads (GQA 4:1), FFN 768: small, but with every stride of a real model. */
    public static final Shape PARITY = new Shape(256, 4, 8, 2, 768, 512, 2048);
    /** Qwen2.5-0.5B's shape on the llama architecture. */
    public static final Shape QWEN_0_5B = new Shape(896, 24, 14, 2, 4864, 151936, 32768);
    /** Llama-3.2-1B's shape (its output reuses the token embedding, as there: see {@link #writeTied}). */
    public static final Shape LLAMA_1B = new Shape(2048, 16, 32, 8, 8192, 128256, 131072);

    private RandomLlamaModel() {}

    /**
     * Writes a model of {@code shape} with 2-D weights stored as {@code type}; if {@code vocabSource} is given,
     * its tokenizer metadata is copied (its vocabulary size must match).
     */
    public static void write(Path out, Shape shape, GgmlType type, long seed, GgufFile vocabSource) throws IOException {
        write(out, shape, type, seed, vocabSource, false);
    }

    /**
     * As {@link #write}, without an {@code output.weight}: the output projection is the token embedding, as in
     * Qwen2.5-0.5B and Llama-3.2-1B (so file size and bytes read per token match those models).
     */
    public static void writeTied(Path out, Shape shape, GgmlType type, long seed) throws IOException {
        write(out, shape, type, seed, null, true);
    }

    private static void write(Path out, Shape shape, GgmlType type, long seed, GgufFile vocabSource, boolean tied)
            throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString("general.name", "random-llama-" + shape.dim() + "x" + shape.layers());
        w.putUint32("general.file_type", ModelQuantizer.fileType(type));
        w.putUint32("llama.context_length", shape.contextLength());
        w.putUint32("llama.embedding_length", shape.dim());
        w.putUint32("llama.feed_forward_length", shape.ffnDim());
        w.putUint32("llama.block_count", shape.layers());
        w.putUint32("llama.attention.head_count", shape.heads());
        w.putUint32("llama.attention.head_count_kv", shape.kvHeads());
        w.putUint32("llama.rope.dimension_count", shape.dim() / shape.heads());
        w.putFloat32("llama.rope.freq_base", 10000f);
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        if (vocabSource == null) {
            syntheticVocabulary(w, shape.vocab());
        }
        if (vocabSource != null) {
            for (var e : vocabSource.metadata().entrySet()) {
                if (e.getKey().equals("tokenizer.ggml.token_type")) {
                    w.putArray(e.getKey(), withoutByteTokens(vocabSource.getArray(e.getKey())));
                } else if (e.getKey().startsWith("tokenizer.")) {
                    w.put(e.getKey(), e.getValue());
                }
            }
        }
        int dim = shape.dim();
        int kv = shape.kvHeads() * (dim / shape.heads());
        float projection = (float) (1 / Math.sqrt(dim));
        matrix(w, rnd, "token_embd.weight", type, shape.vocab(), dim, 1f);
        vector(w, rnd, "output_norm.weight", dim);
        if (!tied) {
            matrix(w, rnd, "output.weight", type, shape.vocab(), dim, 3f * projection);
        }
        for (int l = 0; l < shape.layers(); l++) {
            String p = "blk." + l + ".";
            matrix(w, rnd, p + "attn_q.weight", type, dim, dim, 2f * projection);
            matrix(w, rnd, p + "attn_k.weight", type, kv, dim, 2f * projection);
            matrix(w, rnd, p + "attn_v.weight", type, kv, dim, projection);
            matrix(w, rnd, p + "attn_output.weight", type, dim, dim, projection);
            vector(w, rnd, p + "attn_norm.weight", dim);
            matrix(w, rnd, p + "ffn_gate.weight", type, shape.ffnDim(), dim, projection);
            matrix(w, rnd, p + "ffn_up.weight", type, shape.ffnDim(), dim, projection);
            matrix(w, rnd, p + "ffn_down.weight", type, dim, shape.ffnDim(), (float) (1 / Math.sqrt(shape.ffnDim())));
            vector(w, rnd, p + "ffn_norm.weight", dim);
        }
        w.write(out);
    }

    /**
     * A SentencePiece-style vocabulary of {@code size} made-up tokens (unknown, BOS, EOS, the 256 byte tokens,
     * then "t259", "t260", ...), enough for llama.cpp's loader and tools such as llama-bench that never tokenize.
     */
    private static void syntheticVocabulary(GgufWriter w, int size) {
        String[] tokens = new String[size];
        float[] scores = new float[size];
        long[] types = new long[size];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        types[0] = 2;
        types[1] = types[2] = 3;
        for (int i = 3; i < size; i++) {
            boolean isByte = i < 3 + 256;
            tokens[i] = isByte ? String.format("<0x%02X>", i - 3) : "t" + i;
            types[i] = isByte ? 6 : 1;
        }
        w.putString("tokenizer.ggml.model", "llama");
        w.putArray("tokenizer.ggml.tokens", GgufArray.ofStrings(tokens));
        w.putArray("tokenizer.ggml.scores", GgufArray.ofFloats(scores));
        w.putArray("tokenizer.ggml.token_type", GgufArray.ofInts(org.infer4j.gguf.GgufValueType.INT32, types));
        w.putUint32("tokenizer.ggml.unknown_token_id", 0);
        w.putUint32("tokenizer.ggml.bos_token_id", 1);
        w.putUint32("tokenizer.ggml.eos_token_id", 2);
    }

    /**
     * Byte-fallback tokens (type 6) become normal tokens whose text is their name ("<0x0A>"): random weights
     * pick them often, and llama-server withholds the probabilities of a token that ends inside a UTF-8
     * character, which would leave holes in the recorded steps.
     */
    private static GgufArray withoutByteTokens(GgufArray types) {
        long[] t = types.longs().clone();
        for (int i = 0; i < t.length; i++) {
            if (t[i] == 6) {
                t[i] = 1;
            }
        }
        return new GgufArray(types.elementType(), t);
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

    public static void main(String[] args) throws IOException {
        switch (args[0]) {
            case "parity" -> {
                try (GgufFile vocab = GgufFile.open(Path.of(args[2]))) {
                    write(Path.of(args[1]), PARITY, GgmlType.F32, 42, vocab);
                }
            }
            case "bench" -> write(Path.of(args[1]), QWEN_0_5B, GgmlType.valueOf(args[2]), 7, null);
            case "bench-tied" -> writeTied(Path.of(args[1]), switch (args[3]) {
                case "qwen2.5-0.5b" -> QWEN_0_5B;
                case "llama-3.2-1b" -> LLAMA_1B;
                default -> throw new IllegalArgumentException("shape: qwen2.5-0.5b or llama-3.2-1b, not " + args[3]);
            }, GgmlType.valueOf(args[2]), 7);
            case "quantize" -> {
                try (GgufFile source = GgufFile.open(Path.of(args[1]))) {
                    ModelQuantizer.quantize(source, Path.of(args[2]), GgmlType.valueOf(args[3]));
                }
            }
            default -> throw new IllegalArgumentException("usage: parity OUT VOCAB | bench OUT TYPE | bench-tied OUT TYPE SHAPE | quantize IN OUT TYPE");
        }
    }
}
