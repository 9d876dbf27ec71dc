package org.infer4j.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import jdk.incubator.vector.ShortVector;
import org.infer4j.engine.model.ModelQuantizer;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.SharedFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code infer4j bench}: llama-bench's markdown table, and what it reports on standard error. */
class BenchCommandTest {
    static final Path STORIES = SharedFixtures.model("stories260K.gguf");

    @Test
    void printsOneLlamaBenchRowPerTest() {
        TokenizeCommandTest.Run run = TokenizeCommandTest.run("bench", "--warmup", "0", "-m", STORIES.toString(), "-p", "16", "-n", "8",
                "-t", "2", "-r", "2");
        assertThat(run.code()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).startsWith("| model").contains("size", "params", "backend", "threads", "test", "t/s");
        assertThat(lines.get(1)).startsWith("| ---");
        assertThat(lines.get(2)).matches("\\| llama .* \\| +[0-9.]+ MiB \\| +[0-9.]+ M \\| Java +\\| +2 \\| +pp16 \\| +[0-9.]+ ± [0-9.]+ \\|");
        assertThat(lines.get(3)).matches(".*\\| +tg8 \\| +[0-9.]+ ± [0-9.]+ \\|");
        assertThat(lines).anyMatch(l -> l.startsWith("build: infer4j"));
        assertThat(run.err()).contains("load: ", "weights streamed per generated token: ")
                .containsPattern("tg8: [0-9]+ garbage collections during 2 timed runs")
                .containsPattern("pp16: [1-9][0-9]* untimed warm-up runs, [0-9.]+ s, the last at [0-9.]+ t/s with [0-9]+ ms of JIT");
    }

    /**
     * The warm-up runs for its seconds (at least once), then waits for a run with the JIT idle for at most ten times
     * as long, and says how much the JIT compiled during its last run; a negative one is rejected.
     */
    @Test
    void warmUpRunsForItsSeconds() {
        TokenizeCommandTest.Run none = TokenizeCommandTest.run("bench", "--model", STORIES.toString(), "-p", "0", "-n", "4",
                "-r", "1", "--warmup", "0");
        assertThat(none.code()).as(none.err()).isZero();
        assertThat(none.err()).contains("tg4: 1 untimed warm-up runs");
        TokenizeCommandTest.Run longer = TokenizeCommandTest.run("bench", "--model", STORIES.toString(), "-p", "0", "-n", "4",
                "-r", "1", "--warmup", "0.3");
        assertThat(longer.code()).as(longer.err()).isZero();
        java.util.regex.Matcher warmUp = java.util.regex.Pattern
                .compile("tg4: ([0-9]+) untimed warm-up runs, ([0-9.]+) s, the last at [0-9.]+ t/s with ([0-9]+) ms of JIT")
                .matcher(longer.err());
        assertThat(warmUp.find()).as(longer.err()).isTrue();
        assertThat(Integer.parseInt(warmUp.group(1))).isGreaterThanOrEqualTo(2);
        assertThat(Double.parseDouble(warmUp.group(2))).isBetween(0.3, 3.0 + 0.5);
        TokenizeCommandTest.Run bad = TokenizeCommandTest.run("bench", "--model", STORIES.toString(), "--warmup", "-1");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--warmup");
    }

    @Test
    void zeroSkipsATestAndBadCountsAreRejected() {
        TokenizeCommandTest.Run run = TokenizeCommandTest.run("bench", "--warmup", "0", "-m", STORIES.toString(), "-p", "0", "-n", "4", "-r", "1");
        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("tg4").doesNotContain("pp");
        TokenizeCommandTest.Run bad = TokenizeCommandTest.run("bench", "--warmup", "0", "-m", STORIES.toString(), "-r", "0");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("-r");
    }

    @Test
    void depthFillsTheCacheFirstAndNamesTheTestAsLlamaBench() {
        TokenizeCommandTest.Run run = TokenizeCommandTest.run("bench", "--warmup", "0", "-m", STORIES.toString(), "-p", "8", "-n", "4",
                "-d", "100", "-r", "1", "-t", "1");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("\\| +pp8 @ d100 \\| +[0-9.]+ ± [0-9.]+ \\|")
                .containsPattern("\\| +tg4 @ d100 \\| +[0-9.]+ ± [0-9.]+ \\|");
    }

    /** A Q4_0 file's re-laid weights: laid out and written by the first start, mapped by the next. */
    @Test
    void aSecondStartMapsTheReLaidWeights(@TempDir Path dir) throws IOException {
        assumeTrue(ShortVector.SPECIES_PREFERRED.length() >= 32, "copies are re-laid only with 512-bit vectors");
        Path q4 = dir.resolve("stories-q4_0.gguf");
        try (GgufFile in = GgufFile.open(STORIES)) {
            ModelQuantizer.quantize(in, q4, GgmlType.Q4_0);
        }
        String[] args = {"bench", "--warmup", "0", "-m", q4.toString(), "-p", "8", "-n", "4", "-r", "1", "--layout-cache",
                dir.resolve("cache").toString()};
        TokenizeCommandTest.Run first = TokenizeCommandTest.run(args);
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.err()).containsPattern("re-laid weights: 0 mapped \\(0 MiB\\) from .*\\.relaid, [1-9][0-9]* laid out");
        TokenizeCommandTest.Run second = TokenizeCommandTest.run(args);
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.err()).containsPattern("re-laid weights: [1-9][0-9]* mapped \\([0-9]+ MiB\\) from .*, 0 laid out");
        assertThat(second.out().lines().filter(l -> l.matches(".*\\| +(pp8|tg4) \\|.*"))).hasSize(2);

        TokenizeCommandTest.Run off = TokenizeCommandTest.run("bench", "--warmup", "0", "-m", q4.toString(), "-p", "0", "-n", "2", "-r",
                "1", "--no-layout-cache");
        assertThat(off.code()).as(off.err()).isZero();
        assertThat(off.err()).doesNotContain("re-laid weights");
    }

    @Test
    void depthBeyondTheContextIsRejected() {
        TokenizeCommandTest.Run run = TokenizeCommandTest.run("bench", "--warmup", "0", "-m", STORIES.toString(), "-p", "0", "-n", "4",
                "-d", "1000000", "-r", "1");
        assertThat(run.code()).isNotZero();
        assertThat(run.err()).contains("-d 1000000", "context");
    }
}
