package org.infer4j.engine.template;

import java.util.List;

/** The {@code loop} variable inside a for-loop: position, neighbours, cycle() and changed(). */
final class LoopContext implements HasAttributes {

    private final List<Object> items;
    private final int depth0;
    /** Renders the loop body over a nested iterable for {@code loop(children)}; null unless recursive. */
    private final JinjaCallable recursion;
    private int index0;
    private List<Object> lastChanged;

    LoopContext(List<Object> items, int depth0, JinjaCallable recursion) {
        this.items = items;
        this.depth0 = depth0;
        this.recursion = recursion;
    }

    void advance(int newIndex0) {
        index0 = newIndex0;
    }

    int index() {
        return index0 + 1;
    }

    int length() {
        return items.size();
    }

    JinjaCallable recursion() {
        return recursion;
    }

    @Override
    public Object attribute(String name) {
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (items.size() - index0);
            case "revindex0" -> (long) (items.size() - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == items.size() - 1;
            case "length" -> (long) items.size();
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index0 + 1 < items.size() ? items.get(index0 + 1) : new Undefined("there is no next item");
            case "cycle" -> (JinjaCallable) this::cycle;
            case "changed" -> (JinjaCallable) this::changed;
            default -> Undefined.attribute(this, name);
        };
    }

    private Object cycle(Arguments arguments) {
        if (arguments.positional().isEmpty()) {
            throw new TemplateRenderException("no items for cycling given");
        }
        return arguments.positional().get(index0 % arguments.positional().size());
    }

    private Object changed(Arguments arguments) {
        List<Object> values = arguments.positional();
        if (lastChanged != null && PyValues.equal(lastChanged, values)) {
            return false;
        }
        lastChanged = values;
        return true;
    }
}
