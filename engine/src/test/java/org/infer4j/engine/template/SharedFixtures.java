package org.infer4j.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates /shared test data: system property infer4j.shared, else ../shared next to the repository. */
final class SharedFixtures {

    private SharedFixtures() {
    }

    static Path chatTemplates() {
        Path dir = sharedRoot().resolve("chat-templates");
        assertThat(dir).as("chat template fixtures (set -Dinfer4j.shared)").isDirectory();
        return dir;
    }

    private static Path sharedRoot() {
        String property = System.getProperty("infer4j.shared");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        // Tests run in the module directory or the repository root; the repository root holds the parent pom.
        Path dir = Path.of("").toAbsolutePath();
        Path root = Files.exists(dir.resolve("engine")) ? dir : dir.getParent();
        return root.resolve("../shared").normalize();
    }
}
