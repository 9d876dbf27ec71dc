package org.infer4j.server.api;

import java.util.Optional;

/**
 * How the HTTP server listens.
 *
 * @param port         0 picks a free port
 * @param apiKey       when present, every endpoint but {@code /health} needs {@code Authorization: Bearer <key>}
 * @param maxBodyBytes larger request bodies get a 413
 */
public record ServerOptions(String host, int port, Optional<String> apiKey, long maxBodyBytes) {
    public static final long DEFAULT_MAX_BODY_BYTES = 8L * 1024 * 1024;

    public ServerOptions {
        apiKey = apiKey.filter(key -> !key.isEmpty());
    }
}
