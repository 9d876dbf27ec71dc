package org.infer4j.engine.convert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes small safetensors files for tests: tensors in insertion order, optional __metadata__. */
final class SafetensorsBuilder {
    private record Entry(String name, String dtype, long[] shape, byte[] data) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    SafetensorsBuilder f32(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return raw(name, "F32", shape, b.array());
    }

    SafetensorsBuilder bf16(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
        }
        return raw(name, "BF16", shape, b.array());
    }

    SafetensorsBuilder f16(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(Float.floatToFloat16(v));
        }
        return raw(name, "F16", shape, b.array());
    }

    SafetensorsBuilder raw(String name, String dtype, long[] shape, byte[] data) {
        entries.add(new Entry(name, dtype, shape, data));
        return this;
    }

    SafetensorsBuilder metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    String header() {
        List<String> parts = new ArrayList<>();
        if (!metadata.isEmpty()) {
            parts.add("\"__metadata__\":{" + metadata.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"").collect(Collectors.joining(",")) + "}");
        }
        long offset = 0;
        for (Entry e : entries) {
            String shape = java.util.Arrays.stream(e.shape).mapToObj(Long::toString).collect(Collectors.joining(","));
            parts.add("\"" + e.name + "\":{\"dtype\":\"" + e.dtype + "\",\"shape\":[" + shape + "],\"data_offsets\":["
                    + offset + "," + (offset + e.data.length) + "]}");
            offset += e.data.length;
        }
        return "{" + String.join(",", parts) + "}";
    }

    byte[] bytes() {
        return bytes(header());
    }

    /** The file with {@code header} in place of the one the entries describe (for corrupt-file tests). */
    byte[] bytes(String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        for (Entry e : entries) {
            out.writeBytes(e.data);
        }
        return out.toByteArray();
    }

    Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }
}
