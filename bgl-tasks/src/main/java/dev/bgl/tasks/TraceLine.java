package dev.bgl.tasks;

import java.util.List;
import java.util.SplittableRandom;

/**
 * One line of a trace: {@code head + op + "=" + result + tail}, or {@code head + tail} when it has
 * no operation. The operation is the line's last single arithmetic fact, the place where a VERIFIED
 * trace may slip: it writes a wrong result, then {@code "wait, " + op + "=" + result + tail}.
 */
record TraceLine(String head, String op, long result, String tail) {
    static TraceLine text(String line) {
        return new TraceLine(line, null, 0, "");
    }

    static TraceLine of(String head, String op, long result, String tail) {
        return new TraceLine(head, op, result, tail);
    }

    String render() {
        return op == null ? head + tail : head + op + "=" + result + tail;
    }

    String renderWithSlip(long wrong) {
        return head + op + "=" + wrong + "\nwait, " + op + "=" + result + tail;
    }

    /** The lines joined by newlines; with a slip at a random step that has an operation when {@code slip}. */
    static String join(List<TraceLine> steps, boolean slip, SplittableRandom rnd) {
        int slipAt = -1;
        if (slip) {
            int n = (int) steps.stream().filter(s -> s.op != null).count();
            if (n > 0) {
                int k = rnd.nextInt(n);
                for (int i = 0; i < steps.size(); i++) if (steps.get(i).op != null && k-- == 0) slipAt = i;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < steps.size(); i++) {
            if (i > 0) sb.append('\n');
            TraceLine s = steps.get(i);
            sb.append(i == slipAt ? s.renderWithSlip(wrongValue(s.result, rnd)) : s.render());
        }
        return sb.toString();
    }

    /** A plausible wrong result: off by one, or by ten when that stays non-negative. */
    static long wrongValue(long right, SplittableRandom rnd) {
        long[] deltas = right >= 10 ? new long[]{1, -1, 10, -10} : right >= 1 ? new long[]{1, -1, 2} : new long[]{1, 2};
        return right + deltas[rnd.nextInt(deltas.length)];
    }
}
