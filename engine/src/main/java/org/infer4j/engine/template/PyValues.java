package org.infer4j.engine.template;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python semantics for the plain Java values templates work on: truthiness, {@code str()} and
 * {@code repr()} printing, equality and ordering, iteration and length.
 *
 * <p>The value model: {@code null} is None, {@link Boolean}, {@link Long} (every integer),
 * {@link Double}, {@link String}, {@link List} (a {@link PyTuple} prints as a tuple), {@link Map}
 * with insertion order, plus {@link Undefined}, {@link Namespace}, {@link LoopContext} and
 * {@link JinjaCallable}.
 */
final class PyValues {

    /** Containers nested deeper than this are refused when printing or comparing (cycles via namespaces). */
    private static final int MAX_DEPTH = 256;

    private PyValues() {
    }

    /** Converts a caller's Java value into the template value model, copying containers. */
    static Object normalize(Object value) {
        return normalize(value, 0);
    }

    private static Object normalize(Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new TemplateRenderException("template variable nested too deeply");
        }
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case Double d -> d;
            case Float f -> f.doubleValue();
            case java.math.BigInteger big -> big.longValueExact();
            case BigDecimal big -> big.doubleValue();
            case Character c -> String.valueOf(c);
            case Map<?, ?> map -> {
                Map<Object, Object> copy = new LinkedHashMap<>();
                map.forEach((k, v) -> copy.put(normalize(k, depth + 1), normalize(v, depth + 1)));
                yield copy;
            }
            case Collection<?> list -> {
                List<Object> copy = new ArrayList<>(list.size());
                list.forEach(item -> copy.add(normalize(item, depth + 1)));
                yield copy;
            }
            case Object[] array -> normalize(List.of(array), depth);
            case Undefined u -> u;
            case Namespace n -> n;
            case JinjaCallable c -> c;
            default -> throw new TemplateRenderException(
                    "unsupported template variable type " + value.getClass().getName());
        };
    }

    static boolean truthy(Object value) {
        return switch (value) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            default -> true;
        };
    }

    static boolean isNumber(Object value) {
        return value instanceof Long || value instanceof Double || value instanceof Boolean;
    }

    /** Python's {@code type(x).__name__}, for error messages. */
    static String typeName(Object value) {
        return switch (value) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case String s -> "str";
            case PyTuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Undefined u -> "Undefined";
            case Namespace n -> "Namespace";
            case LoopContext l -> "LoopContext";
            default -> "function";
        };
    }

    /** Python's {@code str(x)}, which is what {@code {{ x }}} prints. */
    static String str(Object value) {
        return switch (value) {
            case String s -> s;
            case Undefined u -> "";
            case null, default -> repr(value);
        };
    }

    /** Python's {@code repr(x)}, used for values inside printed containers. */
    static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        appendRepr(out, value, 0);
        return out.toString();
    }

    private static void appendRepr(StringBuilder out, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new TemplateRenderException("value nested too deeply to print");
        }
        switch (value) {
            case null -> out.append("None");
            case Boolean b -> out.append(b ? "True" : "False");
            case Long l -> out.append(l);
            case Double d -> out.append(formatFloat(d));
            case String s -> appendQuoted(out, s);
            case Undefined u -> out.append("Undefined");
            case PyTuple t -> {
                out.append('(');
                appendItems(out, t, depth);
                out.append(t.size() == 1 ? ",)" : ")");
            }
            case List<?> l -> {
                out.append('[');
                appendItems(out, l, depth);
                out.append(']');
            }
            case Map<?, ?> m -> appendDict(out, m, depth);
            case Namespace n -> {
                out.append("<Namespace ");
                appendDict(out, n.attributes(), depth);
                out.append('>');
            }
            case LoopContext l -> out.append("<LoopContext ").append(l.index()).append('/').append(l.length()).append('>');
            default -> out.append("<function>");
        }
    }

    private static void appendItems(StringBuilder out, List<?> items, int depth) {
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            appendRepr(out, items.get(i), depth + 1);
        }
    }

    private static void appendDict(StringBuilder out, Map<?, ?> map, int depth) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!first) {
                out.append(", ");
            }
            first = false;
            appendRepr(out, e.getKey(), depth + 1);
            out.append(": ");
            appendRepr(out, e.getValue(), depth + 1);
        }
        out.append('}');
    }

    /** Python quotes with ' unless the text contains ' but no ". */
    private static void appendQuoted(StringBuilder out, String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (cp == quote) {
                        out.append('\\').append(quote);
                    } else if (isPrintable(cp)) {
                        out.appendCodePoint(cp);
                    } else if (cp < 0x100) {
                        out.append(String.format("\\x%02x", cp));
                    } else if (cp < 0x10000) {
                        out.append(String.format("\\u%04x", cp));
                    } else {
                        out.append(String.format("\\U%08x", cp));
                    }
                }
            }
        }
        out.append(quote);
    }

    /** An approximation of Python's str.isprintable: controls, separators other than space, unassigned. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /**
     * Python's float repr: the shortest digits that round-trip (which Java's Double.toString also
     * produces), laid out positionally for exponents -4..15 and in scientific form otherwise.
     */
    static String formatFloat(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int exponent = digits.length() - 1 - exact.scale();
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (exponent >= -4 && exponent < 16) {
            if (exponent < 0) {
                out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
            } else if (digits.length() <= exponent + 1) {
                out.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
            } else {
                out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int abs = Math.abs(exponent);
            out.append(abs < 10 ? "0" : "").append(abs);
        }
        return out.toString();
    }

    /** Python's {@code ==}: numbers by value (True == 1), containers element-wise. */
    static boolean equal(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return toDouble(a) == toDouble(b);
            }
            return toLong(a) == toLong(b);
        }
        return switch (a) {
            case null -> false;
            case String s -> s.equals(b);
            case List<?> l when b instanceof List<?> o && (l instanceof PyTuple) == (o instanceof PyTuple) ->
                    listsEqual(l, o);
            case Map<?, ?> m when b instanceof Map<?, ?> o -> mapsEqual(m, o);
            case Undefined u -> b instanceof Undefined;
            default -> a.equals(b);
        };
    }

    private static boolean listsEqual(List<?> a, List<?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!equal(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean mapsEqual(Map<?, ?> a, Map<?, ?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<?, ?> e : a.entrySet()) {
            if (!b.containsKey(e.getKey()) || !equal(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Python's ordering ({@code <}); comparing unrelated types is a TypeError as in Python. */
    static int compare(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return Double.compare(toDouble(a), toDouble(b));
            }
            return Long.compare(toLong(a), toLong(b));
        }
        if (a instanceof String x && b instanceof String y) {
            return compareCodePoints(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!equal(x.get(i), y.get(i))) {
                    return compare(x.get(i), y.get(i));
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateRenderException("'<' not supported between instances of '"
                + typeName(a) + "' and '" + typeName(b) + "'");
    }

    /** Python compares strings by code point; Java's compareTo by UTF-16 unit. */
    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    static long toLong(Object number) {
        return switch (number) {
            case Boolean b -> b ? 1 : 0;
            case Long l -> l;
            case null, default -> throw new TemplateRenderException("expected an integer, got " + typeName(number));
        };
    }

    static double toDouble(Object number) {
        return switch (number) {
            case Boolean b -> b ? 1 : 0;
            case Long l -> l;
            case Double d -> d;
            case null, default -> throw new TemplateRenderException("expected a number, got " + typeName(number));
        };
    }

    /** An integer argument such as an index or a count (Python accepts bools there too). */
    static int toInt(Object number) {
        long value = toLong(number);
        if (value != (int) value) {
            throw new TemplateRenderException("integer " + value + " is out of range");
        }
        return (int) value;
    }

    /** What {@code for x in value} visits: list items, dict keys, string characters. */
    static List<Object> iterate(Object value) {
        return switch (value) {
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> characters(s);
            case Undefined u -> List.of();
            case null, default -> throw new TemplateRenderException("'" + typeName(value) + "' object is not iterable");
        };
    }

    static List<Object> characters(String s) {
        List<Object> chars = new ArrayList<>(s.length());
        s.codePoints().forEach(cp -> chars.add(Character.toString(cp)));
        return chars;
    }

    /** Python's {@code len(x)}; jinja2's Undefined has length 0. */
    static int length(Object value) {
        return switch (value) {
            case String s -> s.codePointCount(0, s.length());
            case Collection<?> c -> c.size();
            case Map<?, ?> m -> m.size();
            case Namespace n -> n.attributes().size();
            case Undefined u -> 0;
            case null, default -> throw new TemplateRenderException("object of type '" + typeName(value) + "' has no len()");
        };
    }

    /** Python's {@code x in container}. */
    static boolean contains(Object container, Object item) {
        return switch (container) {
            case String s when item instanceof String sub -> s.contains(sub);
            case String s -> throw new TemplateRenderException(
                    "'in <string>' requires string as left operand, not " + typeName(item));
            case List<?> l -> l.stream().anyMatch(x -> equal(x, item));
            case Map<?, ?> m -> m.keySet().stream().anyMatch(k -> equal(k, item));
            case Undefined u -> false;
            case null, default -> throw new TemplateRenderException(
                    "argument of type '" + typeName(container) + "' is not iterable");
        };
    }
}
