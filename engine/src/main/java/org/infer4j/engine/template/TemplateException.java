package org.infer4j.engine.template;

/**
 * Any failure of a chat template: it does not parse, it hits something the interpreter refuses at
 * render time, or the template itself refuses the input through {@code raise_exception}.
 */
public abstract sealed class TemplateException extends RuntimeException
        permits TemplateSyntaxException, TemplateRenderException, TemplateRaiseException {

    TemplateException(String message) {
        super(message);
    }

    TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
