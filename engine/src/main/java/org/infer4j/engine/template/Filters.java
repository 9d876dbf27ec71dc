package org.infer4j.engine.template;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jinja2's built-in filters ({@code value | name(args)}), with Hugging Face's {@code tojson}.
 * Filters that return generators in jinja2 (map, select, ...) return lists here; templates consume
 * them with {@code list}, {@code join} or a loop either way.
 */
final class Filters {

    private static final Set<String> NAMES = Set.of("abs", "attr", "batch", "capitalize", "center", "count",
            "d", "default", "dictsort", "e", "escape", "first", "float", "forceescape", "format", "indent",
            "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "pprint", "reject",
            "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort",
            "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
            "wordcount", "groupby");
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern TAGS = Pattern.compile("(<!--.*?-->|<[^>]*>)", Pattern.DOTALL);

    private Filters() {
    }

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static Object apply(String name, Object value, Arguments args) {
        return switch (name) {
            case "abs" -> switch (value) {
                case Long l -> Math.abs(l);
                case Double d -> Math.abs(d);
                case Boolean b -> b ? 1L : 0L;
                case null, default -> throw new TemplateRenderException(
                        "bad operand type for abs(): '" + PyValues.typeName(value) + "'");
            };
            case "attr" -> Lookup.attribute(value, Methods.string(args.require(0, "name", name)));
            case "batch" -> batch(value, PyValues.toInt(args.require(0, "linecount", name)), args.get(1, "fill_with", null), args.size() > 1);
            case "capitalize" -> PyStrings.capitalize(PyValues.str(value));
            case "center" -> PyStrings.center(PyValues.str(value), PyValues.toInt(args.get(0, "width", 80L)), " ");
            case "count", "length" -> (long) PyValues.length(value);
            case "d", "default" -> {
                Object fallback = args.get(0, "default_value", "");
                boolean bool = PyValues.truthy(args.get(1, "boolean", false));
                yield value instanceof Undefined || (bool && !PyValues.truthy(value)) ? fallback : value;
            }
            case "dictsort" -> dictsort(value, args);
            case "e", "escape", "forceescape" -> escape(PyValues.str(value));
            case "first" -> {
                List<Object> items = PyValues.iterate(value);
                yield items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.getFirst();
            }
            case "last" -> {
                List<Object> items = PyValues.iterate(value);
                yield items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.getLast();
            }
            case "float" -> toFloat(value, args.get(0, "default", 0.0));
            case "format" -> PyFormat.percent(PyValues.str(value), args.keyword().isEmpty()
                    ? new PyTuple(args.positional()) : new LinkedHashMap<Object, Object>(args.keyword()));
            case "groupby" -> groupby(value, args);
            case "indent" -> indent(PyValues.str(value), args.get(0, "width", 4L),
                    PyValues.truthy(args.get(1, "first", false)), PyValues.truthy(args.get(2, "blank", false)));
            case "int" -> toInt(value, args.get(0, "default", 0L), PyValues.toInt(args.get(1, "base", 10L)));
            case "items" -> switch (value) {
                case Undefined u -> List.of();
                case Map<?, ?> map -> {
                    List<Object> pairs = new ArrayList<>();
                    map.forEach((k, v) -> pairs.add(PyTuple.of(k, v)));
                    yield pairs;
                }
                case null, default -> throw new TemplateRenderException("Can only get item pairs from a mapping.");
            };
            case "join" -> join(value, args);
            case "list" -> PyValues.iterate(value);
            case "lower" -> PyValues.str(value).toLowerCase();
            case "upper" -> PyValues.str(value).toUpperCase();
            case "map" -> map(value, args);
            case "max", "min" -> extreme(value, args, name.equals("max"));
            case "pprint" -> PyValues.repr(value);
            case "select", "reject" -> selectItems(value, args, 0, name.equals("select"), null);
            case "selectattr", "rejectattr" -> selectItems(value, args, 1, name.equals("selectattr"),
                    Methods.string(args.require(0, "attribute", name)));
            case "replace" -> {
                Object count = args.get(2, "count", null);
                yield Methods.replace(PyValues.str(value), PyValues.str(args.require(0, "old", name)),
                        PyValues.str(args.require(1, "new", name)), count == null ? -1 : PyValues.toLong(count));
            }
            case "reverse" -> {
                if (value instanceof String s) {
                    yield String.join("", PyValues.characters(s).reversed().stream().map(String.class::cast).toList());
                }
                yield new ArrayList<>(PyValues.iterate(value).reversed());
            }
            case "round" -> round(value, PyValues.toInt(args.get(0, "precision", 0L)), PyValues.str(args.get(1, "method", "common")));
            case "safe" -> value;
            case "slice" -> slice(value, PyValues.toInt(args.require(0, "slices", name)), args.get(1, "fill_with", null), args.size() > 1);
            case "sort" -> sort(value, PyValues.truthy(args.get(0, "reverse", false)),
                    PyValues.truthy(args.get(1, "case_sensitive", false)), args.get(2, "attribute", null));
            case "string" -> PyValues.str(value);
            case "striptags" -> String.join(" ", PyStrings.split(unescape(TAGS.matcher(PyValues.str(value)).replaceAll("")), null, -1)
                    .stream().map(String.class::cast).toList());
            case "sum" -> sum(value, args.get(0, "attribute", null), args.get(1, "start", 0L));
            case "title" -> PyStrings.jinjaTitle(PyValues.str(value));
            case "tojson" -> Json.of(args.get(0, "indent", null), args.keyword().get("separators"),
                    PyValues.truthy(args.keyword().getOrDefault("sort_keys", false)),
                    PyValues.truthy(args.keyword().getOrDefault("ensure_ascii", false))).write(value);
            case "trim" -> PyStrings.strip(PyValues.str(value), args.get(0, "chars", null) == null ? null
                    : Methods.string(args.get(0, "chars", null)), true, true);
            case "truncate" -> truncate(PyValues.str(value), PyValues.toInt(args.get(0, "length", 255L)),
                    PyValues.truthy(args.get(1, "killwords", false)), PyValues.str(args.get(2, "end", "...")),
                    args.get(3, "leeway", 5L));
            case "unique" -> unique(value, PyValues.truthy(args.get(0, "case_sensitive", false)), args.get(1, "attribute", null));
            case "wordcount" -> {
                Matcher words = WORD.matcher(PyValues.str(value));
                long count = 0;
                while (words.find()) {
                    count++;
                }
                yield count;
            }
            default -> throw new TemplateRenderException("no filter named '" + name + "'");
        };
    }

    // ---- attribute paths ("a.b", "0") used by map, sort, selectattr, ...

    static Object attributePath(Object item, Object path) {
        if (path instanceof Long index) {
            return Lookup.item(item, index);
        }
        Object current = item;
        for (String part : PyValues.str(path).split("\\.")) {
            current = part.chars().allMatch(Character::isDigit) && !part.isEmpty()
                    ? Lookup.item(current, Long.parseLong(part))
                    : Lookup.item(current, part);
        }
        return current;
    }

    /** Sort key with jinja2's default case-insensitivity for strings. */
    private static Object sortKey(Object value, boolean caseSensitive) {
        return !caseSensitive && value instanceof String s ? s.toLowerCase() : value;
    }

    private static Comparator<Object> ordering(boolean caseSensitive, Object attribute) {
        return (a, b) -> PyValues.compare(
                sortKey(attribute == null ? a : attributePath(a, attribute), caseSensitive),
                sortKey(attribute == null ? b : attributePath(b, attribute), caseSensitive));
    }

    private static List<Object> sort(Object value, boolean reverse, boolean caseSensitive, Object attribute) {
        List<Object> items = new ArrayList<>(PyValues.iterate(value));
        Comparator<Object> order = ordering(caseSensitive, attribute);
        items.sort(reverse ? order.reversed() : order);
        return items;
    }

    private static List<Object> dictsort(Object value, Arguments args) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new TemplateRenderException("dictsort needs a mapping");
        }
        boolean caseSensitive = PyValues.truthy(args.get(0, "case_sensitive", false));
        String by = PyValues.str(args.get(1, "by", "key"));
        boolean reverse = PyValues.truthy(args.get(2, "reverse", false));
        int position = switch (by) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw new TemplateRenderException("You can only sort by either \"key\" or \"value\"");
        };
        List<Object> pairs = new ArrayList<>();
        map.forEach((k, v) -> pairs.add(PyTuple.of(k, v)));
        Comparator<Object> order = ordering(caseSensitive, (long) position);
        pairs.sort(reverse ? order.reversed() : order);
        return pairs;
    }

    private static List<Object> unique(Object value, boolean caseSensitive, Object attribute) {
        List<Object> seen = new ArrayList<>();
        List<Object> result = new ArrayList<>();
        for (Object item : PyValues.iterate(value)) {
            Object key = sortKey(attribute == null ? item : attributePath(item, attribute), caseSensitive);
            if (seen.stream().noneMatch(s -> PyValues.equal(s, key))) {
                seen.add(key);
                result.add(item);
            }
        }
        return result;
    }

    private static Object extreme(Object value, Arguments args, boolean max) {
        List<Object> items = PyValues.iterate(value);
        if (items.isEmpty()) {
            return new Undefined("No aggregated item, sequence was empty.");
        }
        Comparator<Object> order = ordering(PyValues.truthy(args.get(0, "case_sensitive", false)), args.get(1, "attribute", null));
        Object best = items.getFirst();
        for (Object item : items) {
            int c = order.compare(item, best);
            if (max ? c > 0 : c < 0) {
                best = item;
            }
        }
        return best;
    }

    private static Object sum(Object value, Object attribute, Object start) {
        Object total = start;
        for (Object item : PyValues.iterate(value)) {
            total = Operators.binary(Expr.BinaryOp.ADD, total, attribute == null ? item : attributePath(item, attribute));
        }
        return total;
    }

    private static String join(Object value, Arguments args) {
        String separator = PyValues.str(args.get(0, "d", ""));
        Object attribute = args.get(1, "attribute", null);
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object item : PyValues.iterate(value)) {
            if (!first) {
                out.append(separator);
            }
            first = false;
            out.append(PyValues.str(attribute == null ? item : attributePath(item, attribute)));
        }
        return out.toString();
    }

    /** {@code map(attribute='x', default=...)} or {@code map('filter', args...)}. */
    private static List<Object> map(Object value, Arguments args) {
        List<Object> result = new ArrayList<>();
        if (args.positional().isEmpty() && args.keyword().containsKey("attribute")) {
            Object attribute = args.keyword().get("attribute");
            Object fallback = args.keyword().get("default");
            for (Object item : PyValues.iterate(value)) {
                Object mapped = attributePath(item, attribute);
                result.add(mapped instanceof Undefined && args.keyword().containsKey("default") ? fallback : mapped);
            }
            return result;
        }
        String filter = Methods.string(args.require(0, "filter", "map"));
        Arguments rest = new Arguments(args.rest(1), args.keyword());
        for (Object item : PyValues.iterate(value)) {
            result.add(apply(filter, item, rest));
        }
        return result;
    }

    /**
     * select/reject (attribute null) and selectattr/rejectattr: keep items whose value (or
     * attribute) passes the named test, or is truthy when no test is named.
     */
    private static List<Object> selectItems(Object value, Arguments args, int testIndex, boolean keep,
                                            String attribute) {
        String test = testIndex < args.positional().size() ? Methods.string(args.positional().get(testIndex)) : null;
        Arguments testArgs = new Arguments(args.rest(testIndex + 1), Map.of());
        List<Object> result = new ArrayList<>();
        for (Object item : PyValues.iterate(value)) {
            Object subject = attribute == null ? item : attributePath(item, attribute);
            boolean passes = test == null ? PyValues.truthy(subject) : Tests.apply(test, subject, testArgs);
            if (passes == keep) {
                result.add(item);
            }
        }
        return result;
    }

    private static List<Object> groupby(Object value, Arguments args) {
        Object attribute = args.require(0, "attribute", "groupby");
        Map<Object, List<Object>> groups = new LinkedHashMap<>();
        for (Object item : sort(value, false, true, attribute)) {
            Object key = attributePath(item, attribute);
            Object existing = groups.keySet().stream().filter(k -> PyValues.equal(k, key)).findFirst().orElse(key);
            groups.computeIfAbsent(existing, k -> new ArrayList<>()).add(item);
        }
        List<Object> result = new ArrayList<>();
        groups.forEach((k, items) -> result.add(PyTuple.of(k, items)));
        return result;
    }

    private static List<Object> batch(Object value, int size, Object fill, boolean hasFill) {
        if (size <= 0) {
            throw new TemplateRenderException("batch size must be positive");
        }
        List<Object> batches = new ArrayList<>();
        List<Object> current = new ArrayList<>();
        for (Object item : PyValues.iterate(value)) {
            current.add(item);
            if (current.size() == size) {
                batches.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            while (hasFill && current.size() < size) {
                current.add(fill);
            }
            batches.add(current);
        }
        return batches;
    }

    /** Splits into {@code slices} columns, the first ones one longer, as jinja2's slice filter. */
    private static List<Object> slice(Object value, int slices, Object fill, boolean hasFill) {
        if (slices <= 0) {
            throw new TemplateRenderException("slice count must be positive");
        }
        List<Object> items = PyValues.iterate(value);
        int perSlice = items.size() / slices;
        int withExtra = items.size() % slices;
        List<Object> result = new ArrayList<>();
        int offset = 0;
        for (int i = 0; i < slices; i++) {
            int start = offset + i * perSlice;
            if (i < withExtra) {
                offset++;
            }
            int end = offset + (i + 1) * perSlice;
            List<Object> column = new ArrayList<>(items.subList(start, end));
            if (hasFill && i >= withExtra) {
                column.add(fill);
            }
            result.add(column);
        }
        return result;
    }

    /** jinja2's indent: the text gets a trailing newline before splitting, so a final empty line is kept. */
    private static String indent(String text, Object width, boolean first, boolean blank) {
        String indentation = width instanceof String s ? s : " ".repeat(PyValues.toInt(width));
        List<Object> lines = PyStrings.splitlines(text + "\n");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = (String) lines.get(i);
            if (i > 0) {
                out.append('\n');
                if (blank || !line.isEmpty()) {
                    out.append(indentation);
                }
            }
            out.append(line);
        }
        return (first ? indentation : "") + out;
    }

    private static Object round(Object value, int precision, String method) {
        if (value instanceof Long || value instanceof Boolean) {
            // Python's round() of an int stays an int.
            return method.equals("common") ? (Object) PyValues.toLong(value) : (Object) PyValues.toDouble(value);
        }
        double number = PyValues.toDouble(value);
        if (Double.isNaN(number) || Double.isInfinite(number)) {
            return number;
        }
        RoundingMode mode = switch (method) {
            case "common" -> RoundingMode.HALF_EVEN;
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> throw new TemplateRenderException("method must be common, ceil or floor");
        };
        // Python rounds the exact binary value, so new BigDecimal(double), not BigDecimal.valueOf.
        return new BigDecimal(number).setScale(precision, mode).doubleValue();
    }

    private static Object toInt(Object value, Object fallback, int base) {
        return switch (value) {
            case Long l -> l;
            case Boolean b -> b ? 1L : 0L;
            case Double d -> Double.isFinite(d) ? (Object) (long) (double) d : fallback;
            case String s -> {
                String text = PyStrings.strip(s).replace("_", "");
                try {
                    if (base == 16 && (text.startsWith("0x") || text.startsWith("0X"))) {
                        text = text.substring(2);
                    }
                    yield Long.parseLong(text, base);
                } catch (NumberFormatException e) {
                    try {
                        yield (long) Double.parseDouble(text);
                    } catch (NumberFormatException again) {
                        yield fallback;
                    }
                }
            }
            case null, default -> fallback;
        };
    }

    private static Object toFloat(Object value, Object fallback) {
        return switch (value) {
            case Long l -> (double) l;
            case Double d -> d;
            case Boolean b -> b ? 1.0 : 0.0;
            case String s -> {
                try {
                    yield Double.parseDouble(PyStrings.strip(s));
                } catch (NumberFormatException e) {
                    yield fallback;
                }
            }
            case null, default -> fallback;
        };
    }

    private static String truncate(String s, int length, boolean killWords, String end, Object leeway) {
        int lee = PyValues.toInt(leeway);
        if (PyValues.length(s) <= length + lee) {
            return s;
        }
        String cut = s.substring(0, Math.max(0, length - end.length()));
        if (killWords) {
            return cut + end;
        }
        int space = cut.lastIndexOf(' ');
        return (space >= 0 ? cut.substring(0, space) : cut) + end;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&#34;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", "\"").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
    }
}
