package org.infer4j.engine.convert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.infer4j.engine.tokenizer.hf.Json;
import org.infer4j.engine.tokenizer.hf.TokenizerJsonImporter;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufWriter;
import org.infer4j.gguf.MetadataValue;

/**
 * Converts a Hugging Face model folder (config.json, *.safetensors, tokenizer.json, tokenizer_config.json,
 * generation_config.json) into a GGUF file laid out as llama.cpp's convert_hf_to_gguf.py lays it out for the
 * family: the same metadata keys and value types, the same tensor names, shapes and rewrites, norms and
 * biases in F32. Matrices keep their checkpoint precision unless another {@link OutputType} is asked for.
 * <p>
 * Tied embeddings: when config.json says {@code tie_word_embeddings} (or leaves it out and the family's config
 * class defaults to tied, as Gemma's do), or the family always projects with the embedding, no {@code output.weight} is written
 * (llama.cpp then projects with {@code token_embd.weight}), and a checkpoint that stored the shared matrix
 * only as {@code lm_head.weight} still yields {@code token_embd.weight}.
 */
public final class HfCheckpointConverter {
    private static final List<String> IGNORED_SUFFIXES = List.of(".rotary_emb.inv_freq", ".attention.masked_bias",
            ".attention.bias");
    private static final String LAYER_PREFIX = "model.layers.";
    /** ggml's GGML_QNT_VERSION, which gguf-py writes into every file. */
    private static final int QUANTIZATION_VERSION = 2;

    private HfCheckpointConverter() {}

    /** What a conversion produced. */
    public record Result(Path file, String hfArchitecture, String ggufArchitecture, int tensorCount, long fileType) {}

    /** Converts {@code modelDir} into {@code out} (written to a sibling temporary file, then moved into place). */
    public static Result convert(Path modelDir, Path out, OutputType outputType) throws IOException {
        Path config = modelDir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new CheckpointFormatException(modelDir + " is not a Hugging Face model folder: it has no config.json");
        }
        HfConfig hf = HfConfig.read(config);
        SourceArchitecture family = SourceArchitecture.forName(hf.architecture());
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(modelDir)) {
            List<PlannedTensor> tensors = plan(checkpoint, hf, family);
            GgmlType matrixType = fileMatrixType(tensors, outputType);

            GgufWriter writer = new GgufWriter();
            writer.putAll(metadata(modelDir, hf, family, matrixType));
            for (GeneratedTensor g : family.generatedTensors(hf)) {
                writer.addTensor(g.name(), g.shape(), g.values());
            }
            for (PlannedTensor t : tensors) {
                addTensor(writer, t, outputType);
            }
            Path dir = out.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            // a unique sibling, so a reader never sees a half-written file and concurrent conversions do not collide
            Path temp = dir.resolve(out.getFileName() + "." + UUID.randomUUID() + ".part");
            try {
                writer.write(temp);
                Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
            int count = tensors.size() + family.generatedTensors(hf).size();
            return new Result(out, hf.architecture(), family.ggufName(), count, OutputType.fileType(matrixType));
        }
    }

    /** A checkpoint tensor with its GGUF name, the row permutation it needs, if any, and a value to add to it. */
    private record PlannedTensor(String name, SafetensorsTensor source, Optional<RopePermutation> permutation,
                                 float addend) {}

    private static List<PlannedTensor> plan(SafetensorsCheckpoint checkpoint, HfConfig hf, SourceArchitecture family) {
        boolean tied = hf.bool("tie_word_embeddings", family.tiesEmbeddingsByDefault()) || family.dropsOutputHead();
        long blocks = hf.requireLong("num_hidden_layers", "n_layers", "n_layer", "num_layers");
        Map<String, PlannedTensor> byName = new LinkedHashMap<>();
        for (SafetensorsTensor t : checkpoint.tensors().values()) {
            Optional<String> mapped = ggufName(t.name(), family, blocks);
            if (mapped.isEmpty() || (tied && mapped.get().equals("output.weight"))) {
                continue;
            }
            byName.put(mapped.get(), new PlannedTensor(mapped.get(), t, family.permutation(mapped.get(), hf),
                    family.addend(t.name())));
        }
        if (!byName.containsKey("token_embd.weight")) {
            // stored only under the other name of a shared matrix, or only as lm_head when tied
            Optional<SafetensorsTensor> embedding = checkpoint.find("model.embed_tokens.weight")
                    .or(() -> tied ? checkpoint.find("lm_head.weight") : Optional.empty());
            SafetensorsTensor source = embedding.orElseThrow(() -> new CheckpointFormatException(
                    "the checkpoint has no model.embed_tokens.weight"));
            byName.put("token_embd.weight", new PlannedTensor("token_embd.weight", source, Optional.empty(), 0f));
        }
        List<PlannedTensor> ordered = new ArrayList<>(byName.values());
        ordered.sort(Comparator.comparingLong(HfCheckpointConverter::order));
        return ordered;
    }

    /** Reading order: embeddings, blocks in number order (source order within a block), final norm, output. */
    private static long order(PlannedTensor t) {
        String n = t.name();
        if (n.startsWith("token_embd.")) {
            return 0;
        }
        if (n.startsWith("blk.")) {
            return 1 + Long.parseLong(n.substring(4, n.indexOf('.', 4)));
        }
        return n.startsWith("output_norm.") ? Long.MAX_VALUE - 1 : Long.MAX_VALUE;
    }

    /** The GGUF name of a checkpoint tensor; empty for tensors llama.cpp does not use (rotary caches). */
    static Optional<String> ggufName(String hfName, SourceArchitecture family, long blocks) {
        for (String ignored : IGNORED_SUFFIXES) {
            if (hfName.endsWith(ignored)) {
                return Optional.empty();
            }
        }
        switch (hfName) {
            case "model.embed_tokens.weight" -> {
                return Optional.of("token_embd.weight");
            }
            case "model.norm.weight" -> {
                return Optional.of("output_norm.weight");
            }
            case "lm_head.weight" -> {
                return Optional.of("output.weight");
            }
            case "lm_head.bias" -> {
                return Optional.of("output.bias");
            }
            default -> {
                // per-layer tensors below
            }
        }
        if (hfName.startsWith(LAYER_PREFIX)) {
            String rest = hfName.substring(LAYER_PREFIX.length());
            int dot = rest.indexOf('.');
            int lastDot = rest.lastIndexOf('.');
            if (dot > 0 && lastDot > dot && rest.substring(0, dot).chars().allMatch(Character::isDigit)) {
                long block = Long.parseLong(rest.substring(0, dot));
                String suffix = rest.substring(lastDot);
                String target = family.layerTensors().get(rest.substring(dot + 1, lastDot));
                if (target != null && block < blocks && (suffix.equals(".weight") || suffix.equals(".bias"))) {
                    return Optional.of("blk." + block + "." + target + suffix);
                }
            }
        }
        throw new UnsupportedCheckpointException("cannot map tensor " + hfName + " of a " + family.ggufName()
                + " model to a llama.cpp tensor name");
    }

    /** Norms, biases and other vectors stay F32, as llama.cpp's kernels expect. */
    private static boolean keepsF32(String name, SafetensorsTensor source) {
        return source.shape().length <= 1 || name.endsWith("_norm.weight") || !name.endsWith(".weight");
    }

    /** The matrix type the file is labelled with: the first matrix's, as convert_hf_to_gguf guesses it. */
    private static GgmlType fileMatrixType(List<PlannedTensor> tensors, OutputType outputType) {
        for (PlannedTensor t : tensors) {
            if (t.source().shape().length >= 2) {
                return outputType.matrixType(t.source().dtype());
            }
        }
        return outputType.matrixType(SafetensorsDType.F32);
    }

    private static void addTensor(GgufWriter writer, PlannedTensor t, OutputType outputType) {
        SafetensorsTensor source = t.source();
        SafetensorsDType dtype = source.dtype();
        MemorySegment data = source.data();
        if (t.permutation().isPresent()) {
            data = t.permutation().get().apply(source.name(), data, source.rows());
        }
        GgmlType type = keepsF32(t.name(), source) ? GgmlType.F32 : outputType.matrixType(dtype);
        if (t.addend() != 0f) {
            // widened to F32 first, so the sum is exact as transformers computes it (1 + w in float32)
            data = ElementConversion.add(ElementConversion.convert(data, dtype, GgmlType.F32), t.addend());
            dtype = SafetensorsDType.F32;
        }
        long[] shape = source.shape();
        long[] ggmlShape = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            ggmlShape[i] = shape[shape.length - 1 - i];
        }
        writer.addTensor(t.name(), type, ggmlShape, ElementConversion.convert(data, dtype, type));
    }

    private static Map<String, MetadataValue> metadata(Path dir, HfConfig hf, SourceArchitecture family,
                                                       GgmlType matrixType) {
        ArchMetadata out = new ArchMetadata(family.ggufName());
        out.put("general.architecture", MetadataValue.ofString(family.ggufName()));
        out.put("general.type", MetadataValue.ofString("model"));
        out.put("general.name", MetadataValue.ofString(dir.toAbsolutePath().normalize().getFileName().toString()));
        GenerationDefaults.write(dir.resolve("generation_config.json"), out);

        out.archUint32("block_count", hf.requireLong("num_hidden_layers", "n_layers", "n_layer", "num_layers"));
        hf.findLong("max_position_embeddings", "n_ctx", "n_positions", "max_length", "max_sequence_length",
                "model_max_length").ifPresent(v -> out.archUint32("context_length", v));
        hf.findLong("hidden_size", "n_embd", "dim").ifPresent(v -> out.archUint32("embedding_length", v));
        hf.findLong("intermediate_size", "n_inner", "hidden_dim").ifPresent(v -> out.archUint32("feed_forward_length", v));
        hf.findLong("num_attention_heads", "n_head", "n_heads").ifPresent(v -> out.archUint32("attention.head_count", v));
        hf.findLong("num_key_value_heads", "n_kv_heads").ifPresent(v -> out.archUint32("attention.head_count_kv", v));
        RopeScaling.write(hf, out);
        hf.findDouble("rms_norm_eps", "norm_eps").ifPresent(v -> out.archFloat32("attention.layer_norm_rms_epsilon", v));
        hf.findLong("head_dim").ifPresent(v -> {
            out.archUint32("attention.key_length", v);
            out.archUint32("attention.value_length", v);
        });
        out.put("general.file_type", MetadataValue.ofUint32(OutputType.fileType(matrixType)));
        family.addHyperParameters(hf, out);
        out.put("general.quantization_version", MetadataValue.ofUint32(QUANTIZATION_VERSION));

        Map<String, MetadataValue> tokenizer = TokenizerJsonImporter.importDirectory(dir);
        TokenizerPadding.padTo(tokenizer, hf.requireLong("vocab_size"));
        family.completeSpecialTokens(new SpecialTokenIds(tokenizer));
        tokenizer.remove(ChatTemplates.KEY);
        tokenizer.putAll(ChatTemplates.read(dir, tokenizerConfig(dir)));
        tokenizer.forEach(out::put);
        return out.values();
    }

    private static Map<String, Object> tokenizerConfig(Path dir) {
        Path file = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> config = Json.parse(Files.readString(file)) instanceof Map<?, ?> m
                    ? (Map<String, Object>) m : Map.of();
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
