package org.infer4j.engine.template;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable Python tuple. It behaves as a list everywhere (indexing, iteration, unpacking,
 * tojson) and differs only in how it prints: {@code (1, 2)} and {@code (1,)}.
 */
final class PyTuple extends AbstractList<Object> {

    private final List<Object> items;

    PyTuple(List<?> items) {
        // Stream.toList is unmodifiable and, unlike List.copyOf, accepts null (Python None).
        this.items = items.stream().map(o -> (Object) o).toList();
    }

    static PyTuple of(Object... items) {
        return new PyTuple(Arrays.asList(items));
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
