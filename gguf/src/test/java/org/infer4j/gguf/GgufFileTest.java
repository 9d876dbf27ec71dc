package org.infer4j.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
    @TempDir
    Path dir;

    @Test
    void readsTheStories260KModel() {
        try (GgufFile f = GgufFile.open(SharedFixtures.model("stories260K.gguf"))) {
            assertThat(f.version()).isIn(2, 3);
            assertThat(f.getString("general.architecture")).isEqualTo("llama");
            assertThat(f.getInt("llama.block_count")).isEqualTo(5);
            assertThat(f.getInt("llama.embedding_length")).isEqualTo(64);
            assertThat(f.getArray("tokenizer.ggml.tokens").size()).isEqualTo(512);
            TensorInfo emb = f.tensor("token_embd.weight");
            assertThat(emb.shape()).containsExactly(64, 512);
            assertThat(f.tensorData(emb).byteSize()).isEqualTo(emb.byteSize());
        }
    }

    @Test
    void readsEveryVocabularyFixture() throws IOException {
        try (var files = Files.list(SharedFixtures.root().resolve("vocab"))) {
            var ggufs = files.filter(p -> p.toString().endsWith(".gguf")).toList();
            assertThat(ggufs).hasSizeGreaterThanOrEqualTo(3);
            for (Path p : ggufs) {
                try (GgufFile f = GgufFile.open(p)) {
                    assertThat(f.getArray("tokenizer.ggml.tokens").size()).as(p.toString()).isGreaterThan(1000);
                }
            }
        }
    }

    @Test
    void roundTripsEveryValueTypeAndTensors() throws IOException {
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .put("u8", new MetadataValue(GgufValueType.UINT8, 255L))
                .put("i8", new MetadataValue(GgufValueType.INT8, -3L))
                .put("u16", new MetadataValue(GgufValueType.UINT16, 65535L))
                .put("i16", new MetadataValue(GgufValueType.INT16, -300L))
                .putUint32("u32", 4_000_000_000L)
                .putInt32("i32", -7)
                .put("u64", new MetadataValue(GgufValueType.UINT64, Long.MAX_VALUE))
                .put("i64", new MetadataValue(GgufValueType.INT64, -5L))
                .putFloat32("f32", 1.5f)
                .put("f64", new MetadataValue(GgufValueType.FLOAT64, 2.25))
                .putBool("b", true)
                .putString("unicode", "héllo ▁ 🦙")
                .putArray("strings", GgufArray.ofStrings("a", "", "ß"))
                .putArray("floats", GgufArray.ofFloats(1f, -2f))
                .putArray("ints", GgufArray.ofInts(GgufValueType.INT32, 1, -1, 3))
                .putArray("bools", new GgufArray(GgufValueType.BOOL, new boolean[] {true, false}))
                .putArray("nested", new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
                        GgufArray.ofStrings("x"), GgufArray.ofInts(GgufValueType.UINT8, 7)}))
                .putUint32(GgufFile.ALIGNMENT_KEY, 64);
        float[] a = {1, 2, 3, 4, 5, 6};
        byte[] q = new byte[34 * 2];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) i;
        }
        w.addTensor("a", new long[] {3, 2}, a);
        w.addTensor("q", GgmlType.Q8_0, new long[] {64}, q);
        Path file = dir.resolve("t.gguf");
        w.write(file);

        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.getLong("u8")).isEqualTo(255);
            assertThat(f.getLong("i8")).isEqualTo(-3);
            assertThat(f.getLong("u16")).isEqualTo(65535);
            assertThat(f.getLong("i16")).isEqualTo(-300);
            assertThat(f.getLong("u32")).isEqualTo(4_000_000_000L);
            assertThat(f.getInt("i32")).isEqualTo(-7);
            assertThat(f.getLong("u64")).isEqualTo(Long.MAX_VALUE);
            assertThat(f.getLong("i64")).isEqualTo(-5);
            assertThat(f.getFloat("f32")).isEqualTo(1.5f);
            assertThat(f.getFloat("f64")).isEqualTo(2.25f);
            assertThat(f.getBoolean("b")).isTrue();
            assertThat(f.getString("unicode")).isEqualTo("héllo ▁ 🦙");
            assertThat(f.getArray("strings").strings()).containsExactly("a", "", "ß");
            assertThat(f.getArray("floats").floats()).containsExactly(1f, -2f);
            assertThat(f.getArray("ints").ints()).containsExactly(1, -1, 3);
            assertThat(f.getArray("bools").booleans()).containsExactly(true, false);
            GgufArray[] nested = f.getArray("nested").arrays();
            assertThat(nested[0].strings()).containsExactly("x");
            assertThat(nested[1].ints()).containsExactly(7);
            TensorInfo ta = f.tensor("a");
            assertThat(ta.shape()).containsExactly(3, 2);
            float[] back = f.tensorData(ta).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            assertThat(back).containsExactly(a);
            TensorInfo tq = f.tensor("q");
            assertThat(tq.offset() % 64).isZero();
            assertThat(f.tensorData(tq).toArray(ValueLayout.JAVA_BYTE)).containsExactly(q);

            // Writing back what was read reproduces the file byte for byte.
            GgufWriter again = new GgufWriter().putAll(f.metadata());
            for (TensorInfo t : f.tensors().values()) {
                again.addTensor(t.name(), t.type(), t.shape(), f.tensorData(t));
            }
            Path copy = dir.resolve("copy.gguf");
            again.write(copy);
            assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(file));
        }
    }

    @Test
    void rewritingARealModelReproducesIt() throws IOException {
        Path source = SharedFixtures.model("stories260K.gguf");
        Path copy = dir.resolve("copy.gguf");
        try (GgufFile f = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter().putAll(f.metadata());
            for (TensorInfo t : f.tensors().values()) {
                w.addTensor(t.name(), t.type(), t.shape(), f.tensorData(t));
            }
            w.write(copy);
            try (GgufFile g = GgufFile.open(copy)) {
                assertThat(g.metadata()).isEqualTo(f.metadata());
                for (TensorInfo t : f.tensors().values()) {
                    assertThat(g.tensorData(g.tensor(t.name())).mismatch(f.tensorData(t))).isEqualTo(-1);
                }
            }
        }
    }

    @Test
    void mapsFilesOverTwoGigabytes() throws IOException {
        // A sparse file: the header declares a 2.4 GB tensor; the file system stores only the header.
        Path file = dir.resolve("big.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("big", new long[] {8}, new float[] {1, 2, 3, 4, 5, 6, 7, 8}).write(file);
        byte[] bytes = Files.readAllBytes(file);
        MemorySegment header = MemorySegment.ofArray(bytes);
        var u64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        long elements = 600_000_000L;
        int dimAt = indexOf(bytes, "big".getBytes(java.nio.charset.StandardCharsets.UTF_8)) + 3 + 4;
        assertThat(header.get(u64, dimAt)).isEqualTo(8);
        header.set(u64, dimAt, elements);
        Files.write(file, bytes);
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() - 32 + elements * 4);
        }
        try (GgufFile f = GgufFile.open(file)) {
            MemorySegment data = f.tensorData(f.tensor("big"));
            assertThat(data.byteSize()).isEqualTo(elements * 4).isGreaterThan(Integer.MAX_VALUE);
            assertThat(data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, data.byteSize() - 4)).isZero();
            assertThat(data.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4)).isEqualTo(2f);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void rejectsAMissingFile() {
        assertThatThrownBy(() -> GgufFile.open(dir.resolve("nope.gguf")))
                .isInstanceOf(GgufFormatException.class).hasMessageContaining("nope.gguf").hasMessageContaining("no such file");
    }

    @Test
    void rejectsANonGgufFile() throws IOException {
        Path p = dir.resolve("x.gguf");
        Files.writeString(p, "hello, this is not a model");
        assertThatThrownBy(() -> GgufFile.open(p)).isInstanceOf(GgufFormatException.class).hasMessageContaining("bad magic");
        Path empty = Files.createFile(dir.resolve("empty.gguf"));
        assertThatThrownBy(() -> GgufFile.open(empty)).isInstanceOf(GgufFormatException.class);
    }

    @Test
    void rejectsEveryTruncationOfAValidFile() throws IOException {
        byte[] whole = Files.readAllBytes(SharedFixtures.model("stories260K.gguf"));
        // Cut inside the header, inside tensor infos and inside tensor data: always a clean format error.
        for (int cut : new int[] {3, 8, 20, 100, 1000, 5000, 20000, whole.length / 2, whole.length - 1}) {
            Path p = dir.resolve("cut" + cut + ".gguf");
            Files.write(p, Arrays.copyOf(whole, cut));
            assertThatThrownBy(() -> GgufFile.open(p)).as("cut at " + cut).isInstanceOf(GgufFormatException.class);
        }
    }

    @Test
    void rejectsCorruptCountsWithoutAllocating() throws IOException {
        byte[] whole = Files.readAllBytes(SharedFixtures.model("stories260K.gguf"));
        MemorySegment s = MemorySegment.ofArray(whole);
        var u64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        byte[] hugeKv = whole.clone();
        MemorySegment.ofArray(hugeKv).set(u64, 16, Long.MAX_VALUE / 2);
        Path p = dir.resolve("kv.gguf");
        Files.write(p, hugeKv);
        assertThatThrownBy(() -> GgufFile.open(p)).isInstanceOf(GgufFormatException.class).hasMessageContaining("implausible");
        // First key's string length set absurdly large.
        byte[] hugeString = whole.clone();
        MemorySegment.ofArray(hugeString).set(u64, 24, -2L);
        Path q = dir.resolve("str.gguf");
        Files.write(q, hugeString);
        assertThatThrownBy(() -> GgufFile.open(q)).isInstanceOf(GgufFormatException.class);
        assertThat(s.byteSize()).isEqualTo(whole.length);
        // Unsupported version.
        byte[] v9 = whole.clone();
        MemorySegment.ofArray(v9).set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, 9);
        Path r = dir.resolve("v9.gguf");
        Files.write(r, v9);
        assertThatThrownBy(() -> GgufFile.open(r)).isInstanceOf(GgufFormatException.class).hasMessageContaining("version 9");
    }
}
