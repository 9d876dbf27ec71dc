package org.infer4j.engine.convert;

import java.util.Arrays;
import java.util.Map;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.GgufValueType;
import org.infer4j.gguf.MetadataValue;

/**
 * Fits the vocabulary to the embedding's row count the way convert_hf_to_gguf does: when config.json's
 * {@code vocab_size} exceeds the tokenizer (Qwen2.5 pads 151,665 tokens to 151,936 rows) the extra ids
 * become unused tokens "[PADi]"; when the tokenizer has more (Gemma 3's tokenizer.json adds an image token
 * at id 262,144 to a 262,144-row model) the ids without a row are dropped. Either way llama.cpp's
 * vocabulary size matches {@code token_embd}.
 */
final class TokenizerPadding {
    private static final String P = "tokenizer.ggml.";
    private static final long UNUSED = 5;
    private static final float PAD_SCORE = -1000f;

    private TokenizerPadding() {}

    static void padTo(Map<String, MetadataValue> tokenizer, long vocabSize) {
        String[] tokens = ((GgufArray) tokenizer.get(P + "tokens").value()).strings();
        int n = Math.toIntExact(vocabSize);
        if (tokens.length > n) {
            truncate(tokenizer, tokens, n);
            return;
        }
        if (tokens.length == n) {
            return;
        }
        String[] padded = Arrays.copyOf(tokens, n);
        for (int i = tokens.length; i < n; i++) {
            padded[i] = "[PAD" + i + "]";
        }
        tokenizer.put(P + "tokens", MetadataValue.ofArray(GgufArray.ofStrings(padded)));
        long[] types = Arrays.copyOf(((GgufArray) tokenizer.get(P + "token_type").value()).longs(), n);
        Arrays.fill(types, tokens.length, n, UNUSED);
        tokenizer.put(P + "token_type", MetadataValue.ofArray(GgufArray.ofInts(GgufValueType.INT32, types)));
        if (tokenizer.get(P + "scores") instanceof MetadataValue scores) {
            float[] s = Arrays.copyOf(((GgufArray) scores.value()).floats(), n);
            Arrays.fill(s, tokens.length, n, PAD_SCORE);
            tokenizer.put(P + "scores", MetadataValue.ofArray(GgufArray.ofFloats(s)));
        }
    }

    /** Drops the ids from {@code n} on; a special token among them would be lost, so that is an error. */
    private static void truncate(Map<String, MetadataValue> tokenizer, String[] tokens, int n) {
        tokenizer.forEach((key, value) -> {
            if (key.startsWith(P) && key.endsWith("_token_id") && ((Number) value.value()).longValue() >= n) {
                throw new CheckpointFormatException(key + " is " + value.value() + " but config.json's vocab_size is only " + n);
            }
        });
        tokenizer.put(P + "tokens", MetadataValue.ofArray(GgufArray.ofStrings(Arrays.copyOf(tokens, n))));
        long[] types = Arrays.copyOf(((GgufArray) tokenizer.get(P + "token_type").value()).longs(), n);
        tokenizer.put(P + "token_type", MetadataValue.ofArray(GgufArray.ofInts(GgufValueType.INT32, types)));
        if (tokenizer.get(P + "scores") instanceof MetadataValue scores) {
            float[] s = Arrays.copyOf(((GgufArray) scores.value()).floats(), n);
            tokenizer.put(P + "scores", MetadataValue.ofArray(GgufArray.ofFloats(s)));
        }
    }
}
