package org.infer4j.engine.convert;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Turns what a user points the server at into a GGUF file: a {@code .gguf} file is used as is; a Hugging
 * Face model folder (one with config.json) is converted once into a cache folder and the cached file is
 * reused while the folder is unchanged. The cache never lives inside the model folder, which may be
 * read-only; entries are keyed by a hash of the folder's path and of its files' names, sizes and
 * modification times (and of {@link #FORMAT}), so an edited or replaced checkpoint is converted again.
 */
public final class ModelSources {
    /** Bumped when the converter's output changes, so caches written by an older converter are not reused. */
    static final String FORMAT = "infer4j-convert-2";

    private final Path cacheDir;
    private final OutputType outputType;

    /** A resolver caching conversions (matrices in {@code outputType}) under {@code cacheDir}. */
    public ModelSources(Path cacheDir, OutputType outputType) {
        this.cacheDir = cacheDir;
        this.outputType = outputType;
    }

    /**
     * {@code ~/.cache/infer4j/converted} (or {@code $XDG_CACHE_HOME/infer4j/converted}), for {@code main} to pass
     * in; the environment values are parameters so nothing here reads process-wide settings.
     */
    public static Path defaultCacheDir(String xdgCacheHome, String userHome) {
        return cacheRoot(xdgCacheHome, userHome).resolve("converted");
    }

    /**
     * {@code ~/.cache/infer4j} (or {@code $XDG_CACHE_HOME/infer4j}): the folder of everything infer4j keeps between
     * runs (converted models here, re-laid weights beside them).
     */
    public static Path cacheRoot(String xdgCacheHome, String userHome) {
        Path base = xdgCacheHome != null && !xdgCacheHome.isBlank() ? Path.of(xdgCacheHome) : Path.of(userHome, ".cache");
        return base.resolve("infer4j");
    }

    /** Whether {@code path} is a Hugging Face model folder this class would convert. */
    public static boolean isHfModelDir(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve("config.json"));
    }

    /**
     * The GGUF file for {@code model}: the file itself, or the cached conversion of a model folder (converted
     * now when missing). Anything else is a {@link CheckpointFormatException}.
     */
    public Path resolve(Path model) throws IOException {
        if (Files.isRegularFile(model)) {
            return model;
        }
        if (!isHfModelDir(model)) {
            throw new CheckpointFormatException(model + " is neither a GGUF file nor a Hugging Face model folder with config.json");
        }
        Path cached = cachePath(model);
        if (Files.isRegularFile(cached)) {
            return cached;
        }
        return HfCheckpointConverter.convert(model, cached, outputType).file();
    }

    /** Where the conversion of {@code modelDir} is cached: {@code <cacheDir>/<folder name>-<key>.gguf}. */
    public Path cachePath(Path modelDir) throws IOException {
        Path dir = modelDir.toAbsolutePath().normalize();
        MessageDigest sha = sha256();
        update(sha, FORMAT);
        update(sha, outputType.name());
        update(sha, dir.toString());
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> sorted = files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
            for (Path f : sorted) {
                update(sha, f.getFileName().toString());
                update(sha, Long.toString(Files.size(f)));
                update(sha, Long.toString(Files.getLastModifiedTime(f).toMillis()));
            }
        }
        String key = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        String name = dir.getFileName() == null ? "model" : dir.getFileName().toString();
        return cacheDir.resolve(name + "-" + key + ".gguf");
    }

    private static void update(MessageDigest sha, String s) {
        sha.update(s.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
