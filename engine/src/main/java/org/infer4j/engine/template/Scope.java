package org.infer4j.engine.template;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables visible at one point of a render. jinja2 gives each loop iteration and each macro call
 * a child scope: {@code set} there shadows without changing the outer variable, which is why
 * templates carry state out of loops in a {@link Namespace}. {@code if} blocks share their scope.
 */
final class Scope {

    private final Scope parent;
    private final Map<String, Object> variables = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Scope child() {
        return new Scope(this);
    }

    Object lookup(String name) {
        for (Scope scope = this; scope != null; scope = scope.parent) {
            if (scope.variables.containsKey(name)) {
                return scope.variables.get(name);
            }
        }
        return Undefined.variable(name);
    }

    void set(String name, Object value) {
        variables.put(name, value);
    }
}
