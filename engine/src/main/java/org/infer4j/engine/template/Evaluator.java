package org.infer4j.engine.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Evaluates expressions against a scope; statements and macro bodies belong to {@link Renderer}. */
final class Evaluator {

    private final Renderer renderer;

    Evaluator(Renderer renderer) {
        this.renderer = renderer;
    }

    Object eval(Expr expr, Scope scope) {
        return switch (expr) {
            case Expr.Literal literal -> literal.value();
            case Expr.Variable variable -> scope.lookup(variable.name());
            case Expr.ListLiteral list -> {
                List<Object> items = new ArrayList<>(list.items().size());
                list.items().forEach(item -> items.add(eval(item, scope)));
                yield items;
            }
            case Expr.TupleLiteral tuple -> new PyTuple(tuple.items().stream().map(item -> eval(item, scope)).toList());
            case Expr.DictLiteral dict -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (Expr.DictLiteral.Entry entry : dict.entries()) {
                    map.put(eval(entry.key(), scope), eval(entry.value(), scope));
                }
                yield map;
            }
            case Expr.Attribute attribute -> Lookup.attribute(eval(attribute.target(), scope), attribute.name());
            case Expr.Item item -> Lookup.item(eval(item.target(), scope), eval(item.index(), scope));
            case Expr.Slice slice -> Lookup.slice(eval(slice.target(), scope),
                    evalOrNull(slice.start(), scope), evalOrNull(slice.stop(), scope), evalOrNull(slice.step(), scope));
            case Expr.Call call -> call(eval(call.callee(), scope), arguments(call.args(), scope));
            case Expr.Filter filter -> applyFilter(filter.filter(), eval(filter.target(), scope), scope);
            case Expr.Test test -> test.negated() != Tests.apply(test.name(), eval(test.target(), scope),
                    arguments(test.args(), scope));
            case Expr.Unary unary -> {
                Object operand = eval(unary.operand(), scope);
                yield switch (unary.op()) {
                    case NOT -> !PyValues.truthy(operand);
                    case NEGATE -> Operators.negate(operand);
                    case PLUS -> Operators.plus(operand);
                };
            }
            case Expr.Binary binary -> Operators.binary(binary.op(), eval(binary.left(), scope), eval(binary.right(), scope));
            case Expr.Logical logical -> {
                Object left = eval(logical.left(), scope);
                boolean decided = logical.isAnd() != PyValues.truthy(left);
                yield decided ? left : eval(logical.right(), scope);
            }
            case Expr.Compare compare -> {
                Object left = eval(compare.first(), scope);
                for (Expr.Compare.Comparison comparison : compare.rest()) {
                    Object right = eval(comparison.operand(), scope);
                    if (!Operators.compare(comparison.op(), left, right)) {
                        yield false;
                    }
                    left = right;
                }
                yield true;
            }
            case Expr.Conditional conditional -> {
                if (PyValues.truthy(eval(conditional.condition(), scope))) {
                    yield eval(conditional.then(), scope);
                }
                yield conditional.otherwise() == null
                        ? new Undefined("the inline if-expression evaluated to false and no else section was defined")
                        : eval(conditional.otherwise(), scope);
            }
        };
    }

    private Object evalOrNull(Expr expr, Scope scope) {
        return expr == null ? null : eval(expr, scope);
    }

    Arguments arguments(Expr.Args args, Scope scope) {
        if (args.positional().isEmpty() && args.keyword().isEmpty()) {
            return Arguments.NONE;
        }
        List<Object> positional = new ArrayList<>(args.positional().size());
        args.positional().forEach(arg -> positional.add(eval(arg, scope)));
        Map<String, Object> keyword = new LinkedHashMap<>();
        args.keyword().forEach(kw -> keyword.put(kw.name(), eval(kw.value(), scope)));
        return new Arguments(positional, keyword);
    }

    Object call(Object callee, Arguments arguments) {
        return switch (callee) {
            case JinjaCallable function -> function.call(arguments);
            case LoopContext loop when loop.recursion() != null -> loop.recursion().call(arguments);
            case Undefined undefined -> throw undefined.error();
            case null, default -> throw new TemplateRenderException(
                    "'" + PyValues.typeName(callee) + "' object is not callable");
        };
    }

    /** Evaluates a call block's macro call with {@code caller} bound to the block body. */
    Object callWithCaller(Expr.Call call, MacroValue caller, Scope scope) {
        Arguments arguments = arguments(call.args(), scope);
        Map<String, Object> keyword = new LinkedHashMap<>(arguments.keyword());
        keyword.put("caller", caller);
        return call(eval(call.callee(), scope), new Arguments(arguments.positional(), keyword));
    }

    Object applyFilter(Expr.FilterSpec filter, Object value, Scope scope) {
        return Filters.apply(filter.name(), value, arguments(filter.args(), scope));
    }
}
