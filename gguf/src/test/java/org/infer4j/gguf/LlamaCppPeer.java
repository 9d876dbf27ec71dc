package org.infer4j.gguf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The llama.cpp reference peer, built (once, then cached) by {@code ../shared/tools/llama-cpp-peer}.
 * Tests that compare against it run its tools here; when it cannot be had, the test fails.
 */
public final class LlamaCppPeer {
    private static Path bin;

    private LlamaCppPeer() {}

    /** The folder holding llama-server, llama-bench, llama-quantize, llama-tokenize and llama-cli. */
    public static synchronized Path bin() {
        if (bin == null) {
            Path script = SharedFixtures.root().resolve("tools/llama-cpp-peer");
            Result r = run(List.of("bash", script.toString()), 1800);
            if (r.exitCode != 0) {
                throw new AssertionError("llama-cpp-peer failed (exit " + r.exitCode + "): " + r.stderr);
            }
            String[] lines = r.stdout.strip().split("\n");
            Path dir = Path.of(lines[lines.length - 1].strip());
            if (!Files.isExecutable(dir.resolve("llama-server"))) {
                throw new AssertionError("llama-cpp-peer printed " + dir + " which has no llama-server");
            }
            bin = dir;
        }
        return bin;
    }

    public static Path tool(String name) {
        return bin().resolve(name);
    }

    public record Result(int exitCode, String stdout, String stderr) {}

    /**
     * A running {@code llama-server} on a free loopback port, for asking the peer what it computes.
     * Close it to stop the process.
     */
    public static final class Server implements AutoCloseable {
        private final Process process;
        private final int port;

        private Server(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        public int port() {
            return port;
        }

        public java.net.URI uri(String path) {
            return java.net.URI.create("http://127.0.0.1:" + port + path);
        }

        /** POSTs a JSON body and returns the response body; fails the test on a non-200 answer. */
        public String post(String path, String json) {
            try (var client = java.net.http.HttpClient.newHttpClient()) {
                var response = client.send(java.net.http.HttpRequest.newBuilder(uri(path))
                                .header("Content-Type", "application/json")
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new AssertionError("peer " + path + " answered " + response.statusCode() + ": " + response.body());
                }
                return response.body();
            } catch (IOException e) {
                throw new AssertionError("peer " + path + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts llama-server on {@code model} with {@code extraArgs} and waits until it answers /health. */
    public static Server startServer(Path model, String... extraArgs) {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<String> command = new ArrayList<>(List.of(tool("llama-server").toString(), "-m", model.toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(port), "-t", "2", "--log-disable"));
        command.addAll(List.of(extraArgs));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + command + ": " + e, e);
        }
        Server server = new Server(process, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try (var client = java.net.http.HttpClient.newHttpClient()) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new AssertionError("llama-server exited with " + process.exitValue() + ": " + command);
                }
                try {
                    var r = client.send(java.net.http.HttpRequest.newBuilder(server.uri("/health")).build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        return server;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        throw new AssertionError("llama-server did not become ready: " + command);
    }

    /** Runs a command to completion (bounded by {@code timeoutSeconds}) and captures its output. */
    public static Result run(List<String> command, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("peer-out", ".txt");
            Path err = Files.createTempFile("peer-err", ".txt");
            try {
                Process p = new ProcessBuilder(new ArrayList<>(command))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command);
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }
}
