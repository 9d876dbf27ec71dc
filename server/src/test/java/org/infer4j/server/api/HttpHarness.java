package org.infer4j.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Raw HTTP calls against a running server, with the JSON and SSE parsing the tests need. */
final class HttpHarness {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private String bearer;

    HttpHarness(String base) {
        this.base = base;
    }

    HttpHarness withKey(String key) {
        HttpHarness other = new HttpHarness(base);
        other.bearer = key;
        return other;
    }

    record Reply(int status, String contentType, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        static JsonNode parse(String json) {
            try {
                return JSON.readTree(json);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + json, e);
            }
        }

        /** The {@code data:} payloads of a server-sent-event body, in order; fails on any other framing. */
        List<String> events() {
            List<String> data = new ArrayList<>();
            for (String event : body.split("\n\n", -1)) {
                if (event.isEmpty()) {
                    continue;
                }
                if (!event.startsWith("data: ") || event.indexOf('\n') >= 0) {
                    throw new AssertionError("bad SSE framing: " + event);
                }
                data.add(event.substring(6));
            }
            if (!body.endsWith("\n\n")) {
                throw new AssertionError("stream does not end with a blank line");
            }
            return data;
        }
    }

    Reply get(String path) {
        return send(request(path).GET());
    }

    Reply post(String path, String body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Reply method(String method, String path) {
        return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        return builder;
    }

    HttpClient client() {
        return client;
    }

    private Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (IOException e) {
            throw new AssertionError("request failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
