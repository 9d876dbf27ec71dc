package org.infer4j.engine.convert;

import java.util.LinkedHashMap;
import java.util.Map;
import org.infer4j.gguf.MetadataValue;

/** GGUF metadata being assembled, in the order it will be written, with {@code <arch>.} keys spelled once. */
final class ArchMetadata {
    private final String arch;
    private final Map<String, MetadataValue> values = new LinkedHashMap<>();

    ArchMetadata(String arch) {
        this.arch = arch;
    }

    String arch() {
        return arch;
    }

    void put(String key, MetadataValue value) {
        values.put(key, value);
    }

    /** {@code <arch>.suffix} as UINT32, the type gguf-py writes hyper-parameter counts with. */
    void archUint32(String suffix, long value) {
        values.put(arch + "." + suffix, MetadataValue.ofUint32(value));
    }

    void archFloat32(String suffix, double value) {
        values.put(arch + "." + suffix, MetadataValue.ofFloat32((float) value));
    }

    void archString(String suffix, String value) {
        values.put(arch + "." + suffix, MetadataValue.ofString(value));
    }

    Map<String, MetadataValue> values() {
        return values;
    }
}
