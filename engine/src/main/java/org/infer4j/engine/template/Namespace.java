package org.infer4j.engine.template;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The object made by {@code namespace(...)}: the one mutable value in a template, so that a loop
 * body can carry state out of its own scope ({@code {% set ns.found = true %}}).
 */
final class Namespace {

    private final Map<String, Object> attributes = new LinkedHashMap<>();

    Namespace(Map<String, Object> initial) {
        attributes.putAll(initial);
    }

    Object get(String name) {
        return attributes.containsKey(name) ? attributes.get(name) : Undefined.attribute(this, name);
    }

    void set(String name, Object value) {
        attributes.put(name, value);
    }

    Map<String, Object> attributes() {
        return attributes;
    }
}
