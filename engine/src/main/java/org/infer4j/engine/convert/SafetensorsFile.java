package org.infer4j.engine.convert;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.engine.tokenizer.hf.Json;
import org.infer4j.engine.tokenizer.hf.TokenizerImportException;

/**
 * A memory-mapped {@code .safetensors} file: an 8-byte little-endian header length, a JSON header mapping
 * each tensor name to {@code dtype}, {@code shape} and {@code data_offsets} (relative to the end of the
 * header), an optional {@code __metadata__} object of strings, then the raw tensor bytes. Every offset is
 * checked against the file when it is opened, so a tensor slice can never point outside the mapping.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The format's own bound on the header, which keeps a corrupt length from allocating gigabytes. */
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps {@code path} read-only and validates its header. */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            SafetensorsFile result = parse(path, arena, file);
            return result;
        } catch (IOException e) {
            arena.close();
            throw new CheckpointFormatException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, Arena arena, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) {
            throw new CheckpointFormatException(path + ": too short for a safetensors header (" + size + " bytes)");
        }
        long headerLength = file.get(U64_LE, 0);
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
            throw new CheckpointFormatException(path + ": header length " + Long.toUnsignedString(headerLength)
                    + " does not fit a file of " + size + " bytes");
        }
        Map<String, Object> header = object(parseJson(path, file.asSlice(8, headerLength)), path + " header");
        long dataStart = 8 + headerLength;
        MemorySegment data = file.asSlice(dataStart);

        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                for (Map.Entry<String, Object> m : object(e.getValue(), path + " __metadata__").entrySet()) {
                    if (m.getValue() instanceof String s) {
                        metadata.put(m.getKey(), s);
                    }
                }
                continue;
            }
            tensors.put(name, tensor(path, name, object(e.getValue(), path + " entry " + name), data));
        }
        return new SafetensorsFile(path, arena, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static SafetensorsTensor tensor(Path path, String name, Map<String, Object> entry, MemorySegment data) {
        if (!(entry.get("dtype") instanceof String dtype)) {
            throw new CheckpointFormatException(path + ": tensor " + name + " has no dtype");
        }
        if (!(entry.get("shape") instanceof List<?> dims)) {
            throw new CheckpointFormatException(path + ": tensor " + name + " has no shape");
        }
        long[] shape = new long[dims.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw new CheckpointFormatException(path + ": tensor " + name + " has a bad shape " + dims);
            }
            shape[i] = d;
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException overflow) {
                throw new CheckpointFormatException(path + ": tensor " + name + " shape " + dims + " overflows");
            }
        }
        if (!(entry.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2
                || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
            throw new CheckpointFormatException(path + ": tensor " + name + " has no valid data_offsets");
        }
        if (begin < 0 || end < begin || end > data.byteSize()) {
            throw new CheckpointFormatException(path + ": tensor " + name + " data_offsets [" + begin + ", " + end
                    + "] lie outside the " + data.byteSize() + " data bytes of the file");
        }
        int elementBytes = elementBytes(dtype);
        if (elementBytes > 0) {
            long expected;
            try {
                expected = Math.multiplyExact(elements, elementBytes);
            } catch (ArithmeticException overflow) {
                throw new CheckpointFormatException(path + ": tensor " + name + " is too large");
            }
            if (end - begin != expected) {
                throw new CheckpointFormatException(path + ": tensor " + name + " " + dtype + " " + dims + " needs "
                        + expected + " bytes but data_offsets span " + (end - begin));
            }
        }
        return new SafetensorsTensor(name, dtype, shape, data.asSlice(begin, end - begin));
    }

    /** Bytes per element of the safetensors dtypes, for validation; 0 for a dtype this reader does not know. */
    private static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2", "F8_E8M0" -> 1;
            default -> 0;
        };
    }

    private static Object parseJson(Path path, MemorySegment bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes.asByteBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(path + ": header is not UTF-8", e);
        }
        try {
            return Json.parse(text.stripTrailing()); // the header may be padded with spaces
        } catch (TokenizerImportException e) {
            throw new CheckpointFormatException(path + ": header is not valid JSON: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object o, String what) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new CheckpointFormatException(what + " is not a JSON object");
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order. */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return path + " (" + tensors.size() + " tensors)";
    }
}
