package org.infer4j.engine.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * BPE merge ranks from {@code tokenizer.ggml.merges} ("left right", rank = position; a pair listed
 * twice keeps its first rank). Every string that appears as a merge side gets a small piece id, and
 * ranks are kept in an open-addressing table keyed by the pair of piece ids, so the merge loop looks
 * up pairs without allocating.
 */
final class MergeRanks {
    private final Map<String, Integer> pieceIds = new HashMap<>();
    private long[] keys;
    private int[] ranks;
    private int size;

    MergeRanks(String[] merges) {
        int capacity = Integer.highestOneBit(Math.max(16, merges.length * 2)) * 2;
        keys = new long[capacity];
        ranks = new int[capacity];
        Arrays.fill(keys, -1L);
        for (int rank = 0; rank < merges.length; rank++) {
            String merge = merges[rank];
            int space = merge.indexOf(' ', 1);
            if (space < 0) {
                continue; // llama.cpp keeps such an entry as an unmatchable empty pair
            }
            int left = pieceId(merge.substring(0, space));
            int right = pieceId(merge.substring(space + 1));
            putIfAbsent(key(left, right), rank);
        }
    }

    private int pieceId(String piece) {
        return pieceIds.computeIfAbsent(piece, p -> pieceIds.size());
    }

    /** The piece id of {@code text}, or -1 when it is no side of any merge. */
    int piece(String text) {
        Integer id = pieceIds.get(text);
        return id == null ? -1 : id;
    }

    /** Rank of merging pieces {@code left} and {@code right}, or -1. */
    int rank(int left, int right) {
        if (left < 0 || right < 0) {
            return -1;
        }
        long key = key(left, right);
        int mask = keys.length - 1;
        for (int slot = hash(key) & mask; ; slot = (slot + 1) & mask) {
            if (keys[slot] == key) {
                return ranks[slot];
            }
            if (keys[slot] == -1L) {
                return -1;
            }
        }
    }

    int size() {
        return size;
    }

    private void putIfAbsent(long key, int rank) {
        int mask = keys.length - 1;
        for (int slot = hash(key) & mask; ; slot = (slot + 1) & mask) {
            if (keys[slot] == key) {
                return;
            }
            if (keys[slot] == -1L) {
                keys[slot] = key;
                ranks[slot] = rank;
                size++;
                return;
            }
        }
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
