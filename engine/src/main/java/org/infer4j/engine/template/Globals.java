package org.infer4j.engine.template;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Functions every template can call: jinja2's {@code range}, {@code dict}, {@code namespace},
 * {@code cycler} and {@code joiner}, and the two Hugging Face adds for chat templates,
 * {@code raise_exception(message)} and {@code strftime_now(format)}.
 */
final class Globals {

    /** jinja2's sandbox refuses ranges longer than this. */
    private static final long MAX_RANGE = 100_000;

    private Globals() {
    }

    static Scope scope(Renderer renderer) {
        Scope globals = new Scope(null);
        globals.set("range", (JinjaCallable) Globals::range);
        globals.set("dict", (JinjaCallable) args -> {
            Map<Object, Object> map = new LinkedHashMap<>();
            if (!args.positional().isEmpty()) {
                for (Object pair : PyValues.iterate(args.positional().getFirst() instanceof Map<?, ?> m
                        ? Methods.bind(m, "items").call(Arguments.NONE) : args.positional().getFirst())) {
                    List<Object> kv = PyValues.iterate(pair);
                    map.put(kv.get(0), kv.get(1));
                }
            }
            map.putAll(args.keyword());
            return map;
        });
        globals.set("namespace", (JinjaCallable) args -> {
            Map<String, Object> initial = new LinkedHashMap<>();
            for (Object positional : args.positional()) {
                if (!(positional instanceof Map<?, ?> map)) {
                    throw new TemplateRenderException("namespace() takes a mapping or keyword arguments");
                }
                map.forEach((k, v) -> initial.put(PyValues.str(k), v));
            }
            initial.putAll(args.keyword());
            return new Namespace(initial);
        });
        globals.set("cycler", (JinjaCallable) args -> new Cycler(args.positional()));
        globals.set("joiner", (JinjaCallable) args -> {
            String separator = PyValues.str(args.get(0, "sep", ", "));
            boolean[] used = {false};
            return (JinjaCallable) ignored -> {
                if (used[0]) {
                    return separator;
                }
                used[0] = true;
                return "";
            };
        });
        globals.set("raise_exception", (JinjaCallable) args -> {
            throw new TemplateRaiseException(PyValues.str(args.get(0, "message", "")));
        });
        globals.set("strftime_now", (JinjaCallable) args ->
                Strftime.format(Methods.string(args.require(0, "format", "strftime_now")), ZonedDateTime.now(renderer.clock())));
        return globals;
    }

    private static List<Object> range(Arguments args) {
        List<Object> bounds = args.positional();
        long start = 0;
        long stop;
        long step = 1;
        switch (bounds.size()) {
            case 1 -> stop = PyValues.toLong(bounds.get(0));
            case 2, 3 -> {
                start = PyValues.toLong(bounds.get(0));
                stop = PyValues.toLong(bounds.get(1));
                step = bounds.size() == 3 ? PyValues.toLong(bounds.get(2)) : 1;
            }
            default -> throw new TemplateRenderException("range expected 1 to 3 arguments, got " + bounds.size());
        }
        if (step == 0) {
            throw new TemplateRenderException("range() arg 3 must not be zero");
        }
        long count = step > 0 ? Math.max(0, (stop - start + step - 1) / step) : Math.max(0, (start - stop - step - 1) / -step);
        if (count > MAX_RANGE) {
            throw new TemplateRenderException("range too big, the sandbox allows at most " + MAX_RANGE + " items");
        }
        List<Object> values = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            values.add(start + i * step);
        }
        return values;
    }

    /** {@code cycler(a, b)}: {@code next()} walks the items round, {@code current} peeks. */
    private static final class Cycler implements HasAttributes {
        private final List<Object> items;
        private int position;

        Cycler(List<Object> items) {
            if (items.isEmpty()) {
                throw new TemplateRenderException("cycler needs at least one item");
            }
            this.items = List.copyOf(items.stream().map(i -> i == null ? "None" : i).toList());
        }

        @Override
        public Object attribute(String name) {
            return switch (name) {
                case "current" -> items.get(position);
                case "next" -> (JinjaCallable) args -> {
                    Object value = items.get(position);
                    position = (position + 1) % items.size();
                    return value;
                };
                case "reset" -> (JinjaCallable) args -> {
                    position = 0;
                    return null;
                };
                default -> Undefined.attribute(this, name);
            };
        }
    }
}
