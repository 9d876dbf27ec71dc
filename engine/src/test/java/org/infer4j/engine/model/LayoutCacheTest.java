package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import org.infer4j.engine.tensor.RelaidCopies;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The re-laid weights kept between starts ({@link LayoutCache}): a start with an empty cache lays them out and writes
 * them, the next one maps every copy and lays out none, and all of them compute the same logits, bit for bit, as a
 * load without a cache, through the batched and the one-token kernels. A cache that is not for this file or this code,
 * or is damaged, is not used, and none of that fails a load.
 */
class LayoutCacheTest {
    @TempDir
    Path tmp;
    private Path cacheDir;

    @BeforeEach
    void relaidHere() {
        RelaidModels.assumeRelaid();
        cacheDir = tmp.resolve("cache");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K", "Q6_K"})
    void aSecondStartMapsEveryCopyAndComputesTheSameLogits(GgmlType type) throws IOException {
        Path model = model(type);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));

        LayoutCache.Summary first = loadAndRun(model, expected, RelaidCopies.layoutFingerprint());
        assertThat(first.mapped()).isZero();
        assertThat(first.laidOut()).isGreaterThan(0);
        Path file = cacheFile();

        LayoutCache.Summary second = loadAndRun(model, expected, RelaidCopies.layoutFingerprint());
        assertThat(second).isEqualTo(new LayoutCache.Summary(first.laidOut(), first.laidOutBytes(), 0, 0));
        assertThat(cacheFile()).isEqualTo(file);
        try (var files = Files.list(cacheDir)) {
            assertThat(files).as("no temporary file left").containsExactly(file);
        }
    }

    @Test
    void anotherVersionOfTheModelFileIsLaidOutAgain() throws IOException {
        Path model = model(GgmlType.Q4_0);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));
        loadAndRun(model, expected, RelaidCopies.layoutFingerprint());
        Files.setLastModifiedTime(model, FileTime.from(Instant.now().plusSeconds(60)));

        assertThat(loadAndRun(model, expected, RelaidCopies.layoutFingerprint()).mapped()).isZero();
        assertThat(loadAndRun(model, expected, RelaidCopies.layoutFingerprint()).laidOut()).as("rewritten").isZero();
    }

    @Test
    void copiesWrittenByOtherLayoutCodeAreNotUsed() throws IOException {
        Path model = model(GgmlType.Q4_K);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));
        loadAndRun(model, expected, "an older layout");

        assertThat(loadAndRun(model, expected, RelaidCopies.layoutFingerprint()).mapped()).isZero();
    }

    @Test
    void aTruncatedOrDamagedCacheFileIsLaidOutAgainAndReplaced() throws IOException {
        Path model = model(GgmlType.Q6_K);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));
        loadAndRun(model, expected, RelaidCopies.layoutFingerprint());
        Path file = cacheFile();
        long size = Files.size(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size - 5);
        }
        assertThat(loadAndRun(model, expected, RelaidCopies.layoutFingerprint()).mapped()).isZero();
        assertThat(Files.size(file)).isEqualTo(size);

        byte[] bytes = Files.readAllBytes(file);
        Arrays.fill(bytes, bytes.length - 40, bytes.length - 8, (byte) 0x7F); // the end of the index and its offset
        Files.write(file, bytes);
        assertThat(loadAndRun(model, expected, RelaidCopies.layoutFingerprint()).mapped()).isZero();
        assertThat(loadAndRun(model, expected, RelaidCopies.layoutFingerprint()).laidOut()).isZero();
    }

    @Test
    void aCacheThatCannotBeWrittenLeavesTheCopiesInMemory() throws IOException {
        Path model = model(GgmlType.Q4_0);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));
        Files.writeString(tmp.resolve("not-a-folder"), "x");
        cacheDir = tmp.resolve("not-a-folder");

        assertThat(loadAndRun(model, expected, RelaidCopies.layoutFingerprint()).laidOut()).isGreaterThan(0);
        assertThat(loadAndRun(model, expected, RelaidCopies.layoutFingerprint()).mapped()).isZero();
    }

    @Test
    void abandonedTemporaryFilesAreDeletedAndLiveOnesKept() throws IOException {
        Path model = model(GgmlType.Q4_0);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));
        loadAndRun(model, expected, RelaidCopies.layoutFingerprint());
        String name = cacheFile().getFileName().toString();
        Path gone = Files.writeString(cacheDir.resolve(name + ".999999999-1.tmp"), "partial");
        Path live = Files.writeString(cacheDir.resolve(name + "." + ProcessHandle.current().pid() + "-999.tmp"), "partial");

        loadAndRun(model, expected, RelaidCopies.layoutFingerprint());
        assertThat(gone).doesNotExist();
        assertThat(live).exists();
    }

    /** Two loads of one file at once (two aliases of one model): both write, the cache is whole and then mapped. */
    @Test
    void twoLoadsOfOneFileWriteOneWholeCache() throws IOException {
        Path model = model(GgmlType.Q4_0);
        float[] expected = RelaidModels.logits(ModelLoader.load(GgufFile.open(model), 2));
        GgufFile a = GgufFile.open(model), b = GgufFile.open(model);
        LayoutCache cacheA = LayoutCache.open(cacheDir, a), cacheB = LayoutCache.open(cacheDir, b);
        LanguageModel first = ModelLoader.load(a, 2, ModelLoader.DEFAULT_BATCH, cacheA);
        LanguageModel second = ModelLoader.load(b, 2, ModelLoader.DEFAULT_BATCH, cacheB);
        assertThat(RelaidModels.logits(first)).isEqualTo(expected);
        assertThat(RelaidModels.logits(second)).isEqualTo(expected);
        LayoutCache.Summary mapped = loadAndRun(model, expected, RelaidCopies.layoutFingerprint());
        assertThat(mapped.laidOut()).isZero();
        assertThat(mapped.mapped()).isGreaterThan(0);
        try (var files = Files.list(cacheDir)) {
            assertThat(files).as("no temporary file left").hasSize(1);
        }
    }

    /** Loads {@code model} with the cache, checks its logits against {@code expected}, closes it (ending the write). */
    private LayoutCache.Summary loadAndRun(Path model, float[] expected, String fingerprint) {
        GgufFile gguf = GgufFile.open(model);
        LayoutCache cache = LayoutCache.open(cacheDir, gguf, fingerprint);
        LanguageModel lm = ModelLoader.load(gguf, 2, ModelLoader.DEFAULT_BATCH, cache);
        LayoutCache.Summary summary = cache.summary();
        assertThat(RelaidModels.logits(lm)).as("logits with %s", summary).isEqualTo(expected);
        for (float v : expected) {
            assertThat(v).isFinite();
        }
        return summary;
    }

    private Path cacheFile() throws IOException {
        try (var files = Files.list(cacheDir)) {
            return files.filter(f -> f.toString().endsWith(LayoutCache.SUFFIX)).findFirst().orElseThrow();
        }
    }

    private Path model(GgmlType type) throws IOException {
        return RelaidModels.write(tmp, type);
    }
}
