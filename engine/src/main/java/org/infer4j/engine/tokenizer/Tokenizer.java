package org.infer4j.engine.tokenizer;

/**
 * Text to token ids and back, for one model's vocabulary. Implementations are immutable and thread-safe.
 */
public interface Tokenizer {

    int vocabSize();

    /**
     * Token ids of {@code text}. {@code addSpecial} adds BOS (and EOS) as the vocabulary asks
     * ({@code tokenizer.ggml.add_bos_token} ...). {@code parseSpecial} recognises the text of special /
     * control tokens (e.g. {@code <|im_start|>}) as those tokens instead of tokenizing it as plain text.
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * Bytes token {@code token} contributes to decoded text (UTF-8 pieces may be partial characters).
     * Control tokens give their text only when {@code renderSpecial} is set, else nothing.
     */
    byte[] pieceBytes(int token, boolean renderSpecial);

    /** Whole-sequence decode, as llama.cpp's detokenize does (incl. removing SPM's leading space after BOS). */
    String decode(int[] tokens, boolean renderSpecial);

    /** The raw vocabulary entry of {@code token} (e.g. {@code "<s>"}, {@code "▁the"}, {@code "Ġthe"}). */
    String tokenText(int token);

    /** BOS id or -1. */
    int bosToken();

    /** EOS id or -1. */
    int eosToken();

    /** True for tokens that end generation: EOS, EOT, EOM and any other end-of-generation token. */
    boolean isEndOfGeneration(int token);

    /** A fresh decoder for one stream of generated tokens that only ever emits whole UTF-8 characters. */
    default StreamingDecoder newStreamingDecoder(boolean renderSpecial) {
        return new StreamingDecoder(this, renderSpecial);
    }
}
