package dev.bgl.tokenizer;

import dev.bgl.util.BglException;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE (GPT-2 style), as llama.cpp's {@code llm_tokenizer_bpe_session}: special tokens
 * are cut out of the text first, the rest is split into words by the {@link PreTokenizer}, each
 * word's UTF-8 bytes start as one symbol each, and adjacent symbols are merged lowest merge rank
 * first (leftmost first among equals) until no pair has a merge.
 */
public final class BpeTokenizer implements Tokenizer {
    private static final int CACHE_LIMIT = 1 << 16;

    final Vocab vocab;
    private final PreTokenizer pre;
    /** Token id of each byte's GPT-2 character, or -1 when the vocabulary lacks it. */
    private final int[] byteToken = new int[256];
    private final MergeTable merges;
    /** Merged token id by merge rank. */
    private final int[] mergeResult;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    BpeTokenizer(TokenizerSpec spec) {
        this.vocab = new Vocab(spec, i -> byteLevelDecode(spec.tokens()[i]));
        this.pre = spec.pre();
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.ids.get(Character.toString(ByteLevel.BYTE_TO_CHAR[b]));
            byteToken[b] = id == null ? -1 : id;
        }
        String[] m = spec.merges();
        merges = new MergeTable(m.length);
        mergeResult = new int[m.length];
        for (int rank = 0; rank < m.length; rank++) {
            String s = m[rank];
            int sp = s.indexOf(' ', 1);
            if (sp < 0) throw new BglException(spec.source() + ": merge " + rank + " '" + s + "' is not two tokens separated by a space");
            String a = s.substring(0, sp), b = s.substring(sp + 1);
            Integer ia = vocab.ids.get(a), ib = vocab.ids.get(b), ir = vocab.ids.get(a + b);
            if (ia == null || ib == null || ir == null)
                throw new BglException(spec.source() + ": merge " + rank + " '" + s + "' refers to '" + (ia == null ? a : ib == null ? b : a + b) + "', which is not in the vocabulary");
            // a pair listed twice keeps its first (lowest) rank, as llama.cpp's rank map does
            if (merges.putIfAbsent(ia, ib, rank)) mergeResult[rank] = ir;
        }
    }

    @Override
    public TokenizerSpec spec() {
        return vocab.spec;
    }

    public PreTokenizer preTokenizer() {
        return pre;
    }

    @Override
    public int[] encode(String text, boolean parseSpecial) {
        int[] frags = vocab.partition(text, parseSpecial);
        Ids out = new Ids(text.length() / 3 + 8);
        byte[] buf = new byte[64];
        for (int f = 0; f < frags.length; f += 3) {
            if (frags[f] >= 0) {
                out.add(frags[f]);
                continue;
            }
            int[] cps = Vocab.codePoints(text, frags[f + 1], frags[f + 2]);
            int start = 0;
            for (int end : pre.split(cps)) {
                String word = new String(cps, start, end - start);
                int[] ids = cache.get(word);
                if (ids == null) {
                    if (buf.length < (end - start) * 4) buf = new byte[(end - start) * 4];
                    int len = utf8(cps, start, end, buf);
                    ids = bpe(buf, len);
                    if (cache.size() >= CACHE_LIMIT) cache.clear();
                    cache.put(word, ids);
                }
                out.addAll(ids);
                start = end;
            }
        }
        return out.toArray();
    }

    /** BPE over one word's bytes. */
    private int[] bpe(byte[] bytes, int n) {
        if (pre.ignoresMerges()) {
            Integer whole = vocab.ids.get(ByteLevel.encode(bytes, 0, n));
            if (whole != null) return new int[]{whole};
        }
        int[] sym = new int[n], prev = new int[n], next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            sym[i] = byteToken[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap queue = new LongHeap();
        for (int i = 0; i + 1 < n; i++) push(queue, sym, i, i + 1);
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int left = (int) (top & 0xFFFFFFFFL), rank = (int) (top >>> 32);
            int right = next[left];
            // stale entry: one side has been merged since (its token changed)
            if (gone[left] || right < 0 || sym[left] < 0 || sym[right] < 0 || merges.rank(sym[left], sym[right]) != rank) continue;
            sym[left] = mergeResult[rank];
            gone[right] = true;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) push(queue, sym, prev[left], left);
            if (next[left] >= 0) push(queue, sym, left, next[left]);
        }
        Ids out = new Ids(n);
        for (int i = 0; i >= 0; i = next[i]) {
            // a byte missing from the vocabulary cannot be represented; llama.cpp drops it too
            if (sym[i] >= 0) out.add(sym[i]);
        }
        return out.toArray();
    }

    private void push(LongHeap queue, int[] sym, int left, int right) {
        if (sym[left] < 0 || sym[right] < 0) return;
        int rank = merges.rank(sym[left], sym[right]);
        if (rank >= 0) queue.add(((long) rank << 32) | left);
    }

    private static int utf8(int[] cps, int from, int to, byte[] out) {
        int k = 0;
        for (int i = from; i < to; i++) {
            int c = cps[i];
            if (c < 0x80) out[k++] = (byte) c;
            else if (c < 0x800) {
                out[k++] = (byte) (0xC0 | c >> 6);
                out[k++] = (byte) (0x80 | c & 0x3F);
            } else if (c < 0x10000) {
                out[k++] = (byte) (0xE0 | c >> 12);
                out[k++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[k++] = (byte) (0x80 | c & 0x3F);
            } else {
                out[k++] = (byte) (0xF0 | c >> 18);
                out[k++] = (byte) (0x80 | c >> 12 & 0x3F);
                out[k++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[k++] = (byte) (0x80 | c & 0x3F);
            }
        }
        return k;
    }

    /** The bytes a byte-level token stands for; characters outside the mapping pass through as UTF-8. */
    static byte[] byteLevelDecode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        text.codePoints().forEach(c -> {
            int b = ByteLevel.byteOf(c);
            if (b >= 0) out.write(b);
            else out.writeBytes(Character.toString(c).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
        return out.toByteArray();
    }

    /** A growable int list. */
    static final class Ids {
        private int[] a;
        private int n;

        Ids(int capacity) {
            a = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        void addAll(int[] v) {
            if (n + v.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + v.length));
            System.arraycopy(v, 0, a, n, v.length);
            n += v.length;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    /** Merge rank by (left id, right id), open addressing over packed long keys. */
    static final class MergeTable {
        private final long[] keys;
        private final int[] ranks;
        private final int mask;

        MergeTable(int count) {
            int cap = Integer.highestOneBit(Math.max(4, count * 2)) << 1;
            keys = new long[cap];
            ranks = new int[cap];
            Arrays.fill(keys, -1L);
            mask = cap - 1;
        }

        private static long key(int a, int b) {
            return ((long) a << 32) | (b & 0xFFFFFFFFL);
        }

        private int slot(long k) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 32) & mask;
        }

        boolean putIfAbsent(int a, int b, int rank) {
            long k = key(a, b);
            for (int i = slot(k); ; i = (i + 1) & mask) {
                if (keys[i] == -1L) {
                    keys[i] = k;
                    ranks[i] = rank;
                    return true;
                }
                if (keys[i] == k) return false;
            }
        }

        int rank(int a, int b) {
            long k = key(a, b);
            for (int i = slot(k); ; i = (i + 1) & mask) {
                if (keys[i] == k) return ranks[i];
                if (keys[i] == -1L) return -1;
            }
        }
    }
}
