package org.infer4j.engine.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.infer4j.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourcesTest {
    @TempDir
    Path tmp;

    @Test
    void ggufFilesPassThrough() throws IOException {
        Path file = Files.writeString(tmp.resolve("x.gguf"), "not inspected");
        assertEquals(file, new ModelSources(tmp.resolve("cache"), OutputType.SOURCE).resolve(file));
    }

    @Test
    void readOnlyModelFolderIsConvertedOnceIntoTheCache() throws IOException {
        Path model = ConverterTinyStoriesTest.modelDir(); // shared/ is read-only
        ModelSources sources = new ModelSources(tmp.resolve("cache"), OutputType.SOURCE);
        Path first = sources.resolve(model);
        assertTrue(first.startsWith(tmp.resolve("cache")), first.toString());
        assertTrue(first.getFileName().toString().startsWith("tinystories-656k-"));
        try (GgufFile f = GgufFile.open(first)) {
            assertEquals("llama", f.getString("general.architecture"));
        }
        FileTime written = Files.getLastModifiedTime(first);
        assertEquals(first, sources.resolve(model));
        assertEquals(written, Files.getLastModifiedTime(first), "reused, not converted again");
    }

    @Test
    void changedFilesChangeTheCacheKey() throws IOException {
        Path model = SyntheticCheckpoints.write(tmp.resolve("m"), "Qwen2ForCausalLM", "", true, false, false);
        ModelSources sources = new ModelSources(tmp.resolve("cache"), OutputType.SOURCE);
        Path before = sources.cachePath(model);
        Files.setLastModifiedTime(model.resolve("config.json"), FileTime.fromMillis(1_000_000));
        Path after = sources.cachePath(model);
        assertNotEquals(before, after);
        assertNotEquals(after, new ModelSources(tmp.resolve("cache"), OutputType.F16).cachePath(model));
        assertEquals(after, sources.resolve(model));
        assertTrue(Files.isRegularFile(after));
    }

    @Test
    void somethingElseIsRejected() {
        assertThrows(CheckpointFormatException.class,
                () -> new ModelSources(tmp.resolve("cache"), OutputType.SOURCE).resolve(tmp.resolve("missing")));
        assertEquals(Path.of("/x/infer4j/converted"), ModelSources.defaultCacheDir("/x", "/home/u"));
        assertEquals(Path.of("/home/u/.cache/infer4j/converted"), ModelSources.defaultCacheDir(null, "/home/u"));
        assertEquals(Path.of("/x/infer4j"), ModelSources.cacheRoot("/x", "/home/u"));
        assertEquals(Path.of("/home/u/.cache/infer4j"), ModelSources.cacheRoot(" ", "/home/u"));
    }
}
