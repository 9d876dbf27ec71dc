package org.infer4j.engine.model;

import org.infer4j.engine.tensor.WeightMatrix;

/**
 * The weights of a llama-family model, as views of the mapped file (norm vectors are copied: they are tiny).
 *
 * @param tokenEmbedding (vocab, dim)
 * @param layers         one per block
 * @param outputNorm     (dim)
 * @param output         (vocab, dim): {@code output.weight}, or the token embedding when tied
 */
public record LlamaWeights(WeightMatrix tokenEmbedding, Layer[] layers, float[] outputNorm, WeightMatrix output) {

    /**
     * @param attentionNorm (dim)
     * @param wq            (heads * keyDim, dim)
     * @param wk            (kvHeads * keyDim, dim)
     * @param wv            (kvHeads * valueDim, dim)
     * @param wo            (dim, heads * valueDim)
     * @param ffnNorm       (dim)
     * @param gate          (ffnDim, dim)
     * @param up            (ffnDim, dim)
     * @param down          (dim, ffnDim)
     */
    public record Layer(float[] attentionNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                        float[] ffnNorm, WeightMatrix gate, WeightMatrix up, WeightMatrix down) {}
}
