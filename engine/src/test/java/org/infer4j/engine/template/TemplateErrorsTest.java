package org.infer4j.engine.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Failures are typed, carry a useful message, and never leak as JVM errors. */
class TemplateErrorsTest {

    private static String render(String template, Map<String, Object> variables) {
        return JinjaTemplate.parse(template).render(variables);
    }

    private static String render(String template) {
        return render(template, Map.of());
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        assertThatThrownBy(() -> render("a{{ raise_exception('No tools here!') }}b"))
                .isInstanceOf(TemplateRaiseException.class)
                .isInstanceOf(TemplateException.class)
                .hasMessage("No tools here!");
    }

    @Test
    void syntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> JinjaTemplate.parse("line1\n{% if x %}\nno end"))
                .isInstanceOf(TemplateSyntaxException.class).hasMessageContaining("line");
        assertThatThrownBy(() -> JinjaTemplate.parse("{% frobnicate %}")).isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> JinjaTemplate.parse("{{ }}")).isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> JinjaTemplate.parse("{{ 'open }}")).isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> JinjaTemplate.parse("{{ a $ b }}")).isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> JinjaTemplate.parse("{% break %}")).isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> JinjaTemplate.parse("{% include 'x' %}")).isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> JinjaTemplate.parse("{{ (1 }}")).isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> JinjaTemplate.parse("{# never closed")).isInstanceOf(TemplateSyntaxException.class);
        TemplateSyntaxException e = (TemplateSyntaxException) org.assertj.core.api.Assertions.catchThrowable(
                () -> JinjaTemplate.parse("a\nb\n{{ 1 + }}"));
        assertThat(e.line()).isEqualTo(3);
    }

    @Test
    void pythonTypeErrorsAndUndefinedDereferencesAreRenderErrors() {
        // Each of these raises in jinja2 too (TypeError or UndefinedError).
        assertThatThrownBy(() -> render("{{ 'a' + 1 }}")).isInstanceOf(TemplateRenderException.class)
                .hasMessageContaining("can only concatenate str");
        assertThatThrownBy(() -> render("{{ missing.attr }}")).isInstanceOf(TemplateRenderException.class)
                .hasMessageContaining("'missing' is undefined");
        assertThatThrownBy(() -> render("{{ d.nokey.deeper }}", Map.of("d", Map.of())))
                .isInstanceOf(TemplateRenderException.class).hasMessageContaining("no attribute 'nokey'");
        assertThatThrownBy(() -> render("{% for x in n %}{% endfor %}", nullVariable()))
                .isInstanceOf(TemplateRenderException.class).hasMessageContaining("not iterable");
        assertThatThrownBy(() -> render("{{ 1 / 0 }}")).isInstanceOf(TemplateRenderException.class);
        assertThatThrownBy(() -> render("{{ 1 < 'a' }}")).isInstanceOf(TemplateRenderException.class);
        assertThatThrownBy(() -> render("{{ 'x'|nosuchfilter }}")).isInstanceOf(TemplateRenderException.class);
        assertThatThrownBy(() -> render("{{ 1 is nosuchtest }}")).isInstanceOf(TemplateRenderException.class);
        assertThatThrownBy(() -> render("{{ 'x'() }}")).isInstanceOf(TemplateRenderException.class);
        assertThatThrownBy(() -> render("{% set x = 1 %}{% set x.y = 2 %}")).isInstanceOf(TemplateRenderException.class);
        assertThatThrownBy(() -> render("{{ missing|tojson }}")).isInstanceOf(TemplateRenderException.class);
    }

    @Test
    void mutatingMethodsAreRefusedLikeTheImmutableSandbox() {
        assertThatThrownBy(() -> render("{% set l = [1] %}{{ l.append(2) }}")).isInstanceOf(TemplateRenderException.class)
                .hasMessageContaining("unsafe");
        assertThatThrownBy(() -> render("{{ d.update({'a': 1}) }}", Map.of("d", Map.of())))
                .isInstanceOf(TemplateRenderException.class);
    }

    @Test
    void runawayTemplatesHitLimitsInsteadOfHangingOrOverflowing() {
        assertThatThrownBy(() -> render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"))
                .isInstanceOf(TemplateRenderException.class).hasMessageContaining("nested deeper");
        assertThatThrownBy(() -> render("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"))
                .isInstanceOf(TemplateRenderException.class).hasMessageContaining("iterations");
        assertThatThrownBy(() -> render("{{ 'x' * 100000000 }}")).isInstanceOf(TemplateRenderException.class);
        assertThatThrownBy(() -> render("{{ range(1000000)|length }}")).isInstanceOf(TemplateRenderException.class);
        assertThatThrownBy(() -> JinjaTemplate.parse("{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}"))
                .isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> JinjaTemplate.parse("{% if a %}".repeat(5000)))
                .isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> render("{{ 2 ** 64 }}")).isInstanceOf(TemplateRenderException.class);
    }

    @Test
    void unsupportedVariableTypesAreRejectedAsTemplateErrors() {
        assertThatThrownBy(() -> render("{{ x }}", Map.of("x", new Object())))
                .isInstanceOf(TemplateRenderException.class);
    }

    @Test
    void oneParsedTemplateRendersConcurrently() throws Exception {
        JinjaTemplate template = JinjaTemplate.parse(
                "{% set ns = namespace(total=0) %}{% for x in items %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }}");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 64; i++) {
                long n = i;
                results.add(pool.submit(() -> template.render(Map.of("items", List.of(n, n, n)))));
            }
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get()).isEqualTo(String.valueOf(3L * i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, Object> nullVariable() {
        Map<String, Object> variables = new HashMap<>();
        variables.put("n", null);
        return variables;
    }
}
