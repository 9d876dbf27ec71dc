package org.infer4j.engine.template;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Executes statements for one render: writes text and output tags, runs control flow, binds
 * variables and calls macros. Not shared between threads; {@link JinjaTemplate} makes one per
 * render. Safety limits keep a hostile or buggy template from running away.
 */
final class Renderer {

    /** Output bigger than this (in chars, across macro buffers too) aborts the render. */
    static final long MAX_OUTPUT_CHARS = 32L * 1024 * 1024;
    /** Loop iterations plus macro calls allowed in one render. */
    static final long MAX_STEPS = 10_000_000;
    /** Nested macro calls allowed (jinja2 itself stops near Python's recursion limit). */
    static final int MAX_CALL_DEPTH = 200;

    private final Evaluator evaluator;
    private final Clock clock;
    private long outputChars;
    private long steps;
    private int callDepth;

    /** What a statement asks of its enclosing loop. */
    private enum Flow { NORMAL, BREAK, CONTINUE }

    Renderer(Clock clock) {
        this.clock = clock;
        this.evaluator = new Evaluator(this);
    }

    Clock clock() {
        return clock;
    }

    String render(List<Node> template, Scope scope) {
        StringBuilder out = new StringBuilder();
        renderNodes(template, scope, out);
        return out.toString();
    }

    private void write(StringBuilder out, String text) {
        outputChars += text.length();
        if (outputChars > MAX_OUTPUT_CHARS) {
            throw new TemplateRenderException("template output exceeds " + MAX_OUTPUT_CHARS + " characters");
        }
        out.append(text);
    }

    private void step() {
        if (++steps > MAX_STEPS) {
            throw new TemplateRenderException("template exceeds " + MAX_STEPS + " loop iterations and calls");
        }
    }

    private Flow renderNodes(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node node : nodes) {
            Flow flow = renderNode(node, scope, out);
            if (flow != Flow.NORMAL) {
                return flow;
            }
        }
        return Flow.NORMAL;
    }

    private Flow renderNode(Node node, Scope scope, StringBuilder out) {
        switch (node) {
            case Node.Text text -> write(out, text.text());
            case Node.Output output -> write(out, PyValues.str(evaluator.eval(output.expr(), scope)));
            case Node.If conditional -> {
                for (Node.If.Branch branch : conditional.branches()) {
                    if (PyValues.truthy(evaluator.eval(branch.condition(), scope))) {
                        return renderNodes(branch.body(), scope, out);
                    }
                }
                return renderNodes(conditional.otherwise(), scope, out);
            }
            case Node.For loop -> renderFor(loop, evaluator.eval(loop.iterable(), scope), scope, out, 0);
            case Node.Set set -> assign(set.target(), evaluator.eval(set.value(), scope), scope);
            case Node.SetBlock set -> {
                Object value = capture(set.body(), scope);
                for (Expr.FilterSpec filter : set.filters()) {
                    value = evaluator.applyFilter(filter, value, scope);
                }
                assign(set.target(), value, scope);
            }
            case Node.Macro macro -> scope.set(macro.name(),
                    new MacroValue(macro.name(), macro.parameters(), macro.body(), scope, this, null));
            case Node.CallBlock call -> {
                MacroValue caller = new MacroValue("caller", call.callerParameters(), call.body(), scope, this, null);
                write(out, PyValues.str(evaluator.callWithCaller(call.call(), caller, scope)));
            }
            case Node.FilterBlock block -> {
                Object value = capture(block.body(), scope);
                for (Expr.FilterSpec filter : block.filters()) {
                    value = evaluator.applyFilter(filter, value, scope);
                }
                write(out, PyValues.str(value));
            }
            case Node.Generation generation -> {
                return renderNodes(generation.body(), scope, out);
            }
            case Node.Break b -> {
                return Flow.BREAK;
            }
            case Node.Continue c -> {
                return Flow.CONTINUE;
            }
        }
        return Flow.NORMAL;
    }

    private String capture(List<Node> body, Scope scope) {
        StringBuilder buffer = new StringBuilder();
        renderNodes(body, scope, buffer);
        return buffer.toString();
    }

    private void renderFor(Node.For loop, Object iterable, Scope scope, StringBuilder out, int depth0) {
        List<Object> items = PyValues.iterate(iterable);
        if (loop.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope filterScope = scope.child();
                assign(loop.target(), item, filterScope);
                if (PyValues.truthy(evaluator.eval(loop.filter(), filterScope))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            renderNodes(loop.otherwise(), scope, out);
            return;
        }
        JinjaCallable recursion = loop.recursive()
                ? args -> {
                    StringBuilder nested = new StringBuilder();
                    renderFor(loop, args.require(0, "iterable", "loop"), scope, nested, depth0 + 1);
                    return nested.toString();
                }
                : null;
        LoopContext context = new LoopContext(items, depth0, recursion);
        for (int i = 0; i < items.size(); i++) {
            step();
            context.advance(i);
            Scope iteration = scope.child();
            iteration.set("loop", context);
            assign(loop.target(), items.get(i), iteration);
            if (renderNodes(loop.body(), iteration, out) == Flow.BREAK) {
                break;
            }
        }
    }

    private void assign(Node.Target target, Object value, Scope scope) {
        switch (target) {
            case Node.Target.Name name -> scope.set(name.name(), value);
            case Node.Target.Tuple tuple -> {
                List<Object> values = PyValues.iterate(value);
                if (values.size() != tuple.elements().size()) {
                    throw new TemplateRenderException("cannot unpack " + values.size() + " values into "
                            + tuple.elements().size() + " names");
                }
                for (int i = 0; i < values.size(); i++) {
                    assign(tuple.elements().get(i), values.get(i), scope);
                }
            }
            case Node.Target.NamespaceAttribute attribute -> {
                if (!(scope.lookup(attribute.namespace()) instanceof Namespace namespace)) {
                    throw new TemplateRenderException("cannot assign attribute on non-namespace object '"
                            + attribute.namespace() + "'");
                }
                namespace.set(attribute.attribute(), value);
            }
        }
    }

    /**
     * Binds arguments like jinja2: by position then keyword, defaults evaluated in the call scope
     * (so they may refer to earlier parameters), missing ones undefined, extras in
     * {@code varargs}/{@code kwargs}. Returns the rendered body.
     */
    Object callMacro(MacroValue macro, Arguments arguments) {
        step();
        if (callDepth >= MAX_CALL_DEPTH) {
            throw new TemplateRenderException("macro calls nested deeper than " + MAX_CALL_DEPTH);
        }
        callDepth++;
        try {
            Scope scope = macro.closure().child();
            List<Node.Parameter> parameters = macro.parameters();
            Map<String, Object> keyword = new LinkedHashMap<>(arguments.keyword());
            JinjaCallable caller = macro.caller();
            if (keyword.get("caller") instanceof JinjaCallable explicit) {
                caller = explicit;
                keyword.remove("caller");
            }
            for (int i = 0; i < parameters.size(); i++) {
                Node.Parameter parameter = parameters.get(i);
                Object value;
                if (i < arguments.positional().size()) {
                    value = arguments.positional().get(i);
                } else if (keyword.containsKey(parameter.name())) {
                    value = keyword.remove(parameter.name());
                } else if (parameter.defaultValue() != null) {
                    value = evaluator.eval(parameter.defaultValue(), scope);
                } else {
                    value = new Undefined("parameter '" + parameter.name() + "' was not provided");
                }
                scope.set(parameter.name(), value);
            }
            scope.set("varargs", new PyTuple(arguments.rest(parameters.size())));
            scope.set("kwargs", new LinkedHashMap<Object, Object>(keyword));
            if (caller != null) {
                scope.set("caller", caller);
            }
            return capture(macro.body(), scope);
        } finally {
            callDepth--;
        }
    }
}
