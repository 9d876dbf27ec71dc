package org.infer4j.engine.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.infer4j.engine.tokenizer.hf.Json;
import org.infer4j.engine.tokenizer.hf.TokenizerImportException;

/**
 * All safetensors files of a Hugging Face model folder seen as one set of tensors: the shards named by
 * {@code model.safetensors.index.json} when it exists, else every {@code model*.safetensors} in name order.
 * Shared tensors that {@code save_pretrained} stored once are found under both names through the
 * {@code __metadata__} aliases it leaves (e.g. {@code "model.embed_tokens.weight": "lm_head.weight"}).
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    static final String INDEX_FILE = "model.safetensors.index.json";

    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> aliases;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Map<String, SafetensorsTensor> tensors,
                                  Map<String, String> aliases) {
        this.files = files;
        this.tensors = tensors;
        this.aliases = aliases;
    }

    /** Opens the weights of the model folder {@code dir}. */
    public static SafetensorsCheckpoint open(Path dir) {
        Path index = dir.resolve(INDEX_FILE);
        Map<String, String> weightMap = Files.isRegularFile(index) ? weightMap(index) : null;
        List<Path> parts = weightMap != null
                ? new TreeSet<>(weightMap.values()).stream().map(dir::resolve).toList()
                : modelParts(dir);
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
            Map<String, String> aliases = new LinkedHashMap<>();
            for (Path part : parts) {
                if (!Files.isRegularFile(part)) {
                    throw new CheckpointFormatException(dir + ": shard " + part.getFileName() + " named by " + INDEX_FILE
                            + " is missing");
                }
                SafetensorsFile file = SafetensorsFile.open(part);
                files.add(file);
                for (SafetensorsTensor t : file.tensors().values()) {
                    if (tensors.putIfAbsent(t.name(), t) != null) {
                        throw new CheckpointFormatException(dir + ": tensor " + t.name() + " is stored in two shards");
                    }
                    if (weightMap != null && !part.getFileName().toString().equals(weightMap.get(t.name()))) {
                        throw new CheckpointFormatException(dir + ": tensor " + t.name() + " is in " + part.getFileName()
                                + " but " + INDEX_FILE + " places it in " + weightMap.get(t.name()));
                    }
                }
                aliases.putAll(file.metadata());
            }
            if (weightMap != null) {
                for (Map.Entry<String, String> e : weightMap.entrySet()) {
                    if (!tensors.containsKey(e.getKey())) {
                        throw new CheckpointFormatException(dir + ": tensor " + e.getKey() + " listed in " + INDEX_FILE
                                + " is not in " + e.getValue());
                    }
                }
            }
            aliases.keySet().removeIf(name -> tensors.containsKey(name) || !tensors.containsKey(aliases.get(name)));
            return new SafetensorsCheckpoint(List.copyOf(files), Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(aliases));
        } catch (RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static Map<String, String> weightMap(Path index) {
        Object json;
        try {
            json = Json.parse(Files.readString(index));
        } catch (IOException e) {
            throw new CheckpointFormatException("cannot read " + index + ": " + e.getMessage(), e);
        } catch (TokenizerImportException e) {
            throw new CheckpointFormatException(index + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!(json instanceof Map<?, ?> root) || !(root.get("weight_map") instanceof Map<?, ?> map)) {
            throw new CheckpointFormatException(index + " has no weight_map object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String file) || file.contains("/") || file.contains("\\")) {
                throw new CheckpointFormatException(index + ": bad shard name for " + e.getKey() + ": " + e.getValue());
            }
            out.put((String) e.getKey(), file);
        }
        return out;
    }

    private static List<Path> modelParts(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            List<Path> parts = list.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith("model") && name.endsWith(".safetensors") && Files.isRegularFile(p);
            }).sorted().toList();
            if (parts.isEmpty()) {
                throw new CheckpointFormatException(dir + " holds no model*.safetensors file");
            }
            return parts;
        } catch (IOException e) {
            throw new CheckpointFormatException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The stored tensors, shard by shard in header order (aliases not repeated). */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    /** The tensor stored under {@code name}, or the one {@code name} is a recorded alias of. */
    public Optional<SafetensorsTensor> find(String name) {
        SafetensorsTensor t = tensors.get(name);
        if (t == null && aliases.containsKey(name)) {
            t = tensors.get(aliases.get(name));
        }
        return Optional.ofNullable(t);
    }

    /** Names that are aliases of a stored tensor, mapped to the stored name. */
    public Map<String, String> aliases() {
        return aliases;
    }

    public List<Path> files() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
