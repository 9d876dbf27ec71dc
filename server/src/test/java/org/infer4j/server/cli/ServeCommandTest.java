package org.infer4j.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.infer4j.gguf.GgufWriter;
import org.infer4j.gguf.SharedFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code infer4j serve} refuses unusable model files with one line naming the file, exit code 2. */
class ServeCommandTest {

    static void assertRefused(Path bad, String... moreArgs) {
        String[] args = new String[3 + moreArgs.length];
        args[0] = "serve";
        args[1] = "--model";
        args[2] = bad.toString();
        System.arraycopy(moreArgs, 0, args, 3, moreArgs.length);
        TokenizeCommandTest.Run run = TokenizeCommandTest.run(args);
        assertThat(run.code()).as(run.err()).isEqualTo(2);
        assertThat(run.err().lines().toList()).as(run.err()).hasSize(1);
        assertThat(run.err()).contains(bad.toString()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(run.out()).doesNotContain("serving");
    }

    @Test
    void missingFile(@TempDir Path dir) {
        assertRefused(dir.resolve("absent.gguf"), "--port", "0");
    }

    @Test
    void notGguf(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.gguf");
        Files.writeString(file, "GGUF? no, just text");
        assertRefused(file, "--port", "0");
    }

    @Test
    void truncatedModel(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("truncated.gguf");
        byte[] whole = Files.readAllBytes(SharedFixtures.model("stories260K.gguf"));
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
        assertRefused(file, "--port", "0");
    }

    @Test
    void vocabularyOnlyFileHasNoWeights() {
        assertRefused(SharedFixtures.file("vocab/ggml-vocab-llama-spm.gguf"), "--port", "0");
    }

    @Test
    void unsupportedArchitecture(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("mamba.gguf");
        new GgufWriter().putString("general.architecture", "mamba").write(file);
        assertRefused(file, "--port", "0");
    }

    @Test
    void contextLargerThanTheModelsIsRefused() {
        assertRefused(SharedFixtures.model("stories260K.gguf"), "--port", "0", "--ctx-size", "100000");
    }

    @Test
    void usageErrors() {
        var noModel = TokenizeCommandTest.run("serve");
        assertThat(noModel.code()).isEqualTo(2);
        assertThat(noModel.err()).contains("--model");
        var help = TokenizeCommandTest.run("serve", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--ctx-size").contains("--api-key").contains("--chat-template-file");
        var tooManyAliases = TokenizeCommandTest.run("serve", "-m", "a.gguf", "--alias", "x", "--alias", "y");
        assertThat(tooManyAliases.code()).isEqualTo(2);
        assertThat(List.of(tooManyAliases.err())).allSatisfy(e -> assertThat(e).contains("--alias"));
    }
}
