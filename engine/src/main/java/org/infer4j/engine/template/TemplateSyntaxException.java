package org.infer4j.engine.template;

/** The template source is not valid Jinja, or uses a tag this interpreter does not implement. */
public final class TemplateSyntaxException extends TemplateException {

    private final int line;

    public TemplateSyntaxException(String message, int line) {
        super(message + " (line " + line + ")");
        this.line = line;
    }

    /** 1-based line of the template source where the problem was found. */
    public int line() {
        return line;
    }
}
