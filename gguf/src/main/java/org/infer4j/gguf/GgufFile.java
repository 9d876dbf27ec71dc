package org.infer4j.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A GGUF file (version 2 or 3), memory-mapped read-only. The header is parsed and validated at open;
 * tensor data is never copied: {@link #tensorData} hands out slices of the mapping, valid until
 * {@link #close}. Files of any size map as one segment.
 */
public final class GgufFile implements AutoCloseable {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    private static final int MAX_DIMENSIONS = 4;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final Map<String, MetadataValue> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, Map<String, MetadataValue> metadata,
                     Map<String, TensorInfo> tensors, long dataOffset) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataOffset = dataOffset;
    }

    /** Maps and parses {@code path}; any I/O or format problem is a {@link GgufFormatException} naming the file. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping;
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                if (Files.isDirectory(path)) {
                    throw new GgufFormatException(path + ": is a directory, not a GGUF file");
                }
                mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            }
            return parse(path, arena, mapping);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new GgufFormatException(path + ": no such file");
        } catch (IOException e) {
            arena.close();
            throw new GgufFormatException(path + ": cannot read: " + e.getMessage(), e);
        } catch (GgufFormatException e) {
            arena.close();
            throw e.getMessage().startsWith(path.toString()) ? e : new GgufFormatException(path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw new GgufFormatException(path + ": malformed GGUF file: " + e, e);
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment mapping) {
        HeaderCursor in = new HeaderCursor(mapping);
        if (mapping.byteSize() < 4 || in.i32() != MAGIC) {
            throw new GgufFormatException("not a GGUF file (bad magic)");
        }
        int version = in.i32();
        if (version != 2 && version != 3) {
            throw new GgufFormatException("unsupported GGUF version " + version + " (2 and 3 are supported)");
        }
        long tensorCount = in.count("tensor count", 24);
        long kvCount = in.count("metadata count", 12);

        Map<String, MetadataValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string();
            GgufValueType type = GgufValueType.ofId(in.i32());
            metadata.put(key, new MetadataValue(type, readValue(in, type, 0)));
        }

        int alignment = DEFAULT_ALIGNMENT;
        MetadataValue alignValue = metadata.get(ALIGNMENT_KEY);
        if (alignValue != null) {
            if (!alignValue.type().isInteger() || (long) alignValue.value() <= 0
                    || Long.bitCount((long) alignValue.value()) != 1 || (long) alignValue.value() > (1 << 20)) {
                throw new GgufFormatException(ALIGNMENT_KEY + " must be a power of two, found " + alignValue.value());
            }
            alignment = (int) (long) alignValue.value();
        }

        List<TensorInfo> infos = new java.util.ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string();
            int dims = in.i32();
            if (dims < 1 || dims > MAX_DIMENSIONS) {
                throw new GgufFormatException("tensor " + name + " has " + dims + " dimensions (1 to 4 allowed)");
            }
            long[] shape = new long[dims];
            for (int d = 0; d < dims; d++) {
                shape[d] = in.i64();
                if (shape[d] <= 0) {
                    throw new GgufFormatException("tensor " + name + " has dimension " + d + " of size "
                            + Long.toUnsignedString(shape[d]));
                }
            }
            int typeId = in.i32();
            GgmlType type;
            try {
                type = GgmlType.ofId(typeId);
            } catch (GgufFormatException e) {
                throw new GgufFormatException("tensor " + name + " has unknown type " + typeId);
            }
            long offset = in.i64();
            infos.add(new TensorInfo(name, shape, type, offset));
        }

        long dataOffset = alignUp(in.position(), alignment);
        long fileSize = mapping.byteSize();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            long bytes;
            try {
                bytes = t.byteSize();
            } catch (ArithmeticException e) {
                throw new GgufFormatException("tensor " + t.name() + " is too large");
            } catch (GgufFormatException e) {
                throw new GgufFormatException("tensor " + t.name() + ": " + e.getMessage());
            }
            if (t.offset() < 0 || t.offset() % alignment != 0) {
                throw new GgufFormatException("tensor " + t.name() + " has misaligned offset " + t.offset());
            }
            if (t.offset() > fileSize - dataOffset || bytes > fileSize - dataOffset - t.offset()) {
                throw new GgufFormatException("tensor " + t.name() + " (" + bytes + " bytes at data offset "
                        + t.offset() + ") runs past the end of the file (" + fileSize + " bytes): truncated?");
            }
            if (tensors.put(t.name(), t) != null) {
                throw new GgufFormatException("duplicate tensor name " + t.name());
            }
        }
        return new GgufFile(path, arena, mapping, version, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(tensors), dataOffset);
    }

    private static Object readValue(HeaderCursor in, GgufValueType type, int depth) {
        return switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> readInteger(in, type);
            case FLOAT32 -> in.f32();
            case FLOAT64 -> in.f64();
            case BOOL -> in.u8() != 0;
            case STRING -> in.string();
            case ARRAY -> readArray(in, depth + 1);
        };
    }

    /** An integer of {@code type}, widened to a long (sign-extended where the type is signed). */
    private static long readInteger(HeaderCursor in, GgufValueType type) {
        return switch (type) {
            case UINT8 -> in.u8();
            case INT8 -> (byte) in.u8();
            case UINT16 -> in.u16();
            case INT16 -> (short) in.u16();
            case UINT32 -> in.u32();
            case INT32 -> in.i32();
            case UINT64, INT64 -> in.i64();
            default -> throw new IllegalArgumentException(type + " is not an integer type");
        };
    }

    private static GgufArray readArray(HeaderCursor in, int depth) {
        if (depth > 8) {
            throw new GgufFormatException("metadata arrays nested deeper than 8 levels");
        }
        GgufValueType elementType = GgufValueType.ofId(in.i32());
        int n = Math.toIntExact(in.count("array length", elementType.minBytes()));
        Object values = switch (elementType) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                long[] a = new long[n]; // unboxed: token type arrays hold a value per token
                for (int i = 0; i < n; i++) {
                    a[i] = readInteger(in, elementType);
                }
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.f32();
                }
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.f64();
                }
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.u8() != 0;
                }
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.string();
                }
                yield a;
            }
            case ARRAY -> {
                GgufArray[] a = new GgufArray[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readArray(in, depth);
                }
                yield a;
            }
        };
        return new GgufArray(elementType, values);
    }

    static long alignUp(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long fileSize() {
        return mapping.byteSize();
    }

    public Map<String, MetadataValue> metadata() {
        return metadata;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Optional<TensorInfo> findTensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new GgufFormatException(path + ": missing tensor " + name);
        }
        return t;
    }

    /** The tensor's bytes as a read-only slice of the mapping (no copy). */
    public MemorySegment tensorData(TensorInfo tensor) {
        return mapping.asSlice(dataOffset + tensor.offset(), tensor.byteSize()).asReadOnly();
    }

    /**
     * Where {@code slice} starts in the file, if it is a slice of this file's mapping (as {@link #tensorData}'s are);
     * -1 for any other segment.
     */
    public long offsetOf(MemorySegment slice) {
        long offset = slice.address() - mapping.address();
        return slice.isNative() && offset >= 0 && offset + slice.byteSize() <= mapping.byteSize() ? offset : -1;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public Optional<MetadataValue> find(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    private MetadataValue require(String key) {
        MetadataValue v = metadata.get(key);
        if (v == null) {
            throw new GgufFormatException(path + ": missing metadata key " + key);
        }
        return v;
    }

    private GgufFormatException wrongType(String key, String wanted, MetadataValue v) {
        return new GgufFormatException(path + ": metadata key " + key + " should be " + wanted + " but is " + v.type());
    }

    public String getString(String key) {
        MetadataValue v = require(key);
        if (v.value() instanceof String s) {
            return s;
        }
        throw wrongType(key, "a string", v);
    }

    public Optional<String> findString(String key) {
        return has(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    public long getLong(String key) {
        MetadataValue v = require(key);
        if (v.value() instanceof Long l) {
            return l;
        }
        throw wrongType(key, "an integer", v);
    }

    public OptionalLong findLong(String key) {
        return has(key) ? OptionalLong.of(getLong(key)) : OptionalLong.empty();
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new GgufFormatException(path + ": metadata key " + key + " value " + v + " is out of range");
        }
        return (int) v;
    }

    public int getInt(String key, int defaultValue) {
        return has(key) ? getInt(key) : defaultValue;
    }

    /** A float value; integer-typed values are accepted too, as writers differ. */
    public float getFloat(String key) {
        MetadataValue v = require(key);
        return switch (v.value()) {
            case Float f -> f;
            case Double d -> d.floatValue();
            case Long l -> l.floatValue();
            default -> throw wrongType(key, "a number", v);
        };
    }

    public float getFloat(String key, float defaultValue) {
        return has(key) ? getFloat(key) : defaultValue;
    }

    public boolean getBoolean(String key) {
        MetadataValue v = require(key);
        if (v.value() instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, "a boolean", v);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return has(key) ? getBoolean(key) : defaultValue;
    }

    public GgufArray getArray(String key) {
        MetadataValue v = require(key);
        if (v.value() instanceof GgufArray a) {
            return a;
        }
        throw wrongType(key, "an array", v);
    }

    public Optional<GgufArray> findArray(String key) {
        return has(key) ? Optional.of(getArray(key)) : Optional.empty();
    }

    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors]";
    }
}
