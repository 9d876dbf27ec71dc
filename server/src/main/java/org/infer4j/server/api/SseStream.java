package org.infer4j.server.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent-event response written from the request's own thread: {@code data: <json>\n\n} per event,
 * flushed at once, {@code data: [DONE]} at the end. A write that fails means the client went away.
 */
final class SseStream {
    private final OutputStream out;

    SseStream(Context ctx) {
        ctx.status(200);
        ctx.contentType("text/event-stream");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        try {
            out = ctx.res().getOutputStream();
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }

    void send(String json) {
        write("data: " + json + "\n\n");
    }

    void done() {
        write("data: [DONE]\n\n");
    }

    private void write(String event) {
        try {
            out.write(event.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }

    /** The client closed the connection; its generation is cancelled and nothing more is written. */
    static final class ClientGoneException extends UncheckedIOException {
        ClientGoneException(IOException cause) {
            super("client disconnected", cause);
        }
    }
}
