package org.infer4j.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The two Python string formatting mini-languages templates reach for: {@code 'a %s' % x} (also
 * the {@code format} filter) and {@code '{} {name}'.format(...)}. Conversions cover s, r, d, i, f,
 * x and %; fill, alignment and width are supported, which is what real templates use.
 */
final class PyFormat {

    private PyFormat() {
    }

    /** {@code format % values}: a tuple/list supplies positional values, a dict named ones. */
    static String percent(String format, Object values) {
        // Only a tuple spreads over several conversions; a list is one value, as in Python.
        List<Object> positional = values instanceof PyTuple tuple ? new ArrayList<>(tuple) : null;
        Map<?, ?> named = values instanceof Map<?, ?> map ? map : null;
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (++i >= format.length()) {
                throw new TemplateRenderException("incomplete format");
            }
            Object value;
            if (format.charAt(i) == '(') {
                int close = format.indexOf(')', i);
                if (named == null || close < 0) {
                    throw new TemplateRenderException("format requires a mapping");
                }
                value = named.get(format.substring(i + 1, close));
                i = close + 1;
            } else if (format.charAt(i) == '%') {
                out.append('%');
                continue;
            } else if (positional != null) {
                if (next >= positional.size()) {
                    throw new TemplateRenderException("not enough arguments for format string");
                }
                value = positional.get(next++);
            } else {
                if (next++ > 0) {
                    throw new TemplateRenderException("not enough arguments for format string");
                }
                value = values;
            }
            int specStart = i;
            while (i < format.length() && "-+ #0123456789.".indexOf(format.charAt(i)) >= 0) {
                i++;
            }
            if (i >= format.length()) {
                throw new TemplateRenderException("incomplete format");
            }
            out.append(convert(format.charAt(i), format.substring(specStart, i), value));
        }
        return out.toString();
    }

    private static String convert(char conversion, String flags, Object value) {
        boolean leftAlign = flags.contains("-");
        String digits = flags.replace("-", "").replace("+", "").replace(" ", "").replace("#", "");
        boolean zeroPad = digits.startsWith("0");
        int dot = digits.indexOf('.');
        String widthText = dot >= 0 ? digits.substring(0, dot) : digits;
        int width = widthText.isEmpty() ? 0 : Integer.parseInt(widthText);
        Integer precision = dot >= 0 ? Integer.parseInt(digits.substring(dot + 1).isEmpty() ? "0" : digits.substring(dot + 1)) : null;
        String text = switch (conversion) {
            case 's' -> PyValues.str(value);
            case 'r' -> PyValues.repr(value);
            case 'd', 'i' -> Long.toString(value instanceof Double d ? (long) (double) d : PyValues.toLong(value));
            case 'f', 'F' -> String.format(Locale.ROOT, "%." + (precision == null ? 6 : precision) + "f", PyValues.toDouble(value));
            case 'x' -> Long.toHexString(PyValues.toLong(value));
            case 'X' -> Long.toHexString(PyValues.toLong(value)).toUpperCase(Locale.ROOT);
            default -> throw new TemplateRenderException("unsupported format character '" + conversion + "'");
        };
        if (conversion == 's' && precision != null && text.length() > precision) {
            text = text.substring(0, precision);
        }
        return pad(text, width, leftAlign ? '<' : '>', zeroPad && !leftAlign && conversion != 's' ? "0" : " ");
    }

    /** {@code str.format}: {@code {}}, {@code {0}}, {@code {name}}, {@code {name.attr}}, {@code {:>10}}. */
    static String format(String template, Arguments args) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '{' && i + 1 < template.length() && template.charAt(i + 1) == '{') {
                out.append('{');
                i++;
            } else if (c == '}' && i + 1 < template.length() && template.charAt(i + 1) == '}') {
                out.append('}');
                i++;
            } else if (c == '{') {
                int close = template.indexOf('}', i);
                if (close < 0) {
                    throw new TemplateRenderException("single '{' encountered in format string");
                }
                String field = template.substring(i + 1, close);
                int colon = field.indexOf(':');
                String spec = colon >= 0 ? field.substring(colon + 1) : "";
                String reference = colon >= 0 ? field.substring(0, colon) : field;
                boolean repr = reference.endsWith("!r");
                reference = reference.replaceAll("![rsa]$", "");
                Object value = resolveField(reference, args, auto);
                if (reference.isEmpty()) {
                    auto++;
                }
                out.append(applySpec(repr ? PyValues.repr(value) : value, spec));
                i = close;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Object resolveField(String reference, Arguments args, int auto) {
        String[] path = reference.split("\\.");
        String head = path[0];
        Object value;
        if (head.isEmpty()) {
            value = positional(args, auto);
        } else if (head.chars().allMatch(Character::isDigit)) {
            value = positional(args, Integer.parseInt(head));
        } else if (args.keyword().containsKey(head)) {
            value = args.keyword().get(head);
        } else {
            throw new TemplateRenderException("KeyError: '" + head + "'");
        }
        for (int p = 1; p < path.length; p++) {
            value = Lookup.attribute(value, path[p]);
        }
        return value;
    }

    private static Object positional(Arguments args, int index) {
        if (index >= args.positional().size()) {
            throw new TemplateRenderException("Replacement index " + index + " out of range for positional args tuple");
        }
        return args.positional().get(index);
    }

    private static String applySpec(Object value, String spec) {
        if (spec.isEmpty()) {
            return PyValues.str(value);
        }
        char fill = ' ';
        char align = value instanceof String ? '<' : '>';
        int i = 0;
        if (spec.length() >= 2 && "<>^".indexOf(spec.charAt(1)) >= 0) {
            fill = spec.charAt(0);
            align = spec.charAt(1);
            i = 2;
        } else if ("<>^".indexOf(spec.charAt(0)) >= 0) {
            align = spec.charAt(0);
            i = 1;
        }
        String rest = spec.substring(i);
        char type = !rest.isEmpty() && Character.isLetter(rest.charAt(rest.length() - 1)) ? rest.charAt(rest.length() - 1) : 0;
        String numbers = type == 0 ? rest : rest.substring(0, rest.length() - 1);
        int dot = numbers.indexOf('.');
        String widthText = dot >= 0 ? numbers.substring(0, dot) : numbers;
        int width = widthText.isEmpty() ? 0 : Integer.parseInt(widthText);
        String text = switch (type) {
            case 'f' -> String.format(Locale.ROOT, "%." + (dot >= 0 ? numbers.substring(dot + 1) : "6") + "f", PyValues.toDouble(value));
            case 'd' -> Long.toString(PyValues.toLong(value));
            case 's', 0 -> PyValues.str(value);
            default -> throw new TemplateRenderException("unsupported format spec '" + spec + "'");
        };
        return pad(text, width, align, String.valueOf(fill));
    }

    private static String pad(String text, int width, char align, String fill) {
        int missing = width - PyValues.length(text);
        if (missing <= 0) {
            return text;
        }
        return switch (align) {
            case '<' -> text + fill.repeat(missing);
            case '^' -> fill.repeat(missing / 2) + text + fill.repeat(missing - missing / 2);
            default -> fill.repeat(missing) + text;
        };
    }
}
