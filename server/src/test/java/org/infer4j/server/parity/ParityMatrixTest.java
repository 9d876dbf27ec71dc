package org.infer4j.server.parity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.infer4j.engine.model.Architecture;
import org.infer4j.engine.model.PeerParity;
import org.infer4j.engine.model.RandomModels;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.LlamaCppPeer;
import org.infer4j.gguf.MetadataValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The parity matrix: every architecture × every tensor type, infer4j against llama-server over HTTP, as a client
 * sees them. For each architecture a random-weight F32 file of the family's real tensor and key set is written
 * once; the peer's own {@code llama-quantize} turns it into each type ({@code --pure} for single types, its
 * default mixes for Q4_K_M and Q5_K_M); then both servers answer the same {@code /v1/completions} requests
 * (greedy, 32 tokens, top-5 log-probabilities) for several prompts. The table is written to
 * {@code target/parity-matrix.md} (scripts/parity-matrix.sh prints it for the README).
 * <p>
 * Shapes are small but every row is a whole k-quant super-block (dim 256, query width 256, FFN 512). The
 * vocabularies are real but smaller than the families' own (150k-262k tokens make files of 100s of MB and a
 * llama-server start of 7 s+, 135 times): SentencePiece families (llama, gemma*) use Llama 2's 32k vocabulary,
 * phi3 its own 32k one, byte-level BPE families (qwen2, qwen3, chatglm, glm4) GPT-2's 50k one under the family's
 * pre-tokenizer name. No layer of these families depends on the vocabulary beyond its size; FamilyParityTest
 * (engine level, F32) runs each family with its real vocabulary.
 */
class ParityMatrixTest {
    static final List<String> PROMPTS = List.of(
            "Once upon a time",
            "The capital of France is a city where",
            "def fibonacci(n):\n    return",
            "Lily and Tom went to the park. They",
            "1, 2, 3, 4,",
            "The sun was shining and the birds");
    private static final int TOKENS = 32;
    private static final int CONTEXT = 256;

    /** A family in the matrix: its shape and the vocabulary it is generated with (see the class comment). */
    record Family(Architecture arch, RandomModels.Dims dims, String vocab) {
        @Override
        public String toString() {
            return arch.ggufName();
        }
    }

    // dims: dim, layers, heads, kvHeads, headDim, ffnDim, context, sliding window
    static final List<Family> FAMILIES = List.of(
            new Family(Architecture.LLAMA, new RandomModels.Dims(256, 2, 4, 2, 64, 512, 4096, 0), "llama-spm"),
            new Family(Architecture.QWEN2, new RandomModels.Dims(256, 2, 4, 2, 64, 512, 4096, 0), "gpt-2:qwen2"),
            new Family(Architecture.QWEN3, new RandomModels.Dims(256, 2, 4, 2, 64, 512, 4096, 0), "gpt-2:qwen2"),
            new Family(Architecture.GEMMA, new RandomModels.Dims(256, 2, 4, 1, 64, 512, 4096, 0), "llama-spm"),
            new Family(Architecture.GEMMA2, new RandomModels.Dims(256, 4, 4, 2, 64, 512, 4096, 8), "llama-spm"),
            new Family(Architecture.GEMMA3, new RandomModels.Dims(256, 6, 4, 2, 64, 512, 4096, 8), "llama-spm"),
            new Family(Architecture.CHATGLM, new RandomModels.Dims(256, 2, 4, 2, 64, 512, 4096, 0), "gpt-2:chatglm-bpe"),
            new Family(Architecture.GLM4, new RandomModels.Dims(256, 2, 4, 2, 64, 512, 4096, 0), "gpt-2:glm4"),
            new Family(Architecture.PHI3, new RandomModels.Dims(256, 2, 4, 2, 64, 512, 4096, 0), "phi-3"));

    /**
     * The bounds a cell must meet, in nats over the top-5 tokens both sides list.
     *
     * @param maxNextTokenDiff bound on the largest |Δ log-prob| right after a prompt
     * @param maxAbsDiff       bound on the largest |Δ log-prob| over every step of the shared greedy paths
     * @param meanAbsDiff      bound on the mean |Δ log-prob| over those steps
     * @param exactShare       least share of prompts whose 32-token greedy continuation must match exactly
     */
    record Tolerance(double maxNextTokenDiff, double maxAbsDiff, double meanAbsDiff, double exactShare) {
        /** Two most likely tokens closer than this in the peer's numbers may come out either way round. */
        double tieGap() {
            return 2 * maxAbsDiff;
        }
    }

    /**
     * A column of the matrix: what llama-quantize is asked for, and the bounds.
     * <ul>
     * <li>F32 does llama.cpp's arithmetic up to summation order. Measured: max |Δ| ≤ 4e-4 but gemma3's 1.4e-3,
     *     mean ≤ 1.6e-4 (raw log-probs carry llama-server's float softmax normaliser, a running float sum over the
     *     whole vocabulary; relative to the top token ≤ 8e-5). The gemma families' larger max is their GELU, read
     *     like ggml from an F16 table: a gate value a last bit away from the peer's (summation order) that crosses
     *     an F16 rounding midpoint reads the neighbouring entry, 2^13 times the difference, and the fixture's
     *     depth compounds it (issue 3: with only those flipped gate elements given the peer's value, gemma3's
     *     logits agree to 1e-7 of their range over 21 steps; a 6-layer llama stays at 3e-5, a 6-layer gemma
     *     reaches 7e-4 as gemma3 does).</li>
     * <li>F16 and BF16: ggml rounds the activations to the weights' type before the dot product, and on this
     *     machine's AVX512-FP16 sums F16 products in half precision (LlamaParityTest found); we sum in float. Measured:
     *     max |Δ| 1.6e-2 to 8.9e-2, mean 7.5e-4 to 1.0e-2.</li>
     * <li>The quantized types multiply 8-bit quantized activations: an activation a last float bit away from the
     *     peer's can round to the neighbouring int8 step, and on random weights such flips compound over the
     *     layers to a few tenths of a nat at worst (QuantParityTest measures where they come from). Measured:
     *     max |Δ| ≤ 0.19, mean ≤ 0.021. A wrong kernel shows as several nats. The gemma2 and gemma3 rows are the
     *     worst because their files are the deepest (4 and 6 layers, the others 2), not because of their
     *     arithmetic (issue 3, Q8_0 at engine level: gemma3 with 2 layers max 0.05, llama with 6 layers max 0.24,
     *     mean 0.03).</li>
     * </ul>
     * Greedy continuations: a near-tie (the peer's two best closer than twice the max bound) may break either way
     * and the continuations part there; every other top-1 disagreement fails the cell. Random weights make many
     * near-ties: measured 3 to 6 of 6 prompts exact per quantized cell. Which near-ties break varies from run to
     * run (our quantized kernels' float sums differ in their last bits between interpreted and JIT-compiled code),
     * so the bound is a third, with the near-tie rule as the real check.
     */
    enum CellType {
        F32(false), F16(false), BF16(false),
        Q4_0(false), Q4_1(false), Q5_0(false), Q5_1(false), Q8_0(false),
        Q2_K(false), Q3_K(false), Q4_K(false), Q5_K(false), Q6_K(false),
        Q4_K_M(true), Q5_K_M(true);

        private static final Tolerance EXACT = new Tolerance(2e-3, 2e-3, 5e-4, 1.0);
        private static final Tolerance HALF = new Tolerance(0.25, 0.25, 0.03, 1.0 / 3);
        private static final Tolerance QUANTIZED = new Tolerance(0.5, 0.5, 0.05, 1.0 / 3);

        /** llama-quantize's preset mixing types by tensor (not {@code --pure}). */
        final boolean mix;

        CellType(boolean mix) {
            this.mix = mix;
        }

        Tolerance tolerance() {
            return switch (this) {
                case F32 -> EXACT;
                case F16, BF16 -> HALF;
                case Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q4_K_M, Q5_K_M -> QUANTIZED;
            };
        }
    }

    /** One measured cell, for the table. */
    record Row(Family family, CellType type, PeerParity.Result result, double seconds) {
        static String header() {
            return "| architecture | type | next-token max \\|Δ\\| | max \\|Δ\\| | mean \\|Δ\\| | top-5 shared | top-1 agree | greedy 32 exact |\n"
                    + "|---|---|---|---|---|---|---|---|";
        }

        String markdown() {
            PeerParity.Result r = result;
            return String.format(Locale.ROOT, "| %s | %s | %.1e | %.1e | %.1e | %d/%d | %d/%d | %d/%d |", family, type,
                    r.maxNextTokenDiff(), r.maxAbsDiff(), r.meanAbsDiff(), r.shared(), r.offered(), r.topOneMatches(),
                    r.steps(), r.exactContinuations(), r.prompts());
        }
    }

    private static final List<Row> ROWS = Collections.synchronizedList(new ArrayList<>());
    private static final Map<String, Map<String, MetadataValue>> VOCABULARIES = new ConcurrentHashMap<>();
    /** The F32 file of the architecture being run; cells come architecture by architecture. */
    private static Family baseFamily;
    private static Path base;

    @TempDir
    static Path tmp;

    static Stream<Arguments> cells() {
        return FAMILIES.stream().flatMap(f -> Stream.of(CellType.values()).map(t -> Arguments.of(f, t)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cells")
    void matchesLlamaServer(Family family, CellType type) throws IOException {
        long start = System.nanoTime();
        Path file = file(family, type);
        PeerParity.Result result;
        JsonNode ours;
        JsonNode peers;
        Tolerance tolerance = type.tolerance();
        long made = System.nanoTime();
        long started;
        try (ParityServers servers = ParityServers.start(file, family + "-" + type, CONTEXT)) {
            started = System.nanoTime();
            result = PeerParity.overHttp(servers.ours(), servers.peer(), PROMPTS, TOKENS, tolerance.tieGap());
            ours = servers.ourMeta();
            peers = servers.peerMeta();
        } finally {
            if (!file.equals(base)) {
                Files.deleteIfExists(file);
            }
        }
        long end = System.nanoTime();
        Row row = new Row(family, type, result, (end - start) / 1e9);
        ROWS.add(row);
        System.out.printf(Locale.ROOT, "matrix %-8s %-6s %5.1f s (file %.1f, start %.1f, requests %.1f) %s%n", family,
                type, row.seconds(), (made - start) / 1e9, (started - made) / 1e9, (end - started) / 1e9, result);

        assertThat(ours.get("architecture").asText()).isEqualTo(family.arch().ggufName());
        assertThat(ours.get("parameters").asLong()).isEqualTo(peers.get("n_params").asLong());
        assertThat(ours.get("vocab_size").asInt()).isEqualTo(peers.get("n_vocab").asInt());
        if (!type.mix) {
            assertThat(ours.get("quantization").asText()).isEqualTo(type.name());
        }
        assertThat(result.shared()).as("top-5 tokens both sides list").isGreaterThanOrEqualTo(result.offered() * 4 / 5);
        assertThat(result.offTies()).as("most likely tokens differ only at near-ties").isEmpty();
        assertThat(result.maxNextTokenDiff()).as("max |Δ logprob| of the next token")
                .isLessThanOrEqualTo(tolerance.maxNextTokenDiff());
        assertThat(result.maxAbsDiff()).as("max |Δ logprob|").isLessThanOrEqualTo(tolerance.maxAbsDiff());
        assertThat(result.meanAbsDiff()).as("mean |Δ logprob|").isLessThanOrEqualTo(tolerance.meanAbsDiff());
        assertThat(result.exactContinuations()).as("exact greedy continuations")
                .isGreaterThanOrEqualTo((int) Math.ceil(tolerance.exactShare() * result.prompts() - 1e-9));
    }

    /** The cell's file: the architecture's F32 base (written on its first cell), or llama-quantize's output. */
    private static Path file(Family family, CellType type) throws IOException {
        if (!family.equals(baseFamily)) {
            if (base != null) {
                Files.deleteIfExists(base);
            }
            base = tmp.resolve(family + "-F32.gguf");
            Map<String, MetadataValue> vocab = VOCABULARIES.computeIfAbsent(family.vocab(),
                    source -> RandomModels.printable(RandomModels.vocabulary(source)));
            // tied embeddings scaled as an untied output: next-token distributions with alternatives worth comparing
            RandomModels.write(family.arch(), family.dims(), GgmlType.F32, vocab, base, 42,
                    (float) (3 / Math.sqrt(family.dims().dim())));
            baseFamily = family;
        }
        if (type == CellType.F32) {
            return base;
        }
        Path out = tmp.resolve(family + "-" + type + ".gguf");
        List<String> command = new ArrayList<>(List.of(LlamaCppPeer.tool("llama-quantize").toString()));
        if (!type.mix) {
            command.add("--pure");
        }
        command.addAll(List.of(base.toString(), out.toString(), type.name(), "2"));
        LlamaCppPeer.Result r = LlamaCppPeer.run(command, 300);
        assertThat(r.exitCode()).as("llama-quantize: %s", r.stderr()).isZero();
        return out;
    }

    @AfterAll
    static void writeTable() throws IOException {
        List<Row> rows = new ArrayList<>(ROWS);
        rows.sort((a, b) -> a.family().arch() != b.family().arch()
                ? Integer.compare(FAMILIES.indexOf(a.family()), FAMILIES.indexOf(b.family()))
                : a.type().compareTo(b.type()));
        StringBuilder table = new StringBuilder(Row.header()).append('\n');
        for (Row row : rows) {
            table.append(row.markdown()).append('\n');
        }
        double seconds = rows.stream().mapToDouble(Row::seconds).sum();
        Path out = Path.of("target", "parity-matrix.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
        System.out.printf(Locale.ROOT, "%s%n%d cells in %.0f s; written to %s%n", table, rows.size(), seconds,
                out.toAbsolutePath());
    }
}
