package org.infer4j.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code tojson} filter as Hugging Face overrides it: Python's
 * {@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)}. Without
 * indent the separators are {@code ", "} and {@code ": "}; with indent, items end in {@code ","}
 * and nested containers go on their own indented lines. Non-ASCII text is written as is.
 *
 * @param indent      null for single-line output, else the string put before each nesting level
 * @param ensureAscii escape non-ASCII as \\uXXXX (off by default, as in Hugging Face's tojson)
 */
record Json(String indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {

    private static final int MAX_DEPTH = 256;

    static Json of(Object indentArgument, Object separators, boolean sortKeys, boolean ensureAscii) {
        String indent = switch (indentArgument) {
            case null -> null;
            case Long n -> " ".repeat((int) Math.max(0, n));
            case String s -> s;
            default -> throw new TemplateRenderException("tojson indent must be an int or a string");
        };
        String item = indent == null ? ", " : ",";
        String key = ": ";
        if (separators instanceof List<?> pair && pair.size() == 2) {
            item = Methods.string(pair.get(0));
            key = Methods.string(pair.get(1));
        } else if (separators != null) {
            throw new TemplateRenderException("tojson separators must be a pair of strings");
        }
        return new Json(indent, item, key, sortKeys, ensureAscii);
    }

    String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    private void write(StringBuilder out, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new TemplateRenderException("value nested too deeply for tojson");
        }
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b);
            case Long l -> out.append(l);
            case Double d -> out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d)
                    ? (d > 0 ? "Infinity" : "-Infinity") : PyValues.formatFloat(d));
            case String s -> quote(out, s);
            case List<?> list -> writeContainer(out, '[', ']', list.size(), depth, (i, o) -> write(o, list.get(i), depth + 1));
            case Map<?, ?> map -> writeMap(out, map, depth);
            case Namespace n -> writeMap(out, n.attributes(), depth);
            case Undefined u -> throw new TemplateRenderException("Object of type Undefined is not JSON serializable");
            default -> throw new TemplateRenderException(
                    "Object of type " + PyValues.typeName(value) + " is not JSON serializable");
        }
    }

    private void writeMap(StringBuilder out, Map<?, ?> map, int depth) {
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (sortKeys) {
            entries.sort((a, b) -> PyValues.compare(a.getKey(), b.getKey()));
        }
        writeContainer(out, '{', '}', entries.size(), depth, (i, o) -> {
            quote(o, keyText(entries.get(i).getKey()));
            o.append(keySeparator);
            write(o, entries.get(i).getValue(), depth + 1);
        });
    }

    /** JSON object keys are strings; Python converts numbers, bools and None. */
    private static String keyText(Object key) {
        return switch (key) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b.toString();
            case Long l -> l.toString();
            case Double d -> PyValues.formatFloat(d);
            default -> throw new TemplateRenderException("keys must be str, int, float, bool or None, not "
                    + PyValues.typeName(key));
        };
    }

    private interface ItemWriter {
        void write(int index, StringBuilder out);
    }

    private void writeContainer(StringBuilder out, char open, char close, int size, int depth, ItemWriter items) {
        out.append(open);
        if (size == 0) {
            out.append(close);
            return;
        }
        String newline = indent == null ? null : "\n" + indent.repeat(depth + 1);
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                out.append(itemSeparator);
            }
            if (newline != null) {
                out.append(newline);
            }
            items.write(i, out);
        }
        if (newline != null) {
            out.append('\n').append(indent.repeat(depth));
        }
        out.append(close);
    }

    /** JSON string escaping as Python's json module does with ensure_ascii=False. */
    private void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
