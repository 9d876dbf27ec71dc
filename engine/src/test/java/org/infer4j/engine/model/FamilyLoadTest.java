package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufWriter;
import org.infer4j.gguf.MetadataValue;
import org.infer4j.gguf.TensorInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Loading every family: what /v1/models reports ({@link ModelSpec}) and the errors for broken files. */
class FamilyLoadTest {
    private static final RandomModels.Dims DIMS = new RandomModels.Dims(64, 2, 4, 2, 32, 128, 1024, 4);
    private static Map<String, MetadataValue> vocab;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void vocabulary() {
        vocab = RandomModels.printable(RandomModels.vocabulary("phi-3"));
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void specReportsArchitectureParametersAndQuantization(Architecture arch) throws IOException {
        Path file = tmp.resolve(arch.ggufName() + "-q8.gguf");
        RandomModels.write(arch, DIMS, GgmlType.Q8_0, vocab, file, 1);
        int vocabSize = ((GgufArray) vocab.get("tokenizer.ggml.tokens").value()).size();
        try (LanguageModel model = ModelLoader.load(GgufFile.open(file), 1)) {
            ModelSpec spec = model.spec();
            assertThat(spec.architecture()).isEqualTo(arch.ggufName());
            assertThat(spec.name()).isEqualTo("random-" + arch.ggufName() + "-64x2");
            assertThat(spec.quantization()).isEqualTo("Q8_0");
            assertThat(spec.vocabSize()).isEqualTo(vocabSize);
            assertThat(spec.contextLength()).isEqualTo(1024);
            assertThat(spec.parameterCount()).isEqualTo(expectedParameters(arch, DIMS, vocabSize));
            float[] logits = new float[vocabSize];
            model.forward(model.newCache(16), new int[] {1, 2, 3}, logits);
            for (float l : logits) {
                assertThat(Float.isFinite(l)).as("finite logits").isTrue();
            }
        }
    }

    /** Counted from the family's tensor list as llama.cpp loads it, independently of the loader. */
    private static long expectedParameters(Architecture arch, RandomModels.Dims d, long vocab) {
        long dim = d.dim();
        long q = (long) d.heads() * d.headDim();
        long kv = (long) d.kvHeads() * d.headDim();
        boolean tied = switch (arch) {
            case GEMMA, GEMMA2, GEMMA3, QWEN3 -> true;
            case LLAMA, QWEN2, PHI3, CHATGLM, GLM4 -> false;
        };
        long total = vocab * dim * (tied ? 1 : 2) + dim;
        if (arch == Architecture.PHI3) {
            total += d.headDim(); // rope_factors_short and _long, headDim / 2 each
        }
        long layer = dim + (q + 2 * kv) * dim + q * dim + dim + 3L * d.ffnDim() * dim;
        layer += switch (arch) {
            case QWEN2, CHATGLM, GLM4 -> q + 2 * kv;
            case LLAMA, QWEN3, GEMMA, GEMMA2, GEMMA3, PHI3 -> 0;
        };
        if (arch == Architecture.QWEN3 || arch == Architecture.GEMMA3) {
            layer += 2L * d.headDim();
        }
        if (arch == Architecture.GEMMA2 || arch == Architecture.GEMMA3 || arch == Architecture.GLM4) {
            layer += 2 * dim;
        }
        return total + layer * d.layers();
    }

    @Test
    void missingEpsilonIsNamed() throws IOException {
        Path file = edited(Architecture.GEMMA3, w -> w.remove("gemma3.attention.layer_norm_rms_epsilon"), null);
        assertLoadFails(file, "gemma3.attention.layer_norm_rms_epsilon");
    }

    @Test
    void missingQueryNormIsNamed() throws IOException {
        Path file = edited(Architecture.QWEN3, w -> { }, "blk.1.attn_q_norm.weight");
        assertLoadFails(file, "missing tensor blk.1.attn_q_norm.weight");
    }

    @Test
    void missingPostNormIsNamed() throws IOException {
        Path file = edited(Architecture.GLM4, w -> { }, "blk.0.post_ffw_norm.weight");
        assertLoadFails(file, "blk.0.post_ffw_norm.weight");
    }

    @Test
    void yarnRopeScalingIsRefusedByName() throws IOException {
        Path file = edited(Architecture.QWEN2, w -> w.putString("qwen2.rope.scaling.type", "yarn")
                .putFloat32("qwen2.rope.scaling.factor", 4f), null);
        assertLoadFails(file, "qwen2.rope.scaling.type \"yarn\" is not supported");
    }

    @Test
    void multimodalRopeSectionsAreRefused() throws IOException {
        Path file = edited(Architecture.GLM4, w -> w.putArray("glm4.rope.dimension_sections",
                GgufArray.ofInts(org.infer4j.gguf.GgufValueType.INT32, 8, 12, 12, 0)), null);
        assertLoadFails(file, "glm4.rope.dimension_sections");
    }

    @Test
    void oneLongRopeFactorSetIsRefused() throws IOException {
        Path file = edited(Architecture.PHI3, w -> { }, "rope_factors_long.weight");
        assertLoadFails(file, "rope_factors_long.weight");
    }

    private static void assertLoadFails(Path file, String message) {
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThatThrownBy(() -> ModelLoader.load(gguf, 1)).isInstanceOf(InvalidModelException.class)
                    .hasMessageContaining(message);
        }
    }

    /** A generated F32 model of {@code arch} with edited metadata and without tensor {@code drop} (if given). */
    private static Path edited(Architecture arch, Consumer<GgufWriter> edit, String drop) throws IOException {
        Path source = tmp.resolve(arch.ggufName() + "-f32.gguf");
        RandomModels.write(arch, DIMS, GgmlType.F32, vocab, source, 2);
        Path out = tmp.resolve(arch.ggufName() + "-edited.gguf");
        try (GgufFile in = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter().putAll(in.metadata());
            edit.accept(w);
            for (TensorInfo t : in.tensors().values()) {
                if (!t.name().equals(drop)) {
                    w.addTensor(t.name(), t.type(), t.shape(), in.tensorData(t));
                }
            }
            w.write(out);
        }
        return out;
    }
}
