package dev.bgl.decode;

import java.util.List;

/**
 * Finds stop strings in streamed text. Text that could still be the start of a stop string is
 * held back, so a stop string is never shown to the client even when it arrives split over
 * several tokens.
 */
final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private String matched;

    StopMatcher(List<String> stops) {
        this.stops = stops;
    }

    /** Adds text; returns what can be released now. After a match, returns the text before it. */
    String push(String piece) {
        if (stops.isEmpty()) return piece;
        held.append(piece);
        int first = -1;
        for (String s : stops) {
            int i = held.indexOf(s);
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
                matched = s;
            }
        }
        if (first >= 0) {
            String out = held.substring(0, first);
            held.setLength(0);
            return out;
        }
        int keep = 0;
        String h = held.toString();
        for (String s : stops)
            for (int k = Math.min(s.length() - 1, held.length()); k > keep; k--)
                if (h.regionMatches(h.length() - k, s, 0, k)) {
                    keep = k;
                    break;
                }
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** The stop string that matched, or null. */
    String matched() {
        return matched;
    }

    /** Releases whatever is held (the generation ended without a match). */
    String flush(String last) {
        String out = push(last);
        if (matched != null) return out;
        out += held;
        held.setLength(0);
        return out;
    }
}
