package org.infer4j.server.api;

/**
 * A request the server refuses, carrying everything the OpenAI error object needs. Thrown anywhere in
 * the HTTP layer; {@link ErrorMapper} turns it (and the engine's typed exceptions) into the response.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    public static ApiException invalidRequest(String message, String param) {
        return new ApiException(400, "invalid_request_error", message, param, null);
    }

    public static ApiException invalidValue(String message, String param) {
        return new ApiException(400, "invalid_request_error", message, param, "invalid_value");
    }

    public static ApiException modelNotFound(String model) {
        return new ApiException(404, "invalid_request_error",
                "The model '" + model + "' does not exist or you do not have access to it.", "model", "model_not_found");
    }

    public static ApiException contextLengthExceeded(int contextSize, int promptTokens) {
        return new ApiException(400, "invalid_request_error",
                "This model's maximum context length is " + contextSize + " tokens. However, your prompt resulted in "
                        + promptTokens + " tokens, which leaves no room to generate.",
                "messages", "context_length_exceeded");
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "invalid_request_error", message, null, "invalid_api_key");
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }
}
