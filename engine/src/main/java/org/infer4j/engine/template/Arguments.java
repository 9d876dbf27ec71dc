package org.infer4j.engine.template;

import java.util.List;
import java.util.Map;

/**
 * Evaluated call arguments, with helpers that bind them like a Python signature
 * ({@code f(a, b=1)}: by position or by keyword, with a default).
 */
record Arguments(List<Object> positional, Map<String, Object> keyword) {

    static final Arguments NONE = new Arguments(List.of(), Map.of());

    /** The argument at {@code index} or named {@code name}, or {@code fallback} when absent. */
    Object get(int index, String name, Object fallback) {
        if (index < positional.size()) {
            return positional.get(index);
        }
        return keyword.containsKey(name) ? keyword.get(name) : fallback;
    }

    /** Like {@link #get} but the argument is mandatory. */
    Object require(int index, String name, String function) {
        if (index < positional.size()) {
            return positional.get(index);
        }
        if (keyword.containsKey(name)) {
            return keyword.get(name);
        }
        throw new TemplateRenderException(function + "() missing required argument '" + name + "'");
    }

    /** The positional arguments from {@code index} on (Python's {@code *args} after fixed ones). */
    List<Object> rest(int index) {
        return index >= positional.size() ? List.of() : positional.subList(index, positional.size());
    }

    int size() {
        return positional.size() + keyword.size();
    }
}
