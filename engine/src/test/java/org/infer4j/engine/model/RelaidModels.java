package org.infer4j.engine.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import jdk.incubator.vector.ShortVector;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufWriter;
import org.infer4j.gguf.TensorInfo;

/** Small models whose weights are re-laid ({@link org.infer4j.engine.tensor.RelaidCopies}), and their logits. */
final class RelaidModels {
    /** A prompt (the batched kernels, their tiles from the copies) then single tokens (the one-token kernels). */
    static final int[] PROMPT = {1, 17, 300, 42, 7, 99};
    static final int[] NEXT = {5, 250, 11};

    private RelaidModels() {}

    /** Skips the test where copies are not re-laid: the machine's vectors are narrower than 512 bits. */
    static void assumeRelaid() {
        assumeTrue(ShortVector.SPECIES_PREFERRED.length() >= 32, "copies are re-laid only with 512-bit vectors");
    }

    /**
     * A small llama of {@code type} weights (tied output) in {@code dir}: Q4_0 as {@link RandomLlamaModel} quantizes
     * it; K types as random super-blocks (the project has no K quantizer) with small scales, every 2-D weight of the
     * Q4_0 file replaced.
     */
    static Path write(Path dir, GgmlType type) throws IOException {
        Path q4 = dir.resolve("model-Q4_0.gguf");
        if (!Files.exists(q4)) {
            RandomLlamaModel.writeTied(q4, RandomLlamaModel.PARITY, GgmlType.Q4_0, 11);
        }
        if (type == GgmlType.Q4_0) {
            return q4;
        }
        Path file = dir.resolve("model-" + type + ".gguf");
        Random rnd = new Random(5);
        try (GgufFile source = GgufFile.open(q4)) {
            GgufWriter writer = new GgufWriter().putAll(source.metadata());
            for (TensorInfo t : source.tensors().values()) {
                if (t.dimensions() == 2) {
                    writer.addTensor(t.name(), type, t.shape(), randomBlocks(type, rnd, t.elementCount() / 256));
                } else {
                    writer.addTensor(t.name(), t.type(), t.shape(), source.tensorData(t));
                }
            }
            writer.write(file);
        }
        return file;
    }

    private static byte[] randomBlocks(GgmlType type, Random rnd, long blocks) {
        int size = (int) type.byteSize(256);
        byte[] out = new byte[Math.toIntExact(blocks * size)];
        rnd.nextBytes(out);
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < blocks; i++) {
            short d = Float.floatToFloat16((float) Math.abs(rnd.nextGaussian() * 2e-3));
            if (type == GgmlType.Q4_K) {
                b.putShort(i * size, d);
                b.putShort(i * size + 2, Float.floatToFloat16((float) Math.abs(rnd.nextGaussian() * 2e-3)));
            } else {
                b.putShort(i * size + 208, d);
            }
        }
        return out;
    }

    /** The logits after the prompt and after each next token, end to end; closes the model. */
    static float[] logits(LanguageModel model) {
        try (model) {
            int vocab = model.spec().vocabSize();
            float[] all = new float[(1 + NEXT.length) * vocab];
            float[] logits = new float[vocab];
            KvCache cache = model.newCache(PROMPT.length + NEXT.length);
            model.forward(cache, PROMPT, logits);
            System.arraycopy(logits, 0, all, 0, vocab);
            for (int i = 0; i < NEXT.length; i++) {
                model.forward(cache, new int[] {NEXT[i]}, logits);
                System.arraycopy(logits, 0, all, (i + 1) * vocab, vocab);
            }
            return all;
        }
    }
}
