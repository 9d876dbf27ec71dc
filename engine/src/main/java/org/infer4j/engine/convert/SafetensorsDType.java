package org.infer4j.engine.convert;

/** The safetensors element types the converter reads; every other dtype is refused by name. */
public enum SafetensorsDType {
    F32(4), F16(2), BF16(2);

    private final int bytes;

    SafetensorsDType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** The dtype for a header's {@code dtype} string, or an {@link UnsupportedCheckpointException} naming the tensor. */
    static SafetensorsDType of(String name, String tensor) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> throw new UnsupportedCheckpointException("tensor " + tensor + " has dtype " + name
                    + "; only F32, F16 and BF16 safetensors can be converted");
        };
    }
}
