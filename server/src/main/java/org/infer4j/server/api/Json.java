package org.infer4j.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one JSON configuration of the wire: snake_case names, strict parsing of request bodies. */
final class Json {
    private final ObjectMapper mapper;

    Json() {
        mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build());
    }

    /** The request body as a tree; malformed JSON is the client's mistake, a 400. */
    JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw ApiException.invalidRequest("The request body is empty; expected a JSON object.", null);
        }
        try {
            return mapper.readTree(body);
        } catch (java.io.IOException e) {
            throw ApiException.invalidRequest("The request body is not valid JSON: " + firstLine(e.getMessage()), null);
        }
    }

    String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /** A JSON value as plain Java maps, lists, strings, numbers and booleans (what a chat template sees). */
    Object toPlain(JsonNode node) {
        return mapper.convertValue(node, Object.class);
    }

    /** A JSON object as a plain Java map (insertion-ordered). */
    Map<String, Object> toPlainObject(JsonNode object) {
        return mapper.convertValue(object, new TypeReference<LinkedHashMap<String, Object>>() {});
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "parse error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
