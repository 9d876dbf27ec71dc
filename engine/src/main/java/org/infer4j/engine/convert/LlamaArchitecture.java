package org.infer4j.engine.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * LlamaForCausalLM and MistralForCausalLM → GGUF "llama". Q and K rows are permuted from Hugging Face's
 * rotate-half layout to llama.cpp's interleaved RoPE ({@link RopePermutation}); {@code vocab_size} and
 * {@code rope.dimension_count} are written; Llama 3 rope scaling becomes a {@code rope_freqs} tensor.
 */
public record LlamaArchitecture() implements SourceArchitecture {

    @Override
    public String ggufName() {
        return "llama";
    }

    @Override
    public Map<String, String> layerTensors() {
        return SourceArchitecture.decoderLayerTensors();
    }

    @Override
    public void addHyperParameters(HfConfig config, ArchMetadata out) {
        out.archUint32("vocab_size", config.requireLong("vocab_size"));
        out.archUint32("rope.dimension_count", headDim(config));
    }

    private static long headDim(HfConfig config) {
        return config.findLong("head_dim")
                .orElseGet(() -> config.requireLong("hidden_size") / config.requireLong("num_attention_heads"));
    }

    @Override
    public Optional<RopePermutation> permutation(String ggufTensor, HfConfig config) {
        int heads = Math.toIntExact(config.requireLong("num_attention_heads"));
        if (ggufTensor.endsWith(".attn_q.weight") || ggufTensor.endsWith(".attn_q.bias")) {
            return Optional.of(new RopePermutation(heads));
        }
        if (ggufTensor.endsWith(".attn_k.weight") || ggufTensor.endsWith(".attn_k.bias")) {
            int kvHeads = Math.toIntExact(config.findLong("num_key_value_heads").orElse((long) heads));
            return Optional.of(new RopePermutation(kvHeads));
        }
        return Optional.empty();
    }

    /**
     * Llama 3.1 "llama3" rope scaling: per-frequency divisors of the rotation frequencies (1 for high
     * frequencies, {@code factor} for low ones, a smooth blend between), which llama.cpp reads from {@code rope_freqs.weight}.
     */
    @Override
    public List<GeneratedTensor> generatedTensors(HfConfig config) {
        Map<String, Object> rope = RopeScaling.parameters(config);
        if (!(rope.get("rope_type") instanceof String type) || !type.equalsIgnoreCase("llama3")) {
            return List.of();
        }
        double base = number(rope.get("rope_theta"), 10000.0);
        long dim = headDim(config);
        double factor = number(rope.get("factor"), 8.0);
        double lowFreqFactor = number(rope.get("low_freq_factor"), 1.0);
        double highFreqFactor = number(rope.get("high_freq_factor"), 4.0);
        double oldContext = number(rope.get("original_max_position_embeddings"), 8192);
        double lowFreqWavelen = oldContext / lowFreqFactor;
        double highFreqWavelen = oldContext / highFreqFactor;
        List<Float> factors = new ArrayList<>();
        for (long i = 0; i < dim; i += 2) {
            // torch evaluates these in float32; float arithmetic keeps the factors bit-close to its output
            float freq = 1f / (float) Math.pow(base, (float) i / dim);
            float wavelen = (float) (2 * Math.PI) / freq;
            if (wavelen < highFreqWavelen) {
                factors.add(1f);
            } else if (wavelen > lowFreqWavelen) {
                factors.add((float) factor);
            } else {
                float smooth = (float) ((oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor));
                factors.add((float) (1 / ((1 - smooth) / factor + smooth)));
            }
        }
        float[] values = new float[factors.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = factors.get(i);
        }
        return List.of(new GeneratedTensor("rope_freqs.weight", new long[] {values.length}, values));
    }

    private static double number(Object o, double defaultValue) {
        return o instanceof Number n ? n.doubleValue() : defaultValue;
    }
}
