package org.infer4j.engine.convert;

import java.util.Map;
import java.util.OptionalInt;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.MetadataValue;

/** The imported {@code tokenizer.*} metadata seen as special-token ids, for a family to complete. */
final class SpecialTokenIds {
    private static final String P = "tokenizer.ggml.";
    private final Map<String, MetadataValue> tokenizer;

    SpecialTokenIds(Map<String, MetadataValue> tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Sets {@code tokenizer.ggml.<kind>_token_id} to the id of {@code text}, unless it is set or the token is missing. */
    void setIfAbsent(String kind, String text) {
        String key = P + kind + "_token_id";
        if (!tokenizer.containsKey(key)) {
            id(text).ifPresent(id -> tokenizer.put(key, MetadataValue.ofUint32(id)));
        }
    }

    private OptionalInt id(String text) {
        String[] tokens = ((GgufArray) tokenizer.get(P + "tokens").value()).strings();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].equals(text)) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }
}
