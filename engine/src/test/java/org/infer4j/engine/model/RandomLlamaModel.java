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
 * <p>usage: {@code RandomLlamaModel parity OUT.gguf VOCAB_SOURCE.gguf} or {@code RandomLlamaModel bench OUT.gguf TYPE}
 */
public final class RandomLlamaModel {

    /** Shape of a generated model. */
    public record Shape(int dim, int layers, int heads, int kvHeads, int ffnDim, int vocab, int contextLength) {}

    /** dim 256, 4 layers, 8 heads over 2 KV heads (GQA 4:1), FFN 768: small, but with every stride of a real model. */
    public static final Shape PARITY = new Shape(256, 4, 8, 2, 768, 512, 2048);
    /** Qwen2.5-0.5B's shape on the llama architecture. */
    public static final Shape QWEN_0_5B = new Shape(896, 24, 14, 2, 4864, 151936, 32768);

    private RandomLlamaModel() {}

    /**
     * Writes a model of {@code shape} with 2-D weights stored as {@code type}; if {@code vocabSource} is given,
     * its tokenizer metadata is copied (its vocabulary size must match).
     */
    public static void write(Path out, Shape shape, GgmlType type, long seed, GgufFile vocabSource) throws IOException {
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
        matrix(w, rnd, "output.weight", type, shape.vocab(), dim, 3f * projection);
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
            case "quantize" -> {
                try (GgufFile source = GgufFile.open(Path.of(args[1]))) {
                    ModelQuantizer.quantize(source, Path.of(args[2]), GgmlType.valueOf(args[3]));
                }
            }
            default -> throw new IllegalArgumentException("usage: parity OUT VOCAB | bench OUT TYPE | quantize IN OUT TYPE");
        }
    }
}
