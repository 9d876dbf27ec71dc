package org.infer4j.engine.model;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.infer4j.engine.tensor.WeightMatrix;

/**
 * The weights of a model, as views of the mapped file (norm vectors and biases are copied: they are tiny).
 * Fused tensors ({@code attn_qkv}, a gate+up {@code ffn_up}) are split into row ranges of the same mapping, so
 * the forward pass sees one layout. Optional parts are null where the family or file has none.
 *
 * @param tokenEmbedding (vocab, dim)
 * @param layers         one per block
 * @param outputNorm     (dim)
 * @param output         (vocab, dim): {@code output.weight}, or the token embedding when tied
 * @param outputBias     (vocab) or null
 */
public record TransformerWeights(WeightMatrix tokenEmbedding, Layer[] layers, float[] outputNorm, WeightMatrix output,
                                 float[] outputBias) {

    /**
     * These weights with every matrix replaced by {@code f} of it, the layers in parallel; the token embedding that
     * is also the output (tied) is mapped once, and stays one matrix.
     */
    TransformerWeights map(UnaryOperator<WeightMatrix> f) {
        WeightMatrix embedding = f.apply(tokenEmbedding);
        WeightMatrix out = output == tokenEmbedding ? embedding : f.apply(output);
        Layer[] mapped = new Layer[layers.length];
        IntStream.range(0, layers.length).parallel().forEach(i -> mapped[i] = layers[i].map(f));
        return new TransformerWeights(embedding, mapped, outputNorm, out, outputBias);
    }

    /** Runs {@code action} on every matrix, the tied embedding once. */
    void forEachMatrix(Consumer<WeightMatrix> action) {
        action.accept(tokenEmbedding);
        if (output != tokenEmbedding) {
            action.accept(output);
        }
        for (Layer layer : layers) {
            layer.matrices().forEach(action);
        }
    }

    /**
     * @param attentionNorm     (dim)
     * @param wq                (heads * keyDim, dim)
     * @param wk                (kvHeads * keyDim, dim)
     * @param wv                (kvHeads * valueDim, dim)
     * @param bq                (heads * keyDim) or null; bk, bv likewise
     * @param queryNorm         (keyDim) RMSNorm weight applied to every query head, or null; keyNorm likewise
     * @param wo                (dim, heads * valueDim)
     * @param postAttentionNorm (dim) or null
     * @param ffnNorm           (dim)
     * @param gate              (ffnDim, dim)
     * @param up                (ffnDim, dim)
     * @param down              (dim, ffnDim)
     * @param postFfnNorm       (dim) or null
     */
    public record Layer(float[] attentionNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv,
                        float[] bq, float[] bk, float[] bv, float[] queryNorm, float[] keyNorm, WeightMatrix wo,
                        float[] postAttentionNorm, float[] ffnNorm, WeightMatrix gate, WeightMatrix up,
                        WeightMatrix down, float[] postFfnNorm) {

        /** The layer's matrices. */
        List<WeightMatrix> matrices() {
            return List.of(wq, wk, wv, wo, gate, up, down);
        }

        /** This layer with every matrix replaced by {@code f} of it. */
        Layer map(UnaryOperator<WeightMatrix> f) {
            return new Layer(attentionNorm, f.apply(wq), f.apply(wk), f.apply(wv), bq, bk, bv, queryNorm, keyNorm,
                    f.apply(wo), postAttentionNorm, ffnNorm, f.apply(gate), f.apply(up), f.apply(down), postFfnNorm);
        }
    }
}
