package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.SharedFixtures;
import org.infer4j.gguf.TensorInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our logits against llama.cpp's, recorded by scripts/make-model-fixtures.sh in llama-parity.json: for every
 * model and prompt, the top-10 log-probabilities at the end of the prompt and after each of 32 greedy tokens
 * (the peer's tokens are fed back, so every step is compared even after a near-tie), and the greedy tokens.
 * Quantized files are rebuilt with our own quantizer and must be byte-identical to llama-quantize's.
 */
class LlamaParityTest {
    private static final JsonNode FIXTURE = readFixture();

    @TempDir
    static Path tmp;

    static Stream<String> models() {
        List<String> names = new ArrayList<>();
        FIXTURE.get("models").forEach(m -> names.add(m.get("name").asText()));
        return names.stream();
    }

    /**
     * Allowed |Δ log-prob|. F32 does the same arithmetic as llama.cpp up to summation order. Files with
     * quantized or F16 matrices are looser, for two reasons measured while writing this test:
     * <ul>
     * <li>Q8_0/Q4_0 multiply 8-bit quantized activations: a last-bit difference in an activation (summation
     *     order differs between any two implementations, even between our interpreted and JIT-compiled code)
     *     can move a value across a rounding boundary and change it by half a quantization step; in these
     *     narrow models (64-256 wide) such flips move log-probs by up to a few 1e-2.</li>
     * <li>The peer, built natively for this AVX512-FP16 CPU, accumulates F16 dot products in half precision
     *     (ggml's {@code _mm512_fmadd_ph} path) where we accumulate in float. stories260K's quantized files
     *     hold F16 too: llama-quantize falls back to F16 for ffn_down, whose rows (172) are not whole blocks.</li>
     * </ul>
     * Measured: with only one Q8_0 matrix (output, attn_q, token_embd, ffn_gate+up or attn_k+v) our
     * log-probs matched the peer's to 1e-5; with only attn_output in Q8_0 they differ up to 2e-2 (its input
     * is the attention output) — not fully explained yet; all-quantized files: mean 2-4e-2, max 0.26.
     */
    private static double tolerance(String type) {
        return type.equals("F32") ? 1e-3 : 5e-1;
    }

    @ParameterizedTest
    @MethodSource("models")
    void logitsAndGreedyTokensMatchLlamaCpp(String name) throws IOException {
        JsonNode model = find(name);
        String type = model.get("type").asText();
        Path file = materialize(model.get("source").asText(), GgmlType.valueOf(type), name);
        try (GgufFile gguf = GgufFile.open(file)) {
            model.get("tensors").properties().forEach(e -> {
                TensorInfo t = gguf.tensor(e.getKey());
                assertThat(t.type().name()).as("type of %s", t.name()).isEqualTo(e.getValue().get("type").asText());
                CRC32 crc = new CRC32();
                crc.update(gguf.tensorData(t).asByteBuffer());
                assertThat(crc.getValue()).as("bytes of %s equal llama-quantize's", t.name())
                        .isEqualTo(e.getValue().get("crc32").asLong());
            });
        }
        double tol = tolerance(type);
        List<PeerParity.PeerPath> paths = new ArrayList<>();
        for (JsonNode c : model.get("cases")) {
            List<PeerParity.Step> steps = new ArrayList<>();
            for (JsonNode s : c.get("steps")) {
                JsonNode top = s.get("top");
                int[] ids = new int[top.size()];
                double[] values = new double[top.size()];
                for (int i = 0; i < top.size(); i++) {
                    ids[i] = top.get(i).get(0).asInt();
                    values[i] = top.get(i).get(1).asDouble();
                }
                steps.add(new PeerParity.Step(s.get("token").asInt(), ids, values));
            }
            paths.add(new PeerParity.PeerPath(c.get("prompt").asText(), ints(c.get("promptTokens")), steps));
        }
        // Only a near-tie in the peer's own numbers may pick another token.
        PeerParity.Result result = PeerParity.alongPeerPaths(file, paths, 2 * tol);
        System.out.printf("parity %-18s %s%n", name, result);
        assertThat(result.maxAbsDiff()).as("max |dlogprob|").isLessThanOrEqualTo(tol);
        assertThat(result.meanAbsDiff()).as("mean |dlogprob|").isLessThanOrEqualTo(type.equals("F32") ? 1e-4 : 5e-2);
        assertThat(result.offTies()).as("greedy tokens differ only at near-ties").isEmpty();
        int greedyMatches = result.topOneMatches();
        int greedySteps = result.steps();
        if (type.equals("F32") || type.equals("F16")) {
            assertThat(greedyMatches).as("greedy tokens match exactly").isEqualTo(greedySteps);
        } else {
            assertThat(greedyMatches).as("greedy tokens match but for near-ties").isGreaterThanOrEqualTo(greedySteps * 95 / 100);
        }
    }

    private static Path materialize(String source, GgmlType type, String name) throws IOException {
        Path base = switch (source) {
            case "stories260K" -> SharedFixtures.model("stories260K.gguf");
            case "random" -> {
                Path p = tmp.resolve("random-F32.gguf");
                if (!Files.exists(p)) {
                    try (GgufFile vocab = GgufFile.open(SharedFixtures.model("stories260K.gguf"))) {
                        RandomLlamaModel.write(p, RandomLlamaModel.PARITY, GgmlType.F32, 42, vocab);
                    }
                }
                yield p;
            }
            default -> throw new IllegalArgumentException("unknown source " + source);
        };
        if (type == GgmlType.F32) {
            return base;
        }
        Path out = tmp.resolve(name + ".gguf");
        try (GgufFile in = GgufFile.open(base)) {
            ModelQuantizer.quantize(in, out, type);
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static JsonNode find(String name) {
        for (JsonNode m : FIXTURE.get("models")) {
            if (m.get("name").asText().equals(name)) {
                return m;
            }
        }
        throw new AssertionError("no model " + name + " in llama-parity.json");
    }

    private static JsonNode readFixture() {
        try (InputStream in = LlamaParityTest.class.getResourceAsStream("llama-parity.json")) {
            if (in == null) {
                throw new AssertionError("llama-parity.json missing from test resources");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
