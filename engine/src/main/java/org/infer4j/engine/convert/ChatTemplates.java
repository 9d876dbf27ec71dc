package org.infer4j.engine.convert;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.engine.tokenizer.hf.Json;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.MetadataValue;

/**
 * The chat template keys gguf-py's SpecialVocab writes. The template comes from tokenizer_config.json's
 * {@code chat_template}, else {@code chat_template.jinja} (with {@code additional_chat_templates/*.jinja}),
 * else {@code chat_template.json}. A list of named templates puts the one named "default" under
 * {@code tokenizer.chat_template}, each other one under {@code tokenizer.chat_template.<name>} (name reduced to
 * ASCII letters, digits and '_'), and lists those names in {@code tokenizer.chat_templates}.
 */
final class ChatTemplates {
    static final String KEY = "tokenizer.chat_template";

    private ChatTemplates() {}

    static Map<String, MetadataValue> read(Path dir, Map<String, Object> tokenizerConfig) {
        Object template = tokenizerConfig.containsKey("chat_template") ? tokenizerConfig.get("chat_template")
                : alternative(dir);
        Map<String, MetadataValue> out = new LinkedHashMap<>();
        if (template instanceof String s) {
            out.put(KEY, MetadataValue.ofString(s));
        } else if (template instanceof List<?> choices) {
            String defaultTemplate = null;
            List<String> names = new ArrayList<>();
            for (Object choice : choices) {
                if (!(choice instanceof Map<?, ?> c) || !(c.get("template") instanceof String text)) {
                    continue;
                }
                String name = sanitize(c.get("name") instanceof String n ? n : "");
                if (name.equals("default")) {
                    defaultTemplate = text;
                } else if (!name.isEmpty()) {
                    if (!names.contains(name)) {
                        names.add(name);
                    }
                    out.put(KEY + "." + name, MetadataValue.ofString(text));
                }
            }
            if (!names.isEmpty()) {
                out.put("tokenizer.chat_templates", MetadataValue.ofArray(GgufArray.ofStrings(names.toArray(String[]::new))));
            }
            if (defaultTemplate != null) {
                out.put(KEY, MetadataValue.ofString(defaultTemplate));
            }
        }
        return out;
    }

    private static String sanitize(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    private static Object alternative(Path dir) {
        try {
            Path jinja = dir.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) {
                String main = Files.readString(jinja);
                Path extra = dir.resolve("additional_chat_templates");
                if (!Files.isDirectory(extra)) {
                    return main;
                }
                List<Object> all = new ArrayList<>();
                all.add(Map.of("name", "default", "template", main));
                try (DirectoryStream<Path> files = Files.newDirectoryStream(extra, "*.jinja")) {
                    List<Path> sorted = new ArrayList<>();
                    files.forEach(sorted::add);
                    sorted.sort(null);
                    for (Path f : sorted) {
                        String stem = f.getFileName().toString();
                        all.add(Map.of("name", stem.substring(0, stem.length() - ".jinja".length()),
                                "template", Files.readString(f)));
                    }
                }
                return all.size() == 1 ? main : all;
            }
            Path json = dir.resolve("chat_template.json");
            if (Files.isRegularFile(json) && Json.parse(Files.readString(json)) instanceof Map<?, ?> m) {
                return m.get("chat_template");
            }
            return null;
        } catch (IOException e) {
            throw new CheckpointFormatException("cannot read the chat template of " + dir + ": " + e.getMessage(), e);
        }
    }
}
