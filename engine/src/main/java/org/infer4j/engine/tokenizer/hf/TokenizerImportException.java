package org.infer4j.engine.tokenizer.hf;

/** A Hugging Face tokenizer that cannot be turned into GGUF tokenizer metadata. */
public final class TokenizerImportException extends RuntimeException {
    public TokenizerImportException(String message) {
        super(message);
    }
}
