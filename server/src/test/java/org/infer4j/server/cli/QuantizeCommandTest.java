package org.infer4j.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.infer4j.engine.model.PeerParity;
import org.infer4j.engine.model.RandomLlamaModel;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.LlamaCppPeer;
import org.infer4j.gguf.SharedFixtures;
import org.infer4j.gguf.TensorInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code infer4j quantize}: the file it writes holds the same bytes as {@code llama-quantize --pure}'s for every
 * type it supports, llama-server loads it, and our engine agrees with llama-server on it; bad arguments fail
 * with one line and exit code 2.
 */
class QuantizeCommandTest {
    @TempDir
    static Path tmp;
    private static Path source;

    @BeforeAll
    static void writeModel() throws IOException {
        source = tmp.resolve("random-F32.gguf");
        try (GgufFile vocab = GgufFile.open(SharedFixtures.model("stories260K.gguf"))) {
            RandomLlamaModel.write(source, RandomLlamaModel.PARITY, GgmlType.F32, 42, vocab);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "F16"})
    void writesTheBytesLlamaQuantizeWrites(GgmlType type) throws IOException {
        Path ours = tmp.resolve("ours-" + type + ".gguf");
        TokenizeCommandTest.Run run = TokenizeCommandTest.run("quantize", source.toString(), ours.toString(), type.name().toLowerCase());
        assertThat(run.err()).isEmpty();
        assertThat(run.code()).isZero();
        assertThat(run.out()).contains(ours.toString());

        Path theirs = tmp.resolve("peer-" + type + ".gguf");
        LlamaCppPeer.Result r = LlamaCppPeer.run(List.of(LlamaCppPeer.tool("llama-quantize").toString(), "--pure",
                source.toString(), theirs.toString(), type.name()), 300);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        try (GgufFile a = GgufFile.open(ours); GgufFile b = GgufFile.open(theirs)) {
            assertThat(a.tensors().keySet()).containsExactlyInAnyOrderElementsOf(b.tensors().keySet());
            assertThat(a.getInt("general.file_type")).isEqualTo(b.getInt("general.file_type"));
            for (TensorInfo t : b.tensors().values()) {
                TensorInfo mine = a.tensor(t.name());
                assertThat(mine.type()).as("type of %s", t.name()).isEqualTo(t.type());
                assertThat(a.tensorData(mine).asByteBuffer()).as("bytes of %s", t.name()).isEqualTo(b.tensorData(t).asByteBuffer());
            }
        }
    }

    @Test
    void peerLoadsTheOutputAndAgreesWithOurEngine() throws IOException {
        Path ours = tmp.resolve("agree-Q5_1.gguf");
        assertThat(TokenizeCommandTest.run("quantize", source.toString(), ours.toString(), "Q5_1").code()).isZero();
        PeerParity.Result d = PeerParity.alongPeerPaths(ours,
                PeerParity.peerPaths(ours, List.of("Once upon a time", "The little dog"), 32), 1.0);
        assertThat(d.maxAbsDiff()).as("max |dlogprob|").isLessThanOrEqualTo(0.5);
        assertThat(d.meanAbsDiff()).as("mean |dlogprob|").isLessThanOrEqualTo(0.05);
        assertThat(d.offTies()).as("greedy tokens differ only at near-ties").isEmpty();
        assertThat(d.topOneMatches()).as("greedy matches").isGreaterThanOrEqualTo(d.steps() * 95 / 100);
    }

    @Test
    void badArgumentsFailWithOneLineAndExitCode2() {
        Path out = tmp.resolve("never.gguf");
        for (String[] args : new String[][] {
                {"quantize", source.toString(), out.toString(), "Q9_9"},
                {"quantize", source.toString(), out.toString(), "Q4_K"},
                {"quantize", tmp.resolve("missing.gguf").toString(), out.toString(), "Q8_0"},
                {"quantize", source.toString(), source.toString(), "Q8_0"}}) {
            TokenizeCommandTest.Run run = TokenizeCommandTest.run(args);
            assertThat(run.code()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err().strip()).as(String.join(" ", args)).isNotEmpty().doesNotContain("\n");
            assertThat(run.out()).isEmpty();
        }
        assertThat(out).doesNotExist();
        TokenizeCommandTest.Run missing = TokenizeCommandTest.run("quantize", source.toString(), out.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err().lines().findFirst().orElseThrow()).contains("TYPE"); // picocli's line, then the usage
    }
}
