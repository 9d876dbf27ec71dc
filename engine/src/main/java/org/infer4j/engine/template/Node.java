package org.infer4j.engine.template;

import java.util.List;

/** Statement syntax tree: template text, output tags and the control-flow tags. */
sealed interface Node {

    record Text(String text) implements Node { }

    /** {@code {{ expr }}}. */
    record Output(Expr expr) implements Node { }

    record If(List<Branch> branches, List<Node> otherwise) implements Node {
        record Branch(Expr condition, List<Node> body) { }
    }

    /** {@code {% for target in iterable [if filter] [recursive] %}}; filter is null when absent. */
    record For(Target target, Expr iterable, Expr filter, boolean recursive, List<Node> body, List<Node> otherwise)
            implements Node { }

    /** {@code {% set target = value %}}. */
    record Set(Target target, Expr value) implements Node { }

    /** {@code {% set name | filters %}body{% endset %}}: captures rendered text. */
    record SetBlock(Target target, List<Expr.FilterSpec> filters, List<Node> body) implements Node { }

    record Macro(String name, List<Parameter> parameters, List<Node> body) implements Node { }

    /** {@code {% call(params) macro(args) %}body{% endcall %}}: body becomes the macro's caller(). */
    record CallBlock(Expr.Call call, List<Parameter> callerParameters, List<Node> body) implements Node { }

    /** {@code {% filter name %}body{% endfilter %}}. */
    record FilterBlock(List<Expr.FilterSpec> filters, List<Node> body) implements Node { }

    record Break() implements Node { }

    record Continue() implements Node { }

    /**
     * Hugging Face's {@code {% generation %}} marks assistant text for training masks; for
     * rendering it is transparent.
     */
    record Generation(List<Node> body) implements Node { }

    /** A macro parameter; defaultValue is null when the parameter is required. */
    record Parameter(String name, Expr defaultValue) { }

    /** What a {@code set} or {@code for} assigns to. */
    sealed interface Target {
        record Name(String name) implements Target { }

        /** {@code a, b} unpacking; elements can themselves be tuples. */
        record Tuple(List<Target> elements) implements Target { }

        /** {@code ns.attr}: only namespaces accept attribute assignment. */
        record NamespaceAttribute(String namespace, String attribute) implements Target { }
    }
}
