package dev.bgl.tokenizer;

import java.util.Arrays;

/** A binary min-heap of longs, for BPE's merge queue without boxing. */
final class LongHeap {
    private long[] a = new long[64];
    private int n;

    boolean isEmpty() {
        return n == 0;
    }

    void clear() {
        n = 0;
    }

    void add(long v) {
        if (n == a.length) a = Arrays.copyOf(a, n * 2);
        int i = n++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (a[parent] <= v) break;
            a[i] = a[parent];
            i = parent;
        }
        a[i] = v;
    }

    long poll() {
        long top = a[0];
        long last = a[--n];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && a[c + 1] < a[c]) c++;
            if (a[c] >= last) break;
            a[i] = a[c];
            i = c;
        }
        a[i] = last;
        return top;
    }
}
