package org.infer4j.engine.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * The token table: text, score and attributes of every id, and the text to id index (a text listed
 * twice maps to its last id, as in llama.cpp). Attributes are fixed once the loader is done with them.
 */
final class Vocabulary {
    private final String[] texts;
    private final float[] scores;
    private final int[] attrs;
    private final Map<String, Integer> ids;

    Vocabulary(String[] texts, float[] scores, int[] attrs) {
        this.texts = texts;
        this.scores = scores;
        this.attrs = attrs;
        this.ids = HashMap.newHashMap(texts.length);
        for (int i = 0; i < texts.length; i++) {
            if (texts[i].isEmpty()) {
                texts[i] = "[EMPTY_" + i + "]"; // an empty token would match everywhere
            }
            ids.put(texts[i], i);
        }
    }

    int size() {
        return texts.length;
    }

    String text(int id) {
        return texts[id];
    }

    float score(int id) {
        return scores[id];
    }

    int attrs(int id) {
        return attrs[id];
    }

    boolean has(int id, int attr) {
        return (attrs[id] & attr) != 0;
    }

    void addAttr(int id, int attr) {
        attrs[id] |= attr;
    }

    void setAttrs(int id, int attr) {
        attrs[id] = attr;
    }

    /** Shows {@code id} as {@code text} from now on; the index still finds it under its original text only. */
    void relabel(int id, String text) {
        texts[id] = text;
    }

    /** The id of {@code text}, or -1. */
    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    /** True when {@code id} is the id the text index gives for its text (false for shadowed duplicates). */
    boolean isIndexed(int id) {
        return id(texts[id]) == id;
    }
}
