package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.offset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A load that re-lays its weights in the background ({@link ModelLoader.Relayout#IN_BACKGROUND}): it returns with no
 * copy laid out and computes from the file's bytes (the row kernels: the same logits within float rounding), takes the
 * re-laid weights at the step after they are ready (from there on bit for bit the logits of a load that laid them out
 * first, also in a sequence begun before), writes them to the layout cache, and a start that finds them there maps
 * them at load with nothing left for the background.
 */
class BackgroundRelayoutTest {
    /**
     * Row kernels against re-laid ones: the same sums in another order, in float. Logits here reach 100-400, and the
     * two kernels' differ by up to 1e-4 (the prompt's batched kernels read the same values either way).
     */
    private static final float ROUNDING = 2e-3f;

    @TempDir
    Path tmp;
    private Path cacheDir;
    /** The background layouts a load asked for, run when a test says. */
    private final List<Runnable> pending = new ArrayList<>();

    @BeforeEach
    void relaidHere() {
        RelaidModels.assumeRelaid();
        cacheDir = tmp.resolve("cache");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K", "Q6_K"})
    void readyBeforeAnyLayoutThenOnTheCopiesFromTheNextStep(GgmlType type) throws IOException {
        Path model = RelaidModels.write(tmp, type);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));
        int vocab = expected.length / (1 + RelaidModels.NEXT.length);

        GgufFile gguf = GgufFile.open(model);
        LayoutCache cache = LayoutCache.open(cacheDir, gguf);
        LanguageModel lm = ModelLoader.load(gguf, 2, ModelLoader.DEFAULT_BATCH, Optional.of(cache),
                ModelLoader.Relayout.IN_BACKGROUND, pending::add);
        assertThat(pending).hasSize(1);
        assertThat(cache.summary()).as("nothing laid out or mapped").isEqualTo(new LayoutCache.Summary(0, 0, 0, 0));

        // A sequence begun on the file's kernels...
        float[] logits = new float[vocab];
        KvCache begun = lm.newCache(RelaidModels.PROMPT.length + RelaidModels.NEXT.length);
        lm.forward(begun, RelaidModels.PROMPT, logits);
        assertClose(logits, Arrays.copyOfRange(expected, 0, vocab));

        pending.removeFirst().run();
        lm.awaitLayout();
        assertThat(cache.summary().laidOut()).isGreaterThan(0);
        assertThat(cache.summary().mapped()).isZero();

        // ...goes on, on the copies, its prompt's keys and values as the file's kernels made them.
        for (int i = 0; i < RelaidModels.NEXT.length; i++) {
            lm.forward(begun, new int[] {RelaidModels.NEXT[i]}, logits);
            assertClose(logits, Arrays.copyOfRange(expected, (i + 1) * vocab, (i + 2) * vocab));
        }
        assertThat(RelaidModels.logits(lm)).as("a sequence on the copies alone").isEqualTo(expected);

        GgufFile again = GgufFile.open(model);
        LayoutCache written = LayoutCache.open(cacheDir, again);
        Executor none = task -> fail("a start that maps every copy has nothing to lay out");
        LanguageModel mapped = ModelLoader.load(again, 2, ModelLoader.DEFAULT_BATCH, Optional.of(written),
                ModelLoader.Relayout.IN_BACKGROUND, none);
        LayoutCache.Summary summary = written.summary();
        assertThat(RelaidModels.logits(mapped)).isEqualTo(expected);
        assertThat(summary.laidOut()).isZero();
        assertThat(summary.mapped()).isGreaterThan(0);
    }

    @Test
    void withoutACacheTheCopiesAreLaidOutInMemoryOnAThreadOfTheirOwn() throws IOException {
        Path model = RelaidModels.write(tmp, GgmlType.Q4_K);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));
        LanguageModel lm = ModelLoader.load(GgufFile.open(model), 2, ModelLoader.DEFAULT_BATCH, Optional.empty(),
                ModelLoader.Relayout.IN_BACKGROUND);
        lm.awaitLayout();
        assertThat(RelaidModels.logits(lm)).isEqualTo(expected);
    }

    /** The warm-up waits for the copies, runs on them, and leaves no trace in what the model computes after it. */
    @Test
    void aWarmUpTakesTheCopiesAndChangesNoLogits() throws IOException {
        Path model = RelaidModels.write(tmp, GgmlType.Q6_K);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));
        GgufFile gguf = GgufFile.open(model);
        LayoutCache cache = LayoutCache.open(cacheDir, gguf);
        LanguageModel lm = ModelLoader.load(gguf, 2, ModelLoader.DEFAULT_BATCH, Optional.of(cache),
                ModelLoader.Relayout.IN_BACKGROUND);
        lm.warmUp(() -> false);
        assertThat(cache.summary().laidOut()).isGreaterThan(0);
        assertThat(RelaidModels.logits(lm)).isEqualTo(expected);
    }

    /** Stopped between two layers of its prompt, a warm-up leaves the model as it found it. */
    @Test
    void aWarmUpStoppedHalfwayLeavesNothingBehind() throws IOException {
        Path model = RelaidModels.write(tmp, GgmlType.Q4_0);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));
        LanguageModel lm = ModelLoader.load(GgufFile.open(model), 2);
        AtomicInteger asked = new AtomicInteger();
        lm.warmUp(() -> asked.incrementAndGet() > 2);
        assertThat(asked).as("stopped at the third layer's question").hasValue(3);
        // A full batch next: rows the stopped step left behind would overflow it.
        int[] full = new int[ModelLoader.DEFAULT_BATCH];
        Arrays.setAll(full, i -> (3 + 5 * i) % 500);
        float[] fresh = new float[lm.spec().vocabSize()];
        try (LanguageModel other = ModelLoader.load(GgufFile.open(model), 2)) {
            other.forward(other.newCache(full.length), full, fresh);
        }
        float[] after = new float[fresh.length];
        lm.forward(lm.newCache(full.length), full, after);
        assertThat(after).isEqualTo(fresh);
        assertThat(RelaidModels.logits(lm)).isEqualTo(expected);
    }

    @Test
    void closingFirstCallsTheLayoutOffAndWritesNoCache() throws IOException {
        Path model = RelaidModels.write(tmp, GgmlType.Q4_0);
        GgufFile gguf = GgufFile.open(model);
        LayoutCache cache = LayoutCache.open(cacheDir, gguf);
        LanguageModel lm = ModelLoader.load(gguf, 2, ModelLoader.DEFAULT_BATCH, Optional.of(cache),
                ModelLoader.Relayout.IN_BACKGROUND, pending::add);
        lm.close();
        lm.awaitLayout();

        pending.removeFirst().run(); // after the close: does nothing
        assertThat(cache.summary().laidOut()).isZero();
        assertThat(cacheDir).doesNotExist();
    }

    private static void assertClose(float[] actual, float[] expected) {
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("logit %d", i).isCloseTo(expected[i], offset(ROUNDING));
        }
        assertThat(PeerParity.argmax(actual)).isEqualTo(PeerParity.argmax(expected));
    }
}
