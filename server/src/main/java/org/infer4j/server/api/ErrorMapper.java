package org.infer4j.server.api;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.infer4j.engine.generate.ContextLengthExceededException;
import org.infer4j.engine.generate.GeneratorClosedException;
import org.infer4j.engine.generate.InvalidRequestException;
import org.infer4j.engine.template.TemplateException;

/**
 * The one place where failures become OpenAI error objects {@code {"error":{message,type,param,code}}}.
 * Client mistakes map to 4xx with the field at fault; only a fault of the server itself gives a 500.
 */
final class ErrorMapper {
    private static final Logger LOG = Logger.getLogger(ErrorMapper.class.getName());
    private final Json json;

    ErrorMapper(Json json) {
        this.json = json;
    }

    void respond(Context ctx, Throwable failure) {
        ApiException error = toApiException(failure);
        ctx.status(error.status());
        ctx.contentType("application/json");
        ctx.result(body(error));
    }

    String body(ApiException error) {
        return json.write(new Wire.ErrorBody(
                new Wire.ErrorDetail(error.getMessage(), error.type(), error.param(), error.code())));
    }

    ApiException toApiException(Throwable failure) {
        return switch (failure) {
            case ApiException api -> api;
            case HttpResponseException http -> fromJavalin(http);
            case ContextLengthExceededException tooLong -> ApiException.contextLengthExceeded(tooLong.contextLength(),
                    tooLong.promptTokens());
            case InvalidRequestException invalid -> ApiException.invalidRequest(invalid.getMessage(), null);
            // The template refused the conversation (raise_exception) or failed on its shape: the request's fault.
            case TemplateException template -> new ApiException(400, "invalid_request_error", template.getMessage(),
                    "messages", "chat_template_error");
            case GeneratorClosedException closed -> new ApiException(503, "server_error",
                    "The model is shutting down: " + closed.getMessage(), null, "service_unavailable");
            default -> {
                LOG.log(Level.SEVERE, "request failed inside the server", failure);
                yield new ApiException(500, "server_error",
                        "The server failed to handle the request: " + failure.getClass().getSimpleName()
                                + (failure.getMessage() == null ? "" : ": " + failure.getMessage()),
                        null, null);
            }
        };
    }

    /** Javalin's own refusals: no such route, wrong method, body too large. */
    private static ApiException fromJavalin(HttpResponseException http) {
        return switch (http.getStatus()) {
            case 404 -> new ApiException(404, "invalid_request_error", "Unknown request URL. Please check the URL "
                    + "for typos, or see the API reference for the available endpoints.", null, "unknown_url");
            case 405 -> new ApiException(405, "invalid_request_error",
                    "Method not allowed for this URL.", null, "method_not_allowed");
            case 413 -> new ApiException(413, "invalid_request_error",
                    "The request body is too large.", null, "request_too_large");
            default -> new ApiException(http.getStatus(), http.getStatus() >= 500 ? "server_error"
                    : "invalid_request_error", http.getMessage(), null, null);
        };
    }
}
