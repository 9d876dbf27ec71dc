package org.infer4j.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link GgufWriter} writes, llama.cpp reads: checked with the peer's own tools. */
class PeerReadsWrittenFilesTest {
    @TempDir
    Path dir;

    @Test
    void peerTokenizesWithAVocabularyWeWrote() throws IOException {
        Path source = SharedFixtures.file("vocab/ggml-vocab-llama-spm.gguf");
        Path written = dir.resolve("vocab.gguf");
        try (GgufFile f = GgufFile.open(source)) {
            // Reorder the metadata and add a key of our own, so the output is not a byte copy of the input.
            GgufWriter w = new GgufWriter().putString("infer4j.note", "written by GgufWriter");
            f.metadata().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .forEach(e -> w.put(e.getKey(), e.getValue()));
            w.write(written);
        }
        String prompt = "Hello world, ünïcødé and 🦙";
        List<String> original = ids(source, prompt);
        List<String> ours = ids(written, prompt);
        assertThat(ours).isEqualTo(original).hasSizeGreaterThan(5);
    }

    @Test
    void peerRunsAModelWeRewrote() throws IOException {
        Path source = SharedFixtures.model("stories260K.gguf");
        Path written = dir.resolve("model.gguf");
        try (GgufFile f = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter().putAll(f.metadata()).putUint32(GgufFile.ALIGNMENT_KEY, 64);
            for (TensorInfo t : f.tensors().values()) {
                w.addTensor(t.name(), t.type(), t.shape(), f.tensorData(t));
            }
            w.write(written);
        }
        String ours = complete(written);
        assertThat(ours).contains("Lily");
        assertThat(content(ours)).isEqualTo(content(complete(source)));
    }

    private static List<String> ids(Path vocab, String prompt) {
        LlamaCppPeer.Result r = LlamaCppPeer.run(List.of(LlamaCppPeer.tool("llama-tokenize").toString(),
                "-m", vocab.toString(), "-p", prompt, "--ids", "--log-disable"), 120);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        String line = r.stdout().strip();
        return List.of(line.substring(line.indexOf('[') + 1, line.lastIndexOf(']')).split(",\\s*"));
    }

    private static String content(String json) {
        int at = json.indexOf("\"content\":\"") + 11;
        return json.substring(at, json.indexOf('"', at));
    }

    private static String complete(Path model) {
        try (LlamaCppPeer.Server peer = LlamaCppPeer.startServer(model)) {
            return peer.post("/completion", "{\"prompt\":\"Once upon a time\",\"n_predict\":24,\"temperature\":0}");
        }
    }
}
