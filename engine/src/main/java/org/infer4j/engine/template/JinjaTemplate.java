package org.infer4j.engine.template;

import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A Jinja template parsed once and rendered many times, with the semantics Hugging Face uses for
 * chat templates (jinja2 with trim_blocks, lstrip_blocks, loop controls, an immutable sandbox).
 * Immutable and thread-safe: every render gets its own interpreter state.
 */
public final class JinjaTemplate {

    private final List<Node> body;

    private JinjaTemplate(List<Node> body) {
        this.body = body;
    }

    /** @throws TemplateSyntaxException if the source is not a template this interpreter understands */
    public static JinjaTemplate parse(String source) {
        try {
            return new JinjaTemplate(Parser.parse(source));
        } catch (StackOverflowError e) {
            throw new TemplateSyntaxException("template nested too deeply", 0);
        }
    }

    /** Renders with {@code strftime_now} reading the system clock. */
    public String render(Map<String, Object> variables) {
        return render(variables, Clock.systemDefaultZone());
    }

    /**
     * Renders with the given variables; Java values are converted (ints to Python int, maps keep
     * their order). {@code clock} is what {@code strftime_now} reads.
     *
     * @throws TemplateRaiseException  when the template calls {@code raise_exception}
     * @throws TemplateRenderException when rendering fails for any other reason
     */
    public String render(Map<String, Object> variables, Clock clock) {
        Renderer renderer = new Renderer(clock);
        Scope scope = Globals.scope(renderer).child();
        try {
            variables.forEach((name, value) -> scope.set(name, PyValues.normalize(value)));
            return renderer.render(body, scope);
        } catch (TemplateException e) {
            throw e;
        } catch (StackOverflowError e) {
            throw new TemplateRenderException("template recursion too deep", e);
        } catch (RuntimeException e) {
            // A bug of ours must still surface as a template failure, never as an NPE or CCE.
            throw new TemplateRenderException("internal error while rendering: " + e, e);
        }
    }
}
