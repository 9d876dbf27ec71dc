package org.infer4j.engine.template;

/** Anything a template can call: macros, globals such as {@code range}, bound Python methods. */
@FunctionalInterface
interface JinjaCallable {

    Object call(Arguments arguments);
}
