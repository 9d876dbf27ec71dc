package org.infer4j.server.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.infer4j.server.registry.ModelRegistry;

/**
 * The OpenAI-compatible HTTP server: every route in one visible place, handlers as small methods.
 * Requests run on Jetty's virtual threads; each request thread tokenizes, renders templates, queues
 * work on the model's generator and writes its own response (including streams).
 */
public final class ApiServer implements AutoCloseable {
    private final Javalin app;
    private final ServerOptions options;

    public ApiServer(ModelRegistry registry, ServerOptions options) {
        this.options = options;
        Json json = new Json();
        ErrorMapper errors = new ErrorMapper(json);
        ModelResolver models = new ModelResolver(registry);
        CompletionsHandler completions = new CompletionsHandler(models, json, errors);
        ModelsHandler modelList = new ModelsHandler(models, json);
        UtilityHandler utility = new UtilityHandler(models, json);

        app = Javalin.create(config -> {
            config.useVirtualThreads = true;
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
            config.http.maxRequestSize = options.maxBodyBytes();
            config.http.prefer405over404 = true;
            config.http.disableCompression(); // compression would buffer server-sent events
            config.router.ignoreTrailingSlashes = true;
        });

        app.beforeMatched(ctx -> authorize(ctx, options));

        app.get("/health", utility::health);
        app.get("/v1/health", utility::health);
        app.get("/v1/models", modelList::list);
        app.get("/v1/models/{id}", modelList::get);
        app.post("/v1/chat/completions", completions::chat);
        app.post("/v1/completions", completions::completions);
        app.post("/tokenize", utility::tokenize);
        app.post("/detokenize", utility::detokenize);
        app.post("/apply-template", utility::applyTemplate);

        app.exception(Exception.class, (failure, ctx) -> errors.respond(ctx, failure));
        // Javalin answers unknown routes, wrong methods and oversized bodies itself, in plain text: re-shape those.
        for (HttpStatus status : List.of(HttpStatus.NOT_FOUND, HttpStatus.METHOD_NOT_ALLOWED, HttpStatus.CONTENT_TOO_LARGE)) {
            app.error(status, ctx -> {
                String type = ctx.res().getContentType();
                if (type == null || !type.startsWith("application/json")) {
                    errors.respond(ctx, new HttpResponseException(status.getCode(), status.getMessage()));
                }
            });
        }
    }

    public ApiServer start() {
        app.start(options.host(), options.port());
        return this;
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return app.port();
    }

    public String url() {
        return "http://" + options.host() + ":" + port();
    }

    @Override
    public void close() {
        app.stop();
    }

    /** With an API key configured, everything but the health check needs {@code Authorization: Bearer <key>}. */
    private static void authorize(Context ctx, ServerOptions options) {
        if (options.apiKey().isEmpty() || ctx.path().equals("/health") || ctx.path().equals("/v1/health")) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized("Missing API key: send it as 'Authorization: Bearer <key>'.");
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        byte[] expected = options.apiKey().get().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, expected)) {
            throw ApiException.unauthorized("Incorrect API key provided.");
        }
    }
}
