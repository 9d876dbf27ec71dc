package org.infer4j.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Python methods templates call on strings, dicts and lists ({@code content.strip()},
 * {@code d.items()}, {@code s.split('</think>')}). Like Hugging Face's immutable sandbox, methods
 * that would modify a list or dict are refused.
 */
final class Methods {

    private static final Set<String> STRING_METHODS = Set.of(
            "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith",
            "replace", "upper", "lower", "title", "capitalize", "swapcase", "casefold", "find", "rfind",
            "index", "rindex", "count", "join", "format", "center", "ljust", "rjust", "zfill",
            "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isspace", "isupper", "islower",
            "istitle", "removeprefix", "removesuffix", "partition", "rpartition", "expandtabs");
    private static final Set<String> DICT_METHODS = Set.of("items", "keys", "values", "get", "copy",
            "pop", "popitem", "setdefault", "update", "clear");
    private static final Set<String> LIST_METHODS = Set.of("index", "count", "copy",
            "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear");
    /** Refused like jinja2's ImmutableSandboxedEnvironment, which Hugging Face renders with. */
    private static final Set<String> MUTATING = Set.of("append", "extend", "insert", "pop", "remove",
            "reverse", "sort", "clear", "popitem", "setdefault", "update");

    private Methods() {
    }

    static boolean has(Object receiver, String name) {
        return switch (receiver) {
            case String s -> STRING_METHODS.contains(name);
            case Map<?, ?> m -> DICT_METHODS.contains(name);
            case List<?> l -> LIST_METHODS.contains(name);
            case null, default -> false;
        };
    }

    static JinjaCallable bind(Object receiver, String name) {
        return arguments -> invoke(receiver, name, arguments);
    }

    private static Object invoke(Object receiver, String name, Arguments args) {
        if (MUTATING.contains(name) && !(receiver instanceof String)) {
            throw new TemplateRenderException("access to " + PyValues.typeName(receiver) + "." + name
                    + "() is unsafe: templates render in an immutable sandbox");
        }
        return switch (receiver) {
            case String s -> stringMethod(s, name, args);
            case Map<?, ?> m -> dictMethod(m, name, args);
            case List<?> l -> listMethod(l, name, args);
            default -> throw new TemplateRenderException("no method " + name);
        };
    }

    private static Object stringMethod(String s, String name, Arguments args) {
        return switch (name) {
            case "strip" -> PyStrings.strip(s, optionalString(args, 0), true, true);
            case "lstrip" -> PyStrings.strip(s, optionalString(args, 0), true, false);
            case "rstrip" -> PyStrings.strip(s, optionalString(args, 0), false, true);
            case "split" -> PyStrings.split(s, (String) args.get(0, "sep", null), maxSplit(args));
            case "rsplit" -> PyStrings.rsplit(s, (String) args.get(0, "sep", null), maxSplit(args));
            case "splitlines" -> PyStrings.splitlines(s);
            case "startswith" -> affix(s, args, true);
            case "endswith" -> affix(s, args, false);
            case "replace" -> replace(s, string(args.require(0, "old", name)), string(args.require(1, "new", name)),
                    PyValues.toLong(args.get(2, "count", -1L)));
            case "upper" -> s.toUpperCase();
            case "lower", "casefold" -> s.toLowerCase();
            case "title" -> PyStrings.pythonTitle(s);
            case "capitalize" -> PyStrings.capitalize(s);
            case "swapcase" -> swapCase(s);
            case "find", "index" -> {
                int found = s.indexOf(string(args.require(0, "sub", name)));
                if (found < 0 && name.equals("index")) {
                    throw new TemplateRenderException("substring not found");
                }
                yield (long) (found < 0 ? -1 : s.codePointCount(0, found));
            }
            case "rfind", "rindex" -> {
                int found = s.lastIndexOf(string(args.require(0, "sub", name)));
                if (found < 0 && name.equals("rindex")) {
                    throw new TemplateRenderException("substring not found");
                }
                yield (long) (found < 0 ? -1 : s.codePointCount(0, found));
            }
            case "count" -> count(s, string(args.require(0, "sub", name)));
            case "join" -> String.join(s, PyValues.iterate(args.require(0, "iterable", name)).stream()
                    .map(Methods::string).toList());
            case "format" -> PyFormat.format(s, args);
            case "center" -> PyStrings.center(s, PyValues.toInt(args.require(0, "width", name)),
                    string(args.get(1, "fillchar", " ")));
            case "ljust", "rjust" -> {
                int width = PyValues.toInt(args.require(0, "width", name));
                String fill = string(args.get(1, "fillchar", " "));
                String padding = fill.repeat(Math.max(0, width - PyValues.length(s)));
                yield name.equals("ljust") ? s + padding : padding + s;
            }
            case "zfill" -> {
                int width = PyValues.toInt(args.require(0, "width", name));
                boolean signed = s.startsWith("-") || s.startsWith("+");
                String digits = signed ? s.substring(1) : s;
                String zeros = "0".repeat(Math.max(0, width - PyValues.length(s)));
                yield (signed ? s.substring(0, 1) : "") + zeros + digits;
            }
            case "isdigit", "isnumeric", "isdecimal" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> PyStrings.isBlank(s);
            case "isupper" -> s.codePoints().anyMatch(Character::isUpperCase) && s.equals(s.toUpperCase());
            case "islower" -> s.codePoints().anyMatch(Character::isLowerCase) && s.equals(s.toLowerCase());
            case "istitle" -> !s.isEmpty() && s.equals(PyStrings.pythonTitle(s)) && s.codePoints().anyMatch(Character::isLetter);
            case "removeprefix" -> {
                String prefix = string(args.require(0, "prefix", name));
                yield s.startsWith(prefix) ? s.substring(prefix.length()) : s;
            }
            case "removesuffix" -> {
                String suffix = string(args.require(0, "suffix", name));
                yield s.endsWith(suffix) && !suffix.isEmpty() ? s.substring(0, s.length() - suffix.length()) : s;
            }
            case "partition", "rpartition" -> {
                String sep = string(args.require(0, "sep", name));
                int found = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (found < 0) {
                    yield name.equals("partition") ? PyTuple.of(s, "", "") : PyTuple.of("", "", s);
                }
                yield PyTuple.of(s.substring(0, found), sep, s.substring(found + sep.length()));
            }
            case "expandtabs" -> s.replace("\t", " ".repeat(PyValues.toInt(args.get(0, "tabsize", 8L))));
            default -> throw new TemplateRenderException("str has no method " + name);
        };
    }

    private static Object dictMethod(Map<?, ?> map, String name, Arguments args) {
        return switch (name) {
            case "items" -> {
                List<Object> items = new ArrayList<>(map.size());
                map.forEach((k, v) -> items.add(PyTuple.of(k, v)));
                yield items;
            }
            case "keys" -> new ArrayList<Object>(map.keySet());
            case "values" -> new ArrayList<Object>(map.values());
            case "get" -> {
                Object key = args.require(0, "key", name);
                yield map.containsKey(key) ? map.get(key) : args.get(1, "default", null);
            }
            case "copy" -> new java.util.LinkedHashMap<Object, Object>(map);
            default -> throw new TemplateRenderException("dict has no method " + name);
        };
    }

    private static Object listMethod(List<?> list, String name, Arguments args) {
        return switch (name) {
            case "index" -> {
                Object item = args.require(0, "value", name);
                for (int i = 0; i < list.size(); i++) {
                    if (PyValues.equal(list.get(i), item)) {
                        yield (long) i;
                    }
                }
                throw new TemplateRenderException(PyValues.repr(item) + " is not in list");
            }
            case "count" -> {
                Object item = args.require(0, "value", name);
                yield list.stream().filter(x -> PyValues.equal(x, item)).count();
            }
            case "copy" -> new ArrayList<Object>(list);
            default -> throw new TemplateRenderException("list has no method " + name);
        };
    }

    private static String optionalString(Arguments args, int index) {
        Object value = args.get(index, "chars", null);
        return value == null ? null : string(value);
    }

    private static int maxSplit(Arguments args) {
        return PyValues.toInt(args.get(1, "maxsplit", -1L));
    }

    private static boolean affix(String s, Arguments args, boolean prefix) {
        Object candidates = args.require(0, prefix ? "prefix" : "suffix", prefix ? "startswith" : "endswith");
        List<Object> options = candidates instanceof List<?> list ? new ArrayList<>(list) : List.of(candidates);
        for (Object option : options) {
            String text = string(option);
            if (prefix ? s.startsWith(text) : s.endsWith(text)) {
                return true;
            }
        }
        return false;
    }

    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            if (old.isEmpty()) {
                return replace(s, old, replacement, Long.MAX_VALUE);
            }
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        long done = 0;
        if (old.isEmpty()) {
            // Python inserts the replacement between every character, including both ends.
            List<Object> chars = PyValues.characters(s);
            for (Object c : chars) {
                if (done++ < count) {
                    out.append(replacement);
                }
                out.append(c);
            }
            if (done < count) {
                out.append(replacement);
            }
            return out.toString();
        }
        int found;
        while (done < count && (found = s.indexOf(old, start)) >= 0) {
            out.append(s, start, found).append(replacement);
            start = found + old.length();
            done++;
        }
        return out.append(s.substring(start)).toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return PyValues.length(s) + 1;
        }
        long count = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
            count++;
        }
        return count;
    }

    private static String swapCase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> out.appendCodePoint(
                Character.isUpperCase(cp) ? Character.toLowerCase(cp) : Character.toUpperCase(cp)));
        return out.toString();
    }

    /** Python methods that need str arguments raise TypeError for anything else. */
    static String string(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateRenderException("expected str, got " + PyValues.typeName(value));
    }
}
