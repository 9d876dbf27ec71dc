package org.infer4j.engine.generate;

import java.util.List;

/**
 * Cuts generated text at the first stop string to appear, even when it arrives split over several tokens.
 * Text is held back only while its end could still be the beginning of a stop string and released as soon as it
 * cannot; the stop string and everything after it are never released. Feeding the same text in any chunking
 * releases the same text in total, so streaming and non-streaming responses agree. Not thread-safe.
 */
public final class StopStringMatcher {
    private final List<String> stops;
    private String held = "";
    private boolean stopped;

    /** Empty stop strings are ignored. */
    public StopStringMatcher(List<String> stopStrings) {
        this.stops = stopStrings.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Text that is now safe to output after {@code text} was generated; empty once a stop string matched. */
    public String push(String text) {
        if (stopped) {
            return "";
        }
        if (stops.isEmpty()) {
            return text;
        }
        String buffer = held.concat(text);
        int stopAt = firstStop(buffer);
        if (stopAt >= 0) {
            stopped = true;
            held = "";
            return buffer.substring(0, stopAt);
        }
        int keep = longestPartialStop(buffer);
        held = buffer.substring(buffer.length() - keep);
        return buffer.substring(0, buffer.length() - keep);
    }

    /** Releases whatever is still held back, at the end of a generation that did not stop on a stop string. */
    public String flush() {
        String rest = held;
        held = "";
        return rest;
    }

    /** True once a stop string has been seen. */
    public boolean stopped() {
        return stopped;
    }

    /**
     * Start of the stop string that completes first in {@code text} (the one generation would have stopped on;
     * among those ending at the same place the longest), or -1. Chunking cannot change the answer.
     */
    private int firstStop(String text) {
        int bestStart = -1;
        int bestEnd = Integer.MAX_VALUE;
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at < 0) {
                continue;
            }
            int end = at + stop.length();
            if (end < bestEnd || (end == bestEnd && at < bestStart)) {
                bestStart = at;
                bestEnd = end;
            }
        }
        return bestStart;
    }

    /** Length of the longest suffix of {@code text} that is a proper prefix of some stop string. */
    private int longestPartialStop(String text) {
        int best = 0;
        for (String stop : stops) {
            for (int length = Math.min(stop.length() - 1, text.length()); length > best; length--) {
                if (text.regionMatches(text.length() - length, stop, 0, length)) {
                    best = length;
                    break;
                }
            }
        }
        return best;
    }
}
