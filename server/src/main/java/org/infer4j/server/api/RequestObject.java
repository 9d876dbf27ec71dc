package org.infer4j.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Typed access to one JSON object of a request body. Every wrong type becomes a 400 naming the field
 * by its path (e.g. {@code messages[2].content}); JSON {@code null} counts as absent, as OpenAI's SDKs
 * send it for unset optional fields. Unknown fields are simply never read.
 */
final class RequestObject {
    private final JsonNode node;
    private final String path;

    private RequestObject(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    static RequestObject root(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalidRequest("The request body must be a JSON object.", null);
        }
        return new RequestObject(body, "");
    }

    /** The object at {@code param}; a 400 if it is not an object. */
    static RequestObject of(JsonNode value, String param) {
        if (!value.isObject()) {
            throw ApiException.invalidRequest("'" + param + "' must be an object.", param);
        }
        return new RequestObject(value, param);
    }

    JsonNode node() {
        return node;
    }

    String param(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** The raw value, or null when absent or JSON null. */
    JsonNode raw(String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value;
    }

    boolean has(String name) {
        return raw(name) != null;
    }

    Optional<String> string(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw wrongType(name, "a string");
        }
        return Optional.of(value.textValue());
    }

    String requiredString(String name) {
        return string(name).orElseThrow(() -> missing(name));
    }

    OptionalDouble number(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber()) {
            throw wrongType(name, "a number");
        }
        return OptionalDouble.of(value.doubleValue());
    }

    OptionalLong integer(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (!isInteger(value) || !value.canConvertToLong()) {
            throw wrongType(name, "an integer");
        }
        return OptionalLong.of(value.longValue());
    }

    OptionalInt smallInteger(String name) {
        OptionalLong value = integer(name);
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        if (value.getAsLong() > Integer.MAX_VALUE || value.getAsLong() < Integer.MIN_VALUE) {
            throw ApiException.invalidValue("'" + param(name) + "' is out of range.", param(name));
        }
        return OptionalInt.of((int) value.getAsLong());
    }

    Optional<Boolean> bool(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isBoolean()) {
            throw wrongType(name, "a boolean");
        }
        return Optional.of(value.booleanValue());
    }

    Optional<RequestObject> object(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isObject()) {
            throw wrongType(name, "an object");
        }
        return Optional.of(new RequestObject(value, param(name)));
    }

    /** The elements of an array field, or an empty list when absent. */
    List<JsonNode> array(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return List.of();
        }
        if (!value.isArray()) {
            throw wrongType(name, "an array");
        }
        List<JsonNode> elements = new ArrayList<>(value.size());
        value.forEach(elements::add);
        return elements;
    }

    /** Non-negative integer token ids; a 400 naming {@code param} otherwise. */
    static int[] tokenIds(JsonNode array, String param) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!isInteger(id) || !id.canConvertToInt()) {
                throw ApiException.invalidRequest("'" + param + "' must hold integer token ids.", param);
            }
            ids[i] = id.intValue();
        }
        return ids;
    }

    static boolean isInteger(JsonNode value) {
        return value.isIntegralNumber() || (value.isNumber() && value.doubleValue() == Math.rint(value.doubleValue()));
    }

    ApiException missing(String name) {
        return ApiException.invalidRequest("Missing required parameter: '" + param(name) + "'.", param(name));
    }

    ApiException wrongType(String name, String expected) {
        return ApiException.invalidRequest(
                "Invalid type for '" + param(name) + "': expected " + expected + ".", param(name));
    }
}
