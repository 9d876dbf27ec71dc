package org.infer4j.engine.tokenizer.hf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.GgufValueType;
import org.infer4j.gguf.MetadataValue;

/**
 * Turns a Hugging Face {@code tokenizer.json} (and {@code tokenizer_config.json}) into the
 * {@code tokenizer.ggml.*} metadata llama.cpp's convert_hf_to_gguf.py writes:
 * <ul>
 * <li>byte-level BPE becomes model "gpt2": tokens by id, types (added tokens control when special or
 * special-looking, else user-defined), merges as "left right", and the pre-tokenizer name recognised from
 * the pre-tokenizer regex (convert_hf_to_gguf recognises it by hashing a probe text's tokens);</li>
 * <li>SentencePiece-style BPE with byte fallback (Gemma, Llama 2 style tokenizer.json) becomes model "llama",
 * with {@code add_space_prefix} true only when the tokenizer itself prepends the space mark. tokenizer.json has no piece scores, so each piece scores minus the rank
 * of the first merge that builds it: SentencePiece's highest score first is then the same order as the
 * merges, which Hugging Face derived from those scores.</li>
 * </ul>
 * Special token ids, add_bos/add_eos and the chat template follow gguf-py's SpecialVocab.
 */
public final class TokenizerJsonImporter {
    private static final String P = "tokenizer.ggml.";
    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final int UNUSED = 5;
    private static final int BYTE = 6;
    private static final float ADDED_TOKEN_SCORE = -1000f;

    private static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private TokenizerJsonImporter() {}

    /** Reads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json}. */
    public static Map<String, MetadataValue> importDirectory(Path dir) {
        Path config = dir.resolve("tokenizer_config.json");
        return importTokenizer(read(dir.resolve("tokenizer.json")), Files.isRegularFile(config) ? read(config) : null);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The GGUF tokenizer metadata for the given file contents ({@code configJson} may be null). */
    public static Map<String, MetadataValue> importTokenizer(String tokenizerJson, String configJson) {
        Map<String, Object> tokenizer = object(Json.parse(tokenizerJson), "tokenizer.json");
        Map<String, Object> config = configJson == null ? Map.of() : object(Json.parse(configJson), "tokenizer_config.json");
        Map<String, Object> model = object(tokenizer.get("model"), "model");
        if (!"BPE".equals(model.get("type"))) {
            throw new TokenizerImportException("unsupported tokenizer.json model type " + model.get("type"));
        }
        boolean byteLevel = mentionsByteLevel(tokenizer.get("pre_tokenizer")) || mentionsByteLevel(tokenizer.get("decoder"));
        boolean sentencePiece = Boolean.TRUE.equals(model.get("byte_fallback")) && !byteLevel;
        if (!byteLevel && !sentencePiece) {
            throw new TokenizerImportException("only byte-level BPE and SentencePiece-style BPE with byte fallback are supported");
        }

        Map<String, Object> vocab = object(model.get("vocab"), "model.vocab");
        List<Map<String, Object>> added = new ArrayList<>();
        for (Object o : list(tokenizer.getOrDefault("added_tokens", List.of()))) {
            added.add(object(o, "added_tokens entry"));
        }
        int size = 0;
        for (Object id : vocab.values()) {
            size = Math.max(size, number(id) + 1);
        }
        for (Map<String, Object> a : added) {
            size = Math.max(size, number(a.get("id")) + 1);
        }
        String[] tokens = new String[size];
        int[] types = new int[size];
        for (Map.Entry<String, Object> e : vocab.entrySet()) {
            tokens[number(e.getValue())] = e.getKey();
        }
        for (Map<String, Object> a : added) {
            tokens[number(a.get("id"))] = (String) a.get("content");
        }
        List<String> merges = merges(model.get("merges"));
        float[] scores = sentencePiece ? mergeScores(tokens, merges) : null;
        String unk = model.get("unk_token") instanceof String u ? u : null;
        for (int i = 0; i < size; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = UNUSED;
            } else if (sentencePiece && tokens[i].equals(unk)) {
                types[i] = UNKNOWN;
            } else if (sentencePiece && tokens[i].matches("<0x[0-9A-F]{2}>")) {
                types[i] = BYTE;
            } else {
                types[i] = NORMAL;
            }
        }
        for (Map<String, Object> a : added) {
            int id = number(a.get("id"));
            String content = (String) a.get("content");
            if (Boolean.TRUE.equals(a.get("special")) || looksSpecial(content)) {
                types[id] = CONTROL;
            } else {
                content = content.replace('\u2581', ' '); // user-defined spaces are stored pre-normalized
                types[id] = USER_DEFINED;
            }
            tokens[id] = content;
            if (scores != null) {
                scores[id] = ADDED_TOKEN_SCORE;
            }
        }

        Map<String, MetadataValue> out = new LinkedHashMap<>();
        if (sentencePiece) {
            out.put(P + "model", MetadataValue.ofString("llama"));
            out.put(P + "pre", MetadataValue.ofString("default"));
        } else {
            out.put(P + "model", MetadataValue.ofString("gpt2"));
            out.put(P + "pre", MetadataValue.ofString(preName(tokenizer.get("pre_tokenizer"))));
        }
        out.put(P + "tokens", MetadataValue.ofArray(GgufArray.ofStrings(tokens)));
        if (scores != null) {
            out.put(P + "scores", MetadataValue.ofArray(GgufArray.ofFloats(scores)));
        }
        out.put(P + "token_type", MetadataValue.ofArray(GgufArray.ofInts(GgufValueType.INT32,
                Arrays.stream(types).asLongStream().toArray())));
        if (!sentencePiece) {
            out.put(P + "merges", MetadataValue.ofArray(GgufArray.ofStrings(merges.toArray(String[]::new))));
        }
        new SpecialTokenConfig(tokenizer, config, added, size).writeTo(out);
        if (sentencePiece) {
            out.put(P + "add_space_prefix", MetadataValue.ofBool(prependsSpace(tokenizer)));
        }
        if (config.get("chat_template") instanceof String template) {
            out.put("tokenizer.chat_template", MetadataValue.ofString(template));
        }
        return out;
    }

    /** Special-token ids and add_* flags the way gguf-py's SpecialVocab reads them. */
    private static final class SpecialTokenConfig {
        private final Map<String, Integer> ids = new LinkedHashMap<>();
        private final Map<String, Boolean> add = new LinkedHashMap<>();

        SpecialTokenConfig(Map<String, Object> tokenizer, Map<String, Object> config, List<Map<String, Object>> added,
                           int size) {
            Map<String, Object> cfg = new HashMap<>(config);
            List<String> types = new ArrayList<>(List.of("bos", "eos", "unk", "sep", "pad", "cls", "mask"));
            String bos = content(cfg.get("bos_token"));
            String eos = content(cfg.get("eos_token"));
            if (tokenizer.get("post_processor") instanceof Map<?, ?> post) {
                List<?> processors = post.get("processors") instanceof List<?> l ? l : List.of(post);
                for (Object p : processors) {
                    if (p instanceof Map<?, ?> proc && "TemplateProcessing".equals(proc.get("type"))
                            && proc.get("single") instanceof List<?> single && single.size() > 1) {
                        String first = specialId(single.getFirst());
                        if (first != null) {
                            if (bos == null) {
                                cfg.put("bos_token", bos = first);
                            }
                            add.put("bos", first.equals(bos));
                        }
                        String last = specialId(single.getLast());
                        if (last != null) {
                            if (!last.equals(eos)) {
                                types.add("eot");
                                cfg.put("eot_token", eos);
                                cfg.put("eos_token", eos = last);
                            }
                            add.put("eos", true);
                        }
                    }
                }
            }
            for (String type : types) {
                if (cfg.get("add_" + type + "_token") instanceof Boolean b) {
                    add.put(type, b);
                }
                String text = content(cfg.get(type + "_token"));
                if (text == null) {
                    continue;
                }
                for (Map<String, Object> a : added) {
                    if (text.equals(a.get("content"))) {
                        int id = number(a.get("id"));
                        if (id < size) {
                            ids.putIfAbsent(type, id);
                        }
                        break;
                    }
                }
            }
        }

        void writeTo(Map<String, MetadataValue> out) {
            Map<String, String> keys = Map.of("bos", "bos_token_id", "eos", "eos_token_id", "unk", "unknown_token_id",
                    "sep", "seperator_token_id", "pad", "padding_token_id", "cls", "cls_token_id",
                    "mask", "mask_token_id", "eot", "eot_token_id");
            ids.forEach((type, id) -> out.put(P + keys.get(type), MetadataValue.ofUint32(id)));
            add.forEach((type, on) -> {
                if (type.equals("bos") || type.equals("eos") || type.equals("sep")) {
                    out.put(P + "add_" + type + "_token", MetadataValue.ofBool(on));
                }
            });
        }

        private static String specialId(Object templateItem) {
            if (templateItem instanceof Map<?, ?> item && item.get("SpecialToken") instanceof Map<?, ?> special
                    && special.get("id") instanceof String id) {
                return id;
            }
            return null;
        }

        private static String content(Object entry) {
            if (entry instanceof String s) {
                return s;
            }
            if (entry instanceof Map<?, ?> m && m.get("content") instanceof String s) {
                return s;
            }
            return null;
        }
    }

    /** Merges as "left right"; the pair form (transformers 4.45+) encodes spaces inside a side as U+0120. */
    private static List<String> merges(Object merges) {
        List<String> out = new ArrayList<>();
        for (Object m : list(merges == null ? List.of() : merges)) {
            if (m instanceof String s) {
                out.add(s);
            } else if (m instanceof List<?> pair && pair.size() == 2) {
                out.add(escapeSpaces((String) pair.get(0)) + " " + escapeSpaces((String) pair.get(1)));
            } else {
                throw new TokenizerImportException("unknown merges format: " + m);
            }
        }
        return out;
    }

    private static String escapeSpaces(String side) {
        return side.replace(' ', (char) (' ' + 256));
    }

    /** Score of each piece: minus the rank of the first merge producing it; 0 for pieces no merge produces. */
    private static float[] mergeScores(String[] tokens, List<String> merges) {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] != null) {
                ids.put(tokens[i], i);
            }
        }
        float[] scores = new float[tokens.length];
        boolean[] scored = new boolean[tokens.length];
        for (int rank = 0; rank < merges.size(); rank++) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ', 1);
            Integer id = space < 0 ? null
                    : ids.get(merge.substring(0, space) + merge.substring(space + 1));
            if (id != null && !scored[id]) {
                scored[id] = true;
                scores[id] = -rank;
            }
        }
        return scores;
    }

    /** The llama.cpp pre-tokenizer name of a byte-level pre-tokenizer, recognised by its split regex. */
    private static String preName(Object preTokenizer) {
        List<String> regexes = new ArrayList<>();
        collectRegexes(preTokenizer, regexes);
        if (regexes.equals(List.of(LLAMA3_REGEX))) {
            return "llama-bpe";
        }
        if (regexes.equals(List.of(QWEN2_REGEX))) {
            return "qwen2";
        }
        if (regexes.isEmpty() && mentionsByteLevel(preTokenizer)) {
            return "gpt-2"; // ByteLevel with its built-in GPT-2 regex
        }
        throw new TokenizerImportException("unrecognised pre-tokenizer " + regexes
                + "; llama.cpp would need a known tokenizer.ggml.pre for it");
    }

    private static void collectRegexes(Object node, List<String> out) {
        if (node instanceof Map<?, ?> map) {
            if ("Split".equals(map.get("type")) && map.get("pattern") instanceof Map<?, ?> pattern
                    && pattern.get("Regex") instanceof String regex) {
                out.add(regex);
            }
            map.values().forEach(v -> collectRegexes(v, out));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> collectRegexes(v, out));
        }
    }

    /**
     * Whether a SentencePiece-style tokenizer puts "▁" before the text: a {@code Prepend} normalizer (Llama 2
     * style tokenizer.json) or a {@code Metaspace} pre-tokenizer that prepends. Gemma's only replaces spaces.
     */
    private static boolean prependsSpace(Map<String, Object> tokenizer) {
        return hasNode(tokenizer.get("normalizer"), m -> "Prepend".equals(m.get("type")) && "\u2581".equals(m.get("prepend")))
                || hasNode(tokenizer.get("pre_tokenizer"), m -> "Metaspace".equals(m.get("type"))
                        && !"never".equals(m.get("prepend_scheme")) && !Boolean.FALSE.equals(m.get("add_prefix_space")));
    }

    private static boolean hasNode(Object node, java.util.function.Predicate<Map<?, ?>> test) {
        if (node instanceof Map<?, ?> map) {
            return test.test(map) || map.values().stream().anyMatch(v -> hasNode(v, test));
        }
        if (node instanceof List<?> list) {
            return list.stream().anyMatch(v -> hasNode(v, test));
        }
        return false;
    }

    private static boolean mentionsByteLevel(Object node) {
        if (node instanceof Map<?, ?> map) {
            return "ByteLevel".equals(map.get("type")) || map.values().stream().anyMatch(TokenizerJsonImporter::mentionsByteLevel);
        }
        if (node instanceof List<?> list) {
            return list.stream().anyMatch(TokenizerJsonImporter::mentionsByteLevel);
        }
        return false;
    }

    /** convert_hf_to_gguf's guess for added tokens that ought to be control tokens. */
    static boolean looksSpecial(String text) {
        return text.equals("<pad>") || text.equals("<mask>") || text.equals("<2mass>") || text.equals("[@BOS@]")
                || (text.startsWith("<|") && text.endsWith("|>"))
                || (text.startsWith("<｜") && text.endsWith("｜>"))
                || (text.startsWith("<unused") && text.endsWith(">"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object o, String what) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new TokenizerImportException(what + " is not a JSON object");
    }

    private static List<?> list(Object o) {
        if (o instanceof List<?> l) {
            return l;
        }
        throw new TokenizerImportException("expected a JSON array, found " + Objects.toString(o));
    }

    private static int number(Object o) {
        if (o instanceof Long l) {
            return Math.toIntExact(l);
        }
        throw new TokenizerImportException("expected an integer id, found " + o);
    }
}
