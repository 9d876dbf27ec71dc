package org.infer4j.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF version 3 file: metadata in insertion order, then tensor infos, then tensor data,
 * each tensor aligned to {@code general.alignment} (32 unless set). Used to make test fixtures and by
 * converters; the output is what llama.cpp reads.
 */
public final class GgufWriter {
    private final Map<String, MetadataValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();

    private record PendingTensor(String name, GgmlType type, long[] shape, MemorySegment data) {}

    public GgufWriter put(String key, MetadataValue value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, MetadataValue.ofString(value));
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, MetadataValue.ofUint32(value));
    }

    public GgufWriter putInt32(String key, long value) {
        return put(key, MetadataValue.ofInt32(value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, MetadataValue.ofFloat32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, MetadataValue.ofBool(value));
    }

    public GgufWriter putArray(String key, GgufArray value) {
        return put(key, MetadataValue.ofArray(value));
    }

    /** Copies every metadata entry of {@code source}, e.g. to rewrite a file with other tensors. */
    public GgufWriter putAll(Map<String, MetadataValue> source) {
        metadata.putAll(source);
        return this;
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** Adds a tensor; {@code shape} in ggml order (contiguous dimension first); {@code data} is written as is. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        TensorInfo probe = new TensorInfo(name, shape, type, 0);
        if (probe.byteSize() != data.byteSize()) {
            throw new IllegalArgumentException("tensor " + name + " " + type + " " + java.util.Arrays.toString(shape)
                    + " needs " + probe.byteSize() + " bytes, got " + data.byteSize());
        }
        tensors.add(new PendingTensor(name, type, shape.clone(), data));
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] shape, byte[] data) {
        return addTensor(name, type, shape, MemorySegment.ofArray(data));
    }

    /** Adds an F32 tensor from floats. */
    public GgufWriter addTensor(String name, long[] shape, float[] data) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[data.length * 4]);
        MemorySegment.copy(data, 0, bytes, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, data.length);
        return addTensor(name, GgmlType.F32, shape, bytes);
    }

    public void write(Path file) throws IOException {
        int alignment = GgufFile.DEFAULT_ALIGNMENT;
        MetadataValue a = metadata.get(GgufFile.ALIGNMENT_KEY);
        if (a != null) {
            alignment = (int) (long) (Long) a.value();
        }
        try (OutputStream raw = Files.newOutputStream(file);
             Out out = new Out(new BufferedOutputStream(raw, 1 << 20))) {
            out.i32(GgufFile.MAGIC);
            out.i32(3);
            out.i64(tensors.size());
            out.i64(metadata.size());
            for (Map.Entry<String, MetadataValue> e : metadata.entrySet()) {
                out.string(e.getKey());
                out.i32(e.getValue().type().id());
                writeValue(out, e.getValue().type(), e.getValue().value());
            }
            long offset = 0;
            List<Long> offsets = new ArrayList<>();
            for (PendingTensor t : tensors) {
                offsets.add(offset);
                out.string(t.name);
                out.i32(t.shape.length);
                for (long d : t.shape) {
                    out.i64(d);
                }
                out.i32(t.type.id());
                out.i64(offset);
                offset = GgufFile.alignUp(offset + t.data.byteSize(), alignment);
            }
            out.align(alignment);
            long dataStart = out.written;
            for (int i = 0; i < tensors.size(); i++) {
                PendingTensor t = tensors.get(i);
                out.padTo(dataStart + offsets.get(i));
                out.segment(t.data);
            }
            out.align(alignment);
        }
    }

    private static void writeValue(Out out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.u8((int) (long) (Long) value);
            case UINT16, INT16 -> out.u16((int) (long) (Long) value);
            case UINT32, INT32 -> out.i32((int) (long) (Long) value);
            case UINT64, INT64 -> out.i64((Long) value);
            case FLOAT32 -> out.i32(Float.floatToRawIntBits((Float) value));
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits((Double) value));
            case BOOL -> out.u8((Boolean) value ? 1 : 0);
            case STRING -> out.string((String) value);
            case ARRAY -> writeArray(out, (GgufArray) value);
        }
    }

    private static void writeArray(Out out, GgufArray array) throws IOException {
        out.i32(array.elementType().id());
        out.i64(array.size());
        switch (array.elementType()) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                for (long v : array.longs()) {
                    writeValue(out, array.elementType(), v);
                }
            }
            case FLOAT32 -> {
                for (float v : array.floats()) {
                    out.i32(Float.floatToRawIntBits(v));
                }
            }
            case FLOAT64 -> {
                for (double v : (double[]) array.values()) {
                    out.i64(Double.doubleToRawLongBits(v));
                }
            }
            case BOOL -> {
                for (boolean v : array.booleans()) {
                    out.u8(v ? 1 : 0);
                }
            }
            case STRING -> {
                for (String v : array.strings()) {
                    out.string(v);
                }
            }
            case ARRAY -> {
                for (GgufArray v : array.arrays()) {
                    writeArray(out, v);
                }
            }
        }
    }

    /** Little-endian output that counts what it wrote, for alignment. */
    private static final class Out implements AutoCloseable {
        private final OutputStream out;
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        Out(OutputStream out) {
            this.out = out;
        }

        void u8(int v) throws IOException {
            out.write(v);
            written++;
        }

        void u16(int v) throws IOException {
            scratch.clear();
            scratch.putShort((short) v);
            out.write(scratch.array(), 0, 2);
            written += 2;
        }

        void i32(int v) throws IOException {
            scratch.clear();
            scratch.putInt(v);
            out.write(scratch.array(), 0, 4);
            written += 4;
        }

        void i64(long v) throws IOException {
            scratch.clear();
            scratch.putLong(v);
            out.write(scratch.array(), 0, 8);
            written += 8;
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            out.write(b);
            written += b.length;
        }

        void segment(MemorySegment data) throws IOException {
            byte[] chunk = new byte[1 << 16];
            for (long at = 0; at < data.byteSize(); at += chunk.length) {
                int n = (int) Math.min(chunk.length, data.byteSize() - at);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, chunk, 0, n);
                out.write(chunk, 0, n);
                written += n;
            }
        }

        void padTo(long target) throws IOException {
            while (written < target) {
                u8(0);
            }
        }

        void align(int alignment) throws IOException {
            padTo(GgufFile.alignUp(written, alignment));
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
