package org.infer4j.engine.tensor;

import org.infer4j.gguf.GgmlType;

/** A tensor whose element type the engine cannot compute with (yet). */
public final class UnsupportedTensorTypeException extends RuntimeException {
    private final String tensor;
    private final GgmlType type;

    public UnsupportedTensorTypeException(String tensor, GgmlType type, String why) {
        super("tensor " + tensor + " has type " + type + ", which " + why);
        this.tensor = tensor;
        this.type = type;
    }

    public String tensor() {
        return tensor;
    }

    public GgmlType type() {
        return type;
    }
}
