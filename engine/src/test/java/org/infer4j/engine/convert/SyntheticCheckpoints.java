package org.infer4j.engine.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.infer4j.gguf.SharedFixtures;

/**
 * Tiny random Hugging Face model folders (1 layer, hidden 16, 2 heads of 8, 1 key/value head, vocab 2050
 * rows) with tinystories' tokenizer files, for family and option tests that need no trained weights.
 */
final class SyntheticCheckpoints {
    static final int HIDDEN = 16;
    static final int FF = 32;
    static final int VOCAB = 2050;

    private SyntheticCheckpoints() {}

    /** Writes a folder for {@code architecture}; {@code bf16} stores matrices as BF16, vectors stay F32. */
    static Path write(Path dir, String architecture, String extraConfig, boolean bias, boolean qkNorm, boolean bf16)
            throws IOException {
        Files.createDirectories(dir);
        Path tokenizerDir = SharedFixtures.root().resolve("models/tinystories-656k");
        Files.copy(tokenizerDir.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(tokenizerDir.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["%s"], "hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 2,
                 "num_key_value_heads": 1, "num_hidden_layers": 1, "max_position_embeddings": 64,
                 "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "vocab_size": 2050, "tie_word_embeddings": false %s}
                """.formatted(architecture, extraConfig));
        Random random = new Random(7);
        SafetensorsBuilder b = new SafetensorsBuilder();
        matrix(b, "lm_head.weight", VOCAB, HIDDEN, random, bf16);
        matrix(b, "model.embed_tokens.weight", VOCAB, HIDDEN, random, bf16);
        String p = "model.layers.0.";
        vector(b, p + "input_layernorm.weight", HIDDEN, random);
        matrix(b, p + "self_attn.q_proj.weight", HIDDEN, HIDDEN, random, bf16);
        matrix(b, p + "self_attn.k_proj.weight", 8, HIDDEN, random, bf16);
        matrix(b, p + "self_attn.v_proj.weight", 8, HIDDEN, random, bf16);
        if (bias) {
            vector(b, p + "self_attn.q_proj.bias", HIDDEN, random);
            vector(b, p + "self_attn.k_proj.bias", 8, random);
            vector(b, p + "self_attn.v_proj.bias", 8, random);
        }
        if (qkNorm) {
            vector(b, p + "self_attn.q_norm.weight", 8, random);
            vector(b, p + "self_attn.k_norm.weight", 8, random);
        }
        matrix(b, p + "self_attn.o_proj.weight", HIDDEN, HIDDEN, random, bf16);
        vector(b, p + "post_attention_layernorm.weight", HIDDEN, random);
        matrix(b, p + "mlp.gate_proj.weight", FF, HIDDEN, random, bf16);
        matrix(b, p + "mlp.up_proj.weight", FF, HIDDEN, random, bf16);
        matrix(b, p + "mlp.down_proj.weight", HIDDEN, FF, random, bf16);
        vector(b, "model.norm.weight", HIDDEN, random);
        b.write(dir.resolve("model.safetensors"));
        return dir;
    }

    private static void matrix(SafetensorsBuilder b, String name, int rows, int cols, Random random, boolean bf16) {
        float[] v = values(rows * cols, random);
        if (bf16) {
            b.bf16(name, new long[] {rows, cols}, v);
        } else {
            b.f32(name, new long[] {rows, cols}, v);
        }
    }

    private static void vector(SafetensorsBuilder b, String name, int n, Random random) {
        b.f32(name, new long[] {n}, values(n, random));
    }

    private static float[] values(int n, Random random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
