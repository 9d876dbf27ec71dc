package org.infer4j.engine.convert;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Phi3ForCausalLM → GGUF "phi3": the fused {@code qkv_proj} and {@code gate_up_proj} stay fused
 * ({@code attn_qkv}, {@code ffn_up} with the gate rows first), RoPE rotates halves as stored, and LongRoPE
 * ({@code rope_scaling} with short and long factors) becomes the {@code rope_factors_short/long} tensors plus the
 * magnitude scale {@code rope.scaling.attn_factor}.
 */
public record Phi3Architecture() implements SourceArchitecture {

    @Override
    public String ggufName() {
        return "phi3";
    }

    @Override
    public Map<String, String> layerTensors() {
        return Map.of(
                "input_layernorm", "attn_norm",
                "self_attn.qkv_proj", "attn_qkv",
                "self_attn.o_proj", "attn_output",
                "post_attention_layernorm", "ffn_norm",
                "mlp.gate_up_proj", "ffn_up",
                "mlp.down_proj", "ffn_down");
    }

    @Override
    public void addHyperParameters(HfConfig config, ArchMetadata out) {
        out.archUint32("rope.dimension_count", ropeDims(config));
        originalContext(config).ifPresent(n -> out.archUint32("rope.scaling.original_context_length", n));
        // llama.cpp tells Phi-4 (no window) from Phi-3 by a zero here, and ignores the value otherwise
        out.archUint32("attention.sliding_window", config.findLong("sliding_window").orElse(0L));
        if (longFactors(config) != null) {
            long context = config.requireLong("max_position_embeddings", "n_positions");
            long original = originalContext(config).orElseThrow(() -> new CheckpointFormatException(config.source()
                    + ": LongRoPE factors without original_max_position_embeddings"));
            double scale = (double) context / original;
            // transformers' LongRoPE attention factor: cos and sin grow with the context extension
            double attnFactor = scale > 1 ? Math.sqrt(1 + Math.log(scale) / Math.log(original)) : 1;
            out.archFloat32("rope.scaling.attn_factor", attnFactor);
        }
    }

    private static long ropeDims(HfConfig config) {
        long hidden = config.requireLong("hidden_size", "n_embd");
        long heads = config.requireLong("num_attention_heads", "n_head");
        return (long) (RopeScaling.partialRotaryFactor(config, 1.0) * hidden) / heads;
    }

    private static Optional<Long> originalContext(HfConfig config) {
        if (RopeScaling.parameters(config).get("original_max_position_embeddings") instanceof Number n) {
            return Optional.of(n.longValue());
        }
        return Optional.empty();
    }

    private static List<?> longFactors(HfConfig config) {
        return RopeScaling.parameters(config).get("long_factor") instanceof List<?> l && !l.isEmpty() ? l : null;
    }

    @Override
    public List<GeneratedTensor> generatedTensors(HfConfig config) {
        List<?> longFactors = longFactors(config);
        if (longFactors == null) {
            return List.of();
        }
        if (!(RopeScaling.parameters(config).get("short_factor") instanceof List<?> shortFactors)) {
            throw new CheckpointFormatException(config.source() + ": rope_scaling has long_factor but no short_factor");
        }
        long half = ropeDims(config) / 2;
        if (longFactors.size() != half || shortFactors.size() != half) {
            throw new CheckpointFormatException(config.source() + ": LongRoPE needs " + half + " long and short factors, found "
                    + longFactors.size() + " and " + shortFactors.size());
        }
        return List.of(factors("rope_factors_long.weight", longFactors, config),
                factors("rope_factors_short.weight", shortFactors, config));
    }

    private static GeneratedTensor factors(String name, List<?> values, HfConfig config) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(values.get(i) instanceof Number n)) {
                throw new CheckpointFormatException(config.source() + ": rope factor " + values.get(i) + " is not a number");
            }
            out[i] = n.floatValue();
        }
        return new GeneratedTensor(name, new long[] {out.length}, out);
    }
}
