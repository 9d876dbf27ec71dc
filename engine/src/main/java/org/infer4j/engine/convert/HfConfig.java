package org.infer4j.engine.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infer4j.engine.tokenizer.hf.Json;
import org.infer4j.engine.tokenizer.hf.TokenizerImportException;

/**
 * A Hugging Face {@code config.json} with typed look-ups. Like convert_hf_to_gguf, a nested
 * {@code text_config} (multimodal wrappers) is lifted to the top level, and a hyper-parameter is looked up
 * under the several names different model families give it.
 */
public final class HfConfig {
    private final String source;
    private final Map<String, Object> values;

    HfConfig(String source, Map<String, Object> values) {
        this.source = source;
        Map<String, Object> merged = new LinkedHashMap<>(values);
        if (values.get("text_config") instanceof Map<?, ?> text) {
            text.forEach((k, v) -> merged.put((String) k, v));
        }
        this.values = merged;
    }

    /** Reads {@code file}; a missing or malformed file is a {@link CheckpointFormatException}. */
    public static HfConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new CheckpointFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(file.toString(), text);
    }

    static HfConfig parse(String source, String json) {
        try {
            if (Json.parse(json) instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> values = (Map<String, Object>) map;
                return new HfConfig(source, values);
            }
        } catch (TokenizerImportException e) {
            throw new CheckpointFormatException(source + " is not valid JSON: " + e.getMessage(), e);
        }
        throw new CheckpointFormatException(source + " is not a JSON object");
    }

    /** The first entry of {@code architectures}. */
    public String architecture() {
        if (values.get("architectures") instanceof List<?> list && !list.isEmpty() && list.getFirst() instanceof String s) {
            return s;
        }
        throw new CheckpointFormatException(source + " names no architectures");
    }

    public Optional<Object> find(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** The first of {@code keys} present as an integer. */
    public Optional<Long> findLong(String... keys) {
        for (String key : keys) {
            Object v = values.get(key);
            if (v instanceof Long l) {
                return Optional.of(l);
            }
            if (v instanceof Double d && d == Math.rint(d)) {
                return Optional.of(d.longValue());
            }
            if (v != null) {
                throw new CheckpointFormatException(source + ": " + key + " is not an integer: " + v);
            }
        }
        return Optional.empty();
    }

    public long requireLong(String... keys) {
        return findLong(keys).orElseThrow(() -> new CheckpointFormatException(source + " has none of " + List.of(keys)));
    }

    /** The first of {@code keys} present as a number. */
    public Optional<Double> findDouble(String... keys) {
        for (String key : keys) {
            Object v = values.get(key);
            if (v instanceof Number n) {
                return Optional.of(n.doubleValue());
            }
            if (v != null) {
                throw new CheckpointFormatException(source + ": " + key + " is not a number: " + v);
            }
        }
        return Optional.empty();
    }

    public boolean bool(String key, boolean defaultValue) {
        return values.get(key) instanceof Boolean b ? b : defaultValue;
    }

    /** A nested object, e.g. {@code rope_scaling}; empty when absent or null. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> object(String key) {
        return values.get(key) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    public String source() {
        return source;
    }
}
