package org.infer4j.engine.tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;
import jdk.incubator.vector.ShortVector;
import org.infer4j.gguf.HugePages;

/**
 * Where the copies of weights re-laid for the one-token kernels ({@link RowGroups}) come from: laid out at this load
 * ({@link #IN_MEMORY}), or mapped from a file an earlier start wrote (the model package's {@code LayoutCache}), so
 * that a start need not read, transpose and write the whole tensor again.
 */
@FunctionalInterface
public interface RelaidCopies {
    /**
     * A fresh copy at every load, in 2 MB pages where the system gives them ({@link HugePages#allocate}): a model
     * file's first start runs on these until it stops (later starts map the layout cache's file, also in 2 MB pages).
     * They delay the copies of a Llama-3.2-1B-shaped Q4_K_M by ~0.5 s (laid out in the background, 1.8-2.0 s
     * after the load began against 1.1-1.5 in 4 KB pages; when they were laid out before the model was ready, it made
     * first starts slower and erratic, 1.7-2.0 s against 1.1-1.4).
     */
    RelaidCopies IN_MEMORY = (source, layout, bytes, layOut) -> {
        MemorySegment copy = HugePages.allocate(bytes);
        layOut.accept(copy);
        return copy;
    };

    /**
     * The copy, {@code bytes} long, of {@code source} (a tensor's bytes in the mapped file, or a slice of them) in the
     * layout named {@code layout}; where there is none to reuse, {@code layOut} fills a zeroed segment of that size.
     * Null where this load leaves the rows to the kernels that read the file ({@link #reusedOnly}): the matrix then
     * has no re-laid groups until {@link WeightMatrix#relaid} gives it them.
     */
    MemorySegment copy(MemorySegment source, String layout, long bytes, Consumer<MemorySegment> layOut);

    /**
     * The copy {@link #copy} would give if it is already there to map (stored by an earlier start), without laying
     * anything out; null otherwise.
     */
    default MemorySegment reuse(MemorySegment source, String layout, long bytes) {
        return null;
    }

    /**
     * Copies that cost no layout: {@code copies}' stored ones ({@link #reuse}); for every other tensor {@link #copy}
     * gives null and runs {@code deferred}, so that a load can be ready before any weight is re-laid.
     */
    static RelaidCopies reusedOnly(RelaidCopies copies, Runnable deferred) {
        return (source, layout, bytes, layOut) -> {
            MemorySegment stored = copies.reuse(source, layout, bytes);
            if (stored == null) {
                deferred.run();
            }
            return stored;
        };
    }

    /**
     * Identifies the code that lays copies out, for a stored copy to be reused only by the code that wrote it: a hash
     * of the class files of the layouts and of the vector width they were chosen for. Any change to those classes
     * makes stored copies stale, even one that leaves the layout as it was; that costs one layout, while a stale copy
     * kept would compute wrong logits.
     */
    static String layoutFingerprint() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(("vector bits " + ShortVector.SPECIES_PREFERRED.vectorBitSize()).getBytes(StandardCharsets.UTF_8));
            for (Class<?> layout : new Class<?>[] {RowGroups.class, InterleavedQ4_0.class, InterleavedQ4_K.class,
                    InterleavedQ6_K.class, InterleavedQ8_0.class, RelaidCopies.class}) {
                String file = layout.getSimpleName() + ".class";
                try (InputStream in = layout.getResourceAsStream(file)) {
                    if (in == null) {
                        throw new IllegalStateException("class file " + file + " not found");
                    }
                    digest.update(file.getBytes(StandardCharsets.UTF_8));
                    digest.update(in.readAllBytes());
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
