package org.infer4j.engine.template;

/** A runtime object whose attributes templates read, such as {@code loop} or a cycler. */
interface HasAttributes {

    /** The attribute's value, or an {@link Undefined} when there is none. */
    Object attribute(String name);
}
