package org.infer4j.server.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.infer4j.engine.model.PeerParity;
import org.infer4j.gguf.LlamaCppPeer;
import org.infer4j.server.api.ApiServer;
import org.infer4j.server.api.ServerOptions;
import org.infer4j.server.registry.LoadSettings;
import org.infer4j.server.registry.ModelRegistry;
import org.infer4j.server.registry.ModelSource;
import org.infer4j.server.registry.RegistryLoader;

/**
 * One GGUF file served twice on loopback ports: by infer4j in-process and by llama-server, with the same context
 * size, one sequence slot and one thread each, the peer set up to compute what we compute
 * ({@link PeerParity#PEER_ARGS}). What a parity test then asks both is up to {@link PeerParity#overHttp}.
 * <p>
 * One thread: both split a matrix product by rows, each dot product whole on one thread, so the numbers do not
 * depend on the thread count (measured: the same matrix to the last digit with two), while two threads that
 * meet at a barrier after every small product of these models lose a scheduler time slice at each one on a
 * busy 2-core machine: llama-server went from 0.1 s to 3-11 s for 32 tokens.
 */
final class ParityServers implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int THREADS = 1;

    private final ModelRegistry registry;
    private final ApiServer ours;
    private final LlamaCppPeer.Server peer;

    private ParityServers(ModelRegistry registry, ApiServer ours, LlamaCppPeer.Server peer) {
        this.registry = registry;
        this.ours = ours;
        this.peer = peer;
    }

    /** Serves {@code gguf} under the id {@code model} with {@code contextSize} positions on both sides. */
    static ParityServers start(Path gguf, String model, int contextSize) {
        ModelRegistry registry = RegistryLoader.load(List.of(new ModelSource(gguf, Optional.of(model))),
                new LoadSettings(THREADS, Optional.of(contextSize), Optional.empty()));
        ApiServer ours = null;
        try {
            ours = new ApiServer(registry, new ServerOptions("127.0.0.1", 0, Optional.empty(),
                    ServerOptions.DEFAULT_MAX_BODY_BYTES)).start();
            List<String> args = new ArrayList<>(PeerParity.PEER_ARGS);
            args.addAll(List.of("-c", Integer.toString(contextSize), "-t", Integer.toString(THREADS)));
            return new ParityServers(registry, ours, LlamaCppPeer.startServer(gguf, args.toArray(String[]::new)));
        } catch (RuntimeException | Error e) {
            if (ours != null) {
                ours.close();
            }
            registry.close();
            throw e;
        }
    }

    URI ours() {
        return URI.create(ours.url());
    }

    URI peer() {
        return peer.uri("");
    }

    /** infer4j's {@code /v1/models} meta for the file. */
    JsonNode ourMeta() {
        return meta(ours());
    }

    /** llama-server's {@code /v1/models} meta for the file. */
    JsonNode peerMeta() {
        return meta(peer());
    }

    private static JsonNode meta(URI base) {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve("/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError(base + "/v1/models answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body()).get("data").get(0).get("meta");
        } catch (IOException e) {
            throw new AssertionError(base + "/v1/models: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        try (registry; ours; peer) {
            // closes the peer, then our server, then the registry
        }
    }
}
