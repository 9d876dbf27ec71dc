package org.infer4j.engine.convert;

import java.util.Arrays;
import java.util.Map;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.GgufValueType;
import org.infer4j.gguf.MetadataValue;

/**
 * Extends the vocabulary to the embedding's row count the way convert_hf_to_gguf does when config.json's
 * {@code vocab_size} exceeds the tokenizer (Qwen2.5 pads 151,665 tokens to 151,936 rows): the extra ids
 * become unused tokens "[PADi]", so llama.cpp's vocabulary size matches {@code token_embd}.
 */
final class TokenizerPadding {
    private static final String P = "tokenizer.ggml.";
    private static final long UNUSED = 5;
    private static final float PAD_SCORE = -1000f;

    private TokenizerPadding() {}

    static void padTo(Map<String, MetadataValue> tokenizer, long vocabSize) {
        String[] tokens = ((GgufArray) tokenizer.get(P + "tokens").value()).strings();
        if (tokens.length > vocabSize) {
            throw new CheckpointFormatException("the tokenizer has " + tokens.length + " tokens but config.json's vocab_size is "
                    + vocabSize);
        }
        int n = Math.toIntExact(vocabSize);
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
}
