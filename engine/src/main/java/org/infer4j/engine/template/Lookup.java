package org.infer4j.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Attribute, item and slice access with jinja2's rules: {@code x.name} prefers a Python attribute
 * (so {@code d.items} is the dict method) then falls back to the item; {@code x[key]} prefers the
 * item; a miss is {@link Undefined}, and only dereferencing an undefined value is an error.
 */
final class Lookup {

    private Lookup() {
    }

    static Object attribute(Object target, String name) {
        return switch (target) {
            case Undefined undefined -> throw undefined.error();
            case Map<?, ?> map -> {
                if (Methods.has(map, name)) {
                    yield Methods.bind(map, name);
                }
                yield map.containsKey(name) ? map.get(name) : Undefined.attribute(map, name);
            }
            case Namespace namespace -> namespace.get(name);
            case HasAttributes object -> object.attribute(name);
            case null -> Undefined.attribute(null, name);
            default -> Methods.has(target, name) ? Methods.bind(target, name) : Undefined.attribute(target, name);
        };
    }

    static Object item(Object target, Object key) {
        return switch (target) {
            case Undefined undefined -> throw undefined.error();
            case Map<?, ?> map -> {
                if (map.containsKey(key)) {
                    yield map.get(key);
                }
                yield key instanceof String name && Methods.has(map, name)
                        ? Methods.bind(map, name)
                        : new Undefined("'dict object' has no attribute " + PyValues.repr(key));
            }
            case List<?> list when key instanceof Long || key instanceof Boolean -> {
                long index = PyValues.toLong(key);
                long resolved = index < 0 ? index + list.size() : index;
                yield resolved >= 0 && resolved < list.size()
                        ? list.get((int) resolved)
                        : new Undefined(PyValues.typeName(list) + " object has no element " + index);
            }
            case String text when key instanceof Long || key instanceof Boolean -> {
                List<Object> chars = PyValues.characters(text);
                long index = PyValues.toLong(key);
                long resolved = index < 0 ? index + chars.size() : index;
                yield resolved >= 0 && resolved < chars.size()
                        ? chars.get((int) resolved)
                        : new Undefined("str object has no element " + index);
            }
            case null -> new Undefined("'None' has no attribute " + PyValues.repr(key));
            default -> key instanceof String name ? attribute(target, name) : Undefined.attribute(target, key);
        };
    }

    /** Python slicing {@code target[start:stop:step]} of a list, tuple or string. */
    static Object slice(Object target, Object start, Object stop, Object step) {
        List<Object> items = switch (target) {
            case String text -> PyValues.characters(text);
            case List<?> list -> new ArrayList<>(list);
            case Undefined undefined -> throw undefined.error();
            case null, default -> throw new TemplateRenderException(
                    "'" + PyValues.typeName(target) + "' object is not subscriptable");
        };
        List<Object> picked = new ArrayList<>();
        for (int index : sliceIndices(items.size(), start, stop, step)) {
            picked.add(items.get(index));
        }
        return switch (target) {
            case String text -> String.join("", picked.stream().map(String.class::cast).toList());
            case PyTuple tuple -> new PyTuple(picked);
            default -> picked;
        };
    }

    /** The indices a Python slice visits, after clamping start and stop to the sequence. */
    private static List<Integer> sliceIndices(int length, Object startValue, Object stopValue, Object stepValue) {
        long step = stepValue == null ? 1 : PyValues.toLong(stepValue);
        if (step == 0) {
            throw new TemplateRenderException("slice step cannot be zero");
        }
        long start;
        long stop;
        if (step > 0) {
            start = clamp(startValue, length, 0, 0, length);
            stop = clamp(stopValue, length, length, 0, length);
        } else {
            start = clamp(startValue, length, length - 1, -1, length - 1);
            stop = clamp(stopValue, length, -1, -1, length - 1);
        }
        List<Integer> indices = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            indices.add((int) i);
        }
        return indices;
    }

    private static long clamp(Object value, int length, long absent, long lower, long upper) {
        if (value == null) {
            return absent;
        }
        long index = PyValues.toLong(value);
        if (index < 0) {
            index += length;
        }
        return Math.max(lower, Math.min(upper, index));
    }
}
