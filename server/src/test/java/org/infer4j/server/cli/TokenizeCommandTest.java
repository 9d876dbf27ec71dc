package org.infer4j.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.infer4j.gguf.SharedFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code infer4j tokenize} against llama.cpp's own tokenizer vectors, and its failures. */
class TokenizeCommandTest {
    static final Path SPM_VOCAB = SharedFixtures.file("vocab/ggml-vocab-llama-spm.gguf");

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    /** Input i of a llama.cpp vector file and its expected ids (written without BOS). */
    static String input(int i) throws IOException {
        String all = Files.readString(Path.of(SPM_VOCAB + ".inp"), StandardCharsets.UTF_8);
        return all.split("\n__ggml_vocab_test__\n", -1)[i];
    }

    static String expectedIds(int i) throws IOException {
        String line = Files.readAllLines(Path.of(SPM_VOCAB + ".out"), StandardCharsets.UTF_8).get(i);
        return Arrays.stream(line.trim().split(" +")).filter(s -> !s.isEmpty())
                .collect(Collectors.joining(", ", "[", "]"));
    }

    @Test
    void promptMatchesFirstVector() throws IOException {
        Run run = run("tokenize", "--model", SPM_VOCAB.toString(), "--no-bos", "--prompt", input(0));
        assertThat(run.err()).isEmpty();
        assertThat(run.code()).isZero();
        assertThat(run.out().strip()).isEqualTo(expectedIds(0));
    }

    @Test
    void fileInputAndBosByDefault(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prompt.txt");
        Files.writeString(file, input(0), StandardCharsets.UTF_8);
        Run run = run("tokenize", "-m", SPM_VOCAB.toString(), "-f", file.toString());
        assertThat(run.code()).isZero();
        assertThat(run.out().strip()).isEqualTo("[1, " + expectedIds(0).substring(1));
    }

    @Test
    void batchPrintsOneArrayOfArrays(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("batch.json");
        String inputs = List.of(input(0), input(1)).stream()
                .map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"")
                .collect(Collectors.joining(",", "[", "]"));
        Files.writeString(file, inputs, StandardCharsets.UTF_8);
        Run run = run("tokenize", "-m", SPM_VOCAB.toString(), "--no-bos", "--batch", "--file", file.toString());
        assertThat(run.code()).isZero();
        assertThat(run.out().strip()).isEqualTo("[" + expectedIds(0) + ", " + expectedIds(1) + "]");
    }

    @Test
    void parseSpecialRecognisesControlTokens() {
        Run plain = run("tokenize", "-m", SPM_VOCAB.toString(), "--no-bos", "-p", "<s>");
        Run special = run("tokenize", "-m", SPM_VOCAB.toString(), "--no-bos", "--parse-special", "-p", "<s>");
        assertThat(special.out().strip()).isEqualTo("[1]");
        assertThat(plain.out().strip()).isNotEqualTo("[1]");
    }

    @Test
    void missingFileIsOneLineAndExitTwo(@TempDir Path dir) {
        Path missing = dir.resolve("nothing.gguf");
        Run run = run("tokenize", "-m", missing.toString(), "-p", "x");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines().toList()).hasSize(1);
        assertThat(run.err()).contains(missing.toString()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void notGgufAndTruncatedFilesAreOneLineAndExitTwo(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("readme.gguf");
        Files.writeString(text, "this is not a model");
        Path truncated = dir.resolve("truncated.gguf");
        byte[] whole = Files.readAllBytes(SPM_VOCAB);
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 3));
        for (Path bad : List.of(text, truncated, dir)) {
            Run run = run("tokenize", "-m", bad.toString(), "-p", "x");
            assertThat(run.code()).as(run.err()).isEqualTo(2);
            assertThat(run.err().lines().toList()).as(run.err()).hasSize(1);
            assertThat(run.err()).contains(bad.toString()).doesNotContain("\tat ");
        }
    }

    @Test
    void helpAndVersion() {
        Run help = run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("tokenize");
        Run version = run("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).startsWith("infer4j ");
        Run usage = run("tokenize", "-m", SPM_VOCAB.toString());
        assertThat(usage.code()).isEqualTo(2);
        assertThat(usage.err()).contains("--prompt");
    }
}
