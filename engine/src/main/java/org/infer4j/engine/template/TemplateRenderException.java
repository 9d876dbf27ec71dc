package org.infer4j.engine.template;

/**
 * Rendering failed because of the template or its data rather than a deliberate refusal: an
 * undefined attribute dereferenced, a type error such as {@code 'a' + 1}, an unsupported method, or
 * a safety limit (output size, recursion depth, loop budget) exceeded.
 */
public final class TemplateRenderException extends TemplateException {

    public TemplateRenderException(String message) {
        super(message);
    }

    public TemplateRenderException(String message, Throwable cause) {
        super(message, cause);
    }
}
