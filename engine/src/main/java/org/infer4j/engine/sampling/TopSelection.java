package org.infer4j.engine.sampling;

/**
 * Picks the {@code m} highest values of a vector without sorting all of it: a bounded min-heap whose root is the
 * weakest kept entry, so most of a 150k–256k vocabulary costs one comparison each. Ties go to the lower id.
 * Works in caller-provided arrays; allocates nothing.
 */
final class TopSelection {
    private TopSelection() {}

    /**
     * Writes the ids and values of the {@code m} best entries of {@code values[0..n)} into {@code ids}/{@code vals},
     * best first (value descending, id ascending). Returns how many were written ({@code min(m, n)}).
     */
    static int select(float[] values, int n, int m, int[] ids, float[] vals) {
        int size = Math.min(m, n);
        if (size <= 0) {
            return 0;
        }
        for (int i = 0; i < size; i++) {
            ids[i] = i;
            vals[i] = values[i];
        }
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(ids, vals, i, size);
        }
        for (int i = size; i < n; i++) {
            // Ids arrive in ascending order, so an equal value never beats the root: only strictly greater enters.
            if (values[i] > vals[0]) {
                ids[0] = i;
                vals[0] = values[i];
                siftDown(ids, vals, 0, size);
            }
        }
        // Heap sort: moving the weakest root to the back leaves the array best first.
        for (int end = size - 1; end > 0; end--) {
            swap(ids, vals, 0, end);
            siftDown(ids, vals, 0, end);
        }
        return size;
    }

    /** True when entry a ranks below entry b (smaller value, or equal value and higher id). */
    private static boolean weaker(int[] ids, float[] vals, int a, int b) {
        return vals[a] < vals[b] || (vals[a] == vals[b] && ids[a] > ids[b]);
    }

    private static void siftDown(int[] ids, float[] vals, int i, int size) {
        while (true) {
            int left = 2 * i + 1;
            if (left >= size) {
                return;
            }
            int weakest = left;
            int right = left + 1;
            if (right < size && weaker(ids, vals, right, left)) {
                weakest = right;
            }
            if (!weaker(ids, vals, weakest, i)) {
                return;
            }
            swap(ids, vals, i, weakest);
            i = weakest;
        }
    }

    private static void swap(int[] ids, float[] vals, int a, int b) {
        int id = ids[a];
        ids[a] = ids[b];
        ids[b] = id;
        float v = vals[a];
        vals[a] = vals[b];
        vals[b] = v;
    }
}
