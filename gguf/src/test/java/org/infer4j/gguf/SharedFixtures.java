package org.infer4j.gguf;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates {@code ../shared} (models, vocabularies, templates). A missing fixture fails the test that
 * asked for it: tests never skip silently.
 */
public final class SharedFixtures {
    private SharedFixtures() {}

    public static Path root() {
        String configured = System.getProperty("infer4j.shared");
        Path candidate = configured != null ? Path.of(configured) : null;
        if (candidate == null || !Files.isDirectory(candidate)) {
            // Walk up from the working directory (a module folder under Maven) to find ../shared.
            for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("shared/models"))) {
                    candidate = p.resolve("shared");
                    break;
                }
            }
        }
        if (candidate == null || !Files.isDirectory(candidate)) {
            throw new AssertionError("../shared not found (set -Dinfer4j.shared=...); it holds the test fixtures");
        }
        return candidate.normalize();
    }

    public static Path file(String relative) {
        Path p = root().resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new AssertionError("missing test fixture " + p);
        }
        return p;
    }

    public static Path model(String name) {
        return file("models/" + name);
    }
}
