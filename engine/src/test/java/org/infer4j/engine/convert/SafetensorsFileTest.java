package org.infer4j.engine.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    @Test
    void readsTensorsMetadataAndDtypes() throws IOException {
        Path file = new SafetensorsBuilder()
                .metadata("format", "pt")
                .f32("a", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                .bf16("b", new long[] {2}, new float[] {1.5f, -2f})
                .f16("c", new long[] {1, 1, 2}, new float[] {0.25f, 3f})
                .write(dir.resolve("model.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(st.tensors().keySet()));
            assertEquals(Map.of("format", "pt"), st.metadata());
            SafetensorsTensor a = st.tensors().get("a");
            assertEquals(SafetensorsDType.F32, a.dtype());
            assertArrayEquals(new long[] {2, 3}, a.shape());
            assertEquals(2, a.rows());
            assertEquals(6f, a.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 20));
            SafetensorsTensor b = st.tensors().get("b");
            assertEquals(SafetensorsDType.BF16, b.dtype());
            assertEquals(-2f, ElementConversion.read(b.data(), b.dtype(), 1));
            SafetensorsTensor c = st.tensors().get("c");
            assertEquals(SafetensorsDType.F16, c.dtype());
            assertEquals(3f, ElementConversion.read(c.data(), c.dtype(), 1));
            assertTrue(c.data().isReadOnly());
        }
    }

    @Test
    void unsupportedDtypeNamesTensorAndDtype() throws IOException {
        Path file = new SafetensorsBuilder().raw("model.layers.0.mlp.up_proj.weight", "I8", new long[] {2}, new byte[2])
                .write(dir.resolve("model.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            SafetensorsTensor t = st.tensors().get("model.layers.0.mlp.up_proj.weight");
            UnsupportedCheckpointException e = assertThrows(UnsupportedCheckpointException.class, t::dtype);
            assertTrue(e.getMessage().contains("model.layers.0.mlp.up_proj.weight") && e.getMessage().contains("I8"),
                    e.getMessage());
        }
    }

    @Test
    void offsetsBeyondTheFileAreRejected() throws IOException {
        SafetensorsBuilder b = new SafetensorsBuilder().f32("a", new long[] {2}, new float[] {1, 2});
        assertCorrupt(b.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}"), "outside");
        assertCorrupt(b.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,0]}}"), "outside");
        assertCorrupt(b.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,8]}}"), "outside");
        assertCorrupt(b.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}"), "needs 12 bytes");
        assertCorrupt(b.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}"), "data_offsets");
        assertCorrupt(b.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}"), "bad shape");
        assertCorrupt(b.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}"), "");
    }

    @Test
    void corruptHeadersAreRejected() throws IOException {
        assertCorrupt(new byte[] {1, 2, 3}, "too short");
        byte[] hugeLength = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array();
        assertCorrupt(hugeLength, "header length");
        byte[] negative = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).array();
        assertCorrupt(negative, "header length");
        assertCorrupt(new SafetensorsBuilder().bytes("{\"a\": [1, 2"), "not valid JSON");
        assertCorrupt(new SafetensorsBuilder().bytes("[1, 2]"), "not a JSON object");
        byte[] notUtf8 = new SafetensorsBuilder().bytes("{\"\u00e9\":1}");
        notUtf8[10] = (byte) 0xff;
        assertCorrupt(notUtf8, "");
    }

    private void assertCorrupt(byte[] bytes, String messagePart) throws IOException {
        Path file = Files.write(dir.resolve("corrupt.safetensors"), bytes);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }

    @Test
    void shardedCheckpointFollowsTheIndex() throws IOException {
        new SafetensorsBuilder().f32("x", new long[] {1}, new float[] {1}).write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsBuilder().f32("y", new long[] {1}, new float[] {2}).write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 8}, "weight_map": {"x": "model-00001-of-00002.safetensors",
                 "y": "model-00002-of-00002.safetensors"}}""");
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertEquals(List.of("x", "y"), List.copyOf(c.tensors().keySet()));
            assertEquals(2f, ElementConversion.read(c.find("y").orElseThrow().data(), SafetensorsDType.F32, 0));
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"weight_map": {"x": "model-00001-of-00002.safetensors", "y": "model-00001-of-00002.safetensors"}}""");
        assertTrue(assertThrows(CheckpointFormatException.class, () -> SafetensorsCheckpoint.open(dir))
                .getMessage().contains("y"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"weight_map": {"x": "model-00001-of-00002.safetensors", "z": "model-00003-of-00003.safetensors"}}""");
        assertTrue(assertThrows(CheckpointFormatException.class, () -> SafetensorsCheckpoint.open(dir))
                .getMessage().contains("missing"));
    }

    @Test
    void unindexedShardsAreReadInNameOrderAndAliasesResolve() throws IOException {
        new SafetensorsBuilder().metadata("model.embed_tokens.weight", "lm_head.weight")
                .f32("lm_head.weight", new long[] {1}, new float[] {7}).write(dir.resolve("model-2.safetensors"));
        new SafetensorsBuilder().f32("a", new long[] {1}, new float[] {1}).write(dir.resolve("model-1.safetensors"));
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertEquals(List.of("a", "lm_head.weight"), List.copyOf(c.tensors().keySet()));
            assertEquals(Map.of("model.embed_tokens.weight", "lm_head.weight"), c.aliases());
            assertEquals("lm_head.weight", c.find("model.embed_tokens.weight").orElseThrow().name());
            assertTrue(c.find("nothing").isEmpty());
        }
    }

    @Test
    void folderWithoutWeightsIsRejected() {
        assertThrows(CheckpointFormatException.class, () -> SafetensorsCheckpoint.open(dir));
    }
}
