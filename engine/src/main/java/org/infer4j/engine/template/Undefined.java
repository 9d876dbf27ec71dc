package org.infer4j.engine.template;

/**
 * The value of a missing variable, attribute or item, with jinja2's default semantics: it prints as
 * nothing, is falsy, iterates as empty and has length 0, but dereferencing it further (attribute,
 * item, call, arithmetic) is an error that names what was missing.
 *
 * @param description what was looked up, e.g. {@code 'foo' is undefined}
 */
record Undefined(String description) {

    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object owner, Object name) {
        return new Undefined("'" + PyValues.typeName(owner) + " object' has no attribute " + PyValues.repr(name));
    }

    TemplateRenderException error() {
        return new TemplateRenderException(description);
    }
}
