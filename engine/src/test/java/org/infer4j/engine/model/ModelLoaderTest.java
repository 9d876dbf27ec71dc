package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.infer4j.engine.tensor.UnsupportedTensorTypeException;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufWriter;
import org.infer4j.gguf.SharedFixtures;
import org.infer4j.gguf.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLoaderTest {
    @TempDir
    Path tmp;

    private static final Path STORIES = SharedFixtures.model("stories260K.gguf");

    @Test
    void specDescribesTheFile() {
        try (LanguageModel model = ModelLoader.load(GgufFile.open(STORIES), 1)) {
            ModelSpec spec = model.spec();
            assertThat(spec.architecture()).isEqualTo("llama");
            assertThat(spec.contextLength()).isEqualTo(2048);
            assertThat(spec.vocabSize()).isEqualTo(512);
            assertThat(spec.quantization()).isEqualTo("F32");
            // 5 layers of (64*64*2 + 64*32*2 + 172*64*3 + 2*64) + embeddings, head and final norm
            long perLayer = 64 * 64 * 2 + 64 * 32 * 2 + 172 * 64 * 3 + 2 * 64;
            assertThat(spec.parameterCount()).isEqualTo(5 * perLayer + 2 * 512 * 64 + 64);
        }
    }

    @Test
    void quantizationIsTheDominantMatrixType() throws IOException {
        Path q4 = tmp.resolve("q4.gguf");
        try (GgufFile in = GgufFile.open(STORIES)) {
            ModelQuantizer.quantize(in, q4, GgmlType.Q4_0);
        }
        try (LanguageModel model = ModelLoader.load(GgufFile.open(q4), 1)) {
            assertThat(model.spec().quantization()).isEqualTo("Q4_0");
        }
    }

    @Test
    void promptInOneCallEqualsChunksAndSingleTokens() {
        int[] tokens = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376};
        float[] whole = run(ModelLoader.load(GgufFile.open(STORIES), 2), tokens, 1);
        float[] chunked = run(ModelLoader.load(GgufFile.open(STORIES), 2, 3), tokens, 1);
        float[] single = run(ModelLoader.load(GgufFile.open(STORIES), 1), tokens, tokens.length);
        for (int i = 0; i < whole.length; i++) {
            assertThat(chunked[i]).isCloseTo(whole[i], org.assertj.core.data.Offset.offset(1e-4f));
            assertThat(single[i]).isCloseTo(whole[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    private static float[] run(LanguageModel model, int[] tokens, int calls) {
        try (model) {
            float[] logits = new float[model.spec().vocabSize()];
            KvCache cache = model.newCache(64);
            int per = tokens.length / calls;
            for (int c = 0; c < calls; c++) {
                model.forward(cache, java.util.Arrays.copyOfRange(tokens, c * per, c == calls - 1 ? tokens.length : (c + 1) * per), logits);
            }
            assertThat(cache.size()).isEqualTo(tokens.length);
            return logits;
        }
    }

    @Test
    void theSameInputGivesBitIdenticalLogitsBeforeAndAfterTheJitCompilesTheKernels() {
        try (LanguageModel model = ModelLoader.load(GgufFile.open(STORIES), 2)) {
            float[] first = new float[512];
            float[] again = new float[512];
            model.forward(model.newCache(16), new int[] {1, 403, 407, 261, 378}, first);
            for (int i = 0; i < 400; i++) {
                model.forward(model.newCache(16), new int[] {1, 403, 407, 261, 378}, again);
                assertThat(again).as("call %d", i).containsExactly(first);
            }
        }
    }

    @Test
    void truncateRewindsTheCache() {
        try (LanguageModel model = ModelLoader.load(GgufFile.open(STORIES), 1)) {
            float[] a = new float[512];
            float[] b = new float[512];
            KvCache cache = model.newCache(16);
            model.forward(cache, new int[] {1, 403, 407}, a);
            model.forward(cache, new int[] {261, 378}, b);
            cache.truncate(3);
            model.forward(cache, new int[] {261, 378}, a);
            assertThat(a).containsExactly(b);
            assertThatThrownBy(() -> model.forward(cache, new int[12], a)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("do not fit");
            assertThatThrownBy(() -> model.forward(cache, new int[] {512}, a)).hasMessageContaining("token id 512");
        }
    }

    @Test
    void otherArchitecturesAreRejectedByName() throws IOException {
        Path f = rewrite(w -> w.putString("general.architecture", "mamba"), null);
        try (GgufFile gguf = GgufFile.open(f)) {
            assertThatThrownBy(() -> ModelLoader.load(gguf, 1)).isInstanceOf(UnsupportedModelException.class)
                    .hasMessageContaining("mamba").hasMessageContaining(f.toString());
        }
    }

    @Test
    void missingHyperParameterIsNamed() throws IOException {
        Path f = rewrite(w -> w.remove("llama.embedding_length"), null);
        try (GgufFile gguf = GgufFile.open(f)) {
            assertThatThrownBy(() -> ModelLoader.load(gguf, 1)).isInstanceOf(InvalidModelException.class)
                    .hasMessageContaining("llama.embedding_length");
        }
    }

    @Test
    void inconsistentHeadCountsAreNamed() throws IOException {
        Path f = rewrite(w -> w.putUint32("llama.attention.head_count_kv", 3), null);
        try (GgufFile gguf = GgufFile.open(f)) {
            assertThatThrownBy(() -> ModelLoader.load(gguf, 1)).isInstanceOf(InvalidModelException.class)
                    .hasMessageContaining("llama.attention.head_count_kv");
        }
    }

    @Test
    void unsupportedTensorTypeIsNamed() throws IOException {
        Path f = rewrite(w -> { }, "blk.2.ffn_up.weight");
        try (GgufFile gguf = GgufFile.open(f)) {
            assertThatThrownBy(() -> ModelLoader.load(gguf, 1)).isInstanceOf(UnsupportedTensorTypeException.class)
                    .hasMessageContaining("blk.2.ffn_up.weight").hasMessageContaining("IQ4_NL");
        }
    }

    /** stories260K with edited metadata; {@code q5Tensor} (if given) relabelled as an all-zero IQ4_NL tensor (a type we do not compute with). */
    private Path rewrite(java.util.function.Consumer<GgufWriter> edit, String q5Tensor) throws IOException {
        Path out = tmp.resolve("edited.gguf");
        try (GgufFile in = GgufFile.open(STORIES)) {
            GgufWriter w = new GgufWriter().putAll(in.metadata());
            edit.accept(w);
            for (TensorInfo t : in.tensors().values()) {
                if (t.name().equals(q5Tensor)) {
                    w.addTensor(t.name(), GgmlType.IQ4_NL, new long[] {64, 172}, new byte[(int) GgmlType.IQ4_NL.byteSize(64 * 172)]);
                } else {
                    w.addTensor(t.name(), t.type(), t.shape(), in.tensorData(t));
                }
            }
            w.write(out);
        }
        return out;
    }
}
