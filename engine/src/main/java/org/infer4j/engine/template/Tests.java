package org.infer4j.engine.template;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** jinja2's built-in tests, used as {@code x is name(args)} and by select/reject/selectattr. */
final class Tests {

    private Tests() {
    }

    private static final Set<String> NAMES = Set.of("defined", "undefined", "none", "string", "number",
            "integer", "float", "boolean", "true", "false", "mapping", "iterable", "sequence", "callable",
            "sameas", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan",
            ">", "ge", ">=", "in", "even", "odd", "divisibleby", "lower", "upper", "escaped", "filter", "test");

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static boolean apply(String name, Object value, Arguments args) {
        return switch (name) {
            case "defined" -> !(value instanceof Undefined);
            case "undefined" -> value instanceof Undefined;
            case "none" -> value == null;
            case "string" -> value instanceof String;
            // Python's bool is a Number (so "true is number"), but jinja2 excludes it from integer.
            case "number" -> PyValues.isNumber(value);
            case "integer" -> value instanceof Long;
            case "float" -> value instanceof Double;
            case "boolean" -> value instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(value);
            case "false" -> Boolean.FALSE.equals(value);
            case "mapping" -> value instanceof Map<?, ?>;
            case "iterable" -> value instanceof String || value instanceof Collection<?> || value instanceof Map<?, ?>
                    || value instanceof Undefined;
            case "sequence" -> value instanceof String || value instanceof List<?> || value instanceof Map<?, ?>
                    || value instanceof Undefined;
            case "callable" -> value instanceof JinjaCallable
                    || (value instanceof LoopContext loop && loop.recursion() != null);
            case "sameas" -> value == argument(args, name) || (value != null && isImmutableScalar(value)
                    && PyValues.equal(value, argument(args, name)) && sameType(value, argument(args, name)));
            case "eq", "equalto", "==" -> PyValues.equal(value, argument(args, name));
            case "ne", "!=" -> !PyValues.equal(value, argument(args, name));
            case "lt", "lessthan", "<" -> PyValues.compare(value, argument(args, name)) < 0;
            case "le", "<=" -> PyValues.compare(value, argument(args, name)) <= 0;
            case "gt", "greaterthan", ">" -> PyValues.compare(value, argument(args, name)) > 0;
            case "ge", ">=" -> PyValues.compare(value, argument(args, name)) >= 0;
            case "in" -> PyValues.contains(argument(args, name), value);
            case "even" -> PyValues.toLong(integral(value)) % 2 == 0;
            case "odd" -> PyValues.toLong(integral(value)) % 2 != 0;
            case "divisibleby" -> {
                long divisor = PyValues.toLong(argument(args, name));
                if (divisor == 0) {
                    throw new TemplateRenderException("integer division or modulo by zero");
                }
                yield PyValues.toLong(integral(value)) % divisor == 0;
            }
            case "lower" -> value instanceof String s && s.equals(s.toLowerCase());
            case "upper" -> value instanceof String s && s.equals(s.toUpperCase());
            case "escaped" -> false;
            case "filter" -> value instanceof String s && Filters.exists(s);
            case "test" -> value instanceof String s && exists(s);
            default -> throw new TemplateRenderException("no test named '" + name + "'");
        };
    }

    private static Object argument(Arguments args, String test) {
        if (args.positional().isEmpty()) {
            throw new TemplateRenderException("test '" + test + "' needs an argument");
        }
        return args.positional().getFirst();
    }

    private static Object integral(Object value) {
        if (value instanceof Double d && d == Math.floor(d)) {
            return (long) (double) d;
        }
        if (value instanceof Undefined u) {
            throw u.error();
        }
        return value;
    }

    /** Python caches small ints and interns bools/None, so "is" on equal scalars is usually true. */
    private static boolean isImmutableScalar(Object value) {
        return value instanceof Boolean || value instanceof Long || value instanceof String;
    }

    private static boolean sameType(Object a, Object b) {
        return b != null && a.getClass() == b.getClass();
    }
}
