package org.infer4j.engine.template;

/**
 * The template refused its input on purpose by calling {@code raise_exception(message)}, e.g.
 * "System role not supported". The message is exactly the template's text.
 */
public final class TemplateRaiseException extends TemplateException {

    public TemplateRaiseException(String message) {
        super(message);
    }
}
