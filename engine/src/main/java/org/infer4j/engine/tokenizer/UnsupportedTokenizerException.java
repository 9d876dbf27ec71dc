package org.infer4j.engine.tokenizer;

/** The GGUF file asks for a tokenizer kind infer4j does not implement (e.g. "bert", "t5", "rwkv"). */
public final class UnsupportedTokenizerException extends RuntimeException {
    private final String model;

    public UnsupportedTokenizerException(String file, String model) {
        super(file + ": unsupported tokenizer model '" + model + "' (tokenizer.ggml.model); supported: "
                + "'llama' (SentencePiece) and 'gpt2' (byte-level BPE)");
        this.model = model;
    }

    public String model() {
        return model;
    }
}
