package dev.bgl.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece-style tokenizer ({@code tokenizer.ggml.model = llama}), as llama.cpp's
 * {@code llm_tokenizer_spm_session}: spaces become ▁ (and ▁ is prefixed at the start and after
 * each special token when {@code add_space_prefix}), the text starts as one symbol per character,
 * and the adjacent pair whose concatenation is the vocabulary token with the highest score is
 * merged first (leftmost among equals). Symbols that are not tokens at the end fall back to the
 * {@code <0xXX>} byte tokens.
 */
public final class SpmTokenizer implements Tokenizer {
    private static final char SPACE = '\u2581';

    final Vocab vocab;
    private final float[] scores;
    private final int[] byteToken = new int[256];

    SpmTokenizer(TokenizerSpec spec) {
        this.vocab = new Vocab(spec, i -> spec.tokens()[i].replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8));
        this.scores = spec.scores() != null ? spec.scores() : new float[spec.vocabSize()];
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.ids.get(String.format("<0x%02X>", b));
            if (id == null && b < 0x80) id = vocab.ids.get(Character.toString((char) b));
            byteToken[b] = id != null ? id : spec.unkId();
        }
    }

    @Override
    public TokenizerSpec spec() {
        return vocab.spec;
    }

    @Override
    public int[] encode(String text, boolean parseSpecial) {
        int[] frags = vocab.partition(text, parseSpecial);
        BpeTokenizer.Ids out = new BpeTokenizer.Ids(text.length() / 2 + 8);
        boolean prevSpecial = true; // the text start counts as "after a special token"
        for (int f = 0; f < frags.length; f += 3) {
            if (frags[f] >= 0) {
                out.add(frags[f]);
                prevSpecial = true;
                continue;
            }
            String raw = sanitized(text.substring(frags[f + 1], frags[f + 2]));
            String piece = (vocab.spec.addSpacePrefix() && prevSpecial ? " " : "") + raw;
            tokenize(piece.replace(' ', SPACE), out);
            prevSpecial = false;
        }
        return out.toArray();
    }

    private static String sanitized(String s) {
        int[] cps = Vocab.codePoints(s, 0, s.length());
        return new String(cps, 0, cps.length);
    }

    private record Bigram(float score, int left, int right, int size) {
    }

    private void tokenize(String text, BpeTokenizer.Ids out) {
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            int cl = Character.charCount(text.codePointAt(off));
            start[i] = off;
            len[i] = cl;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            off += cl;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) ->
                a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) tryAdd(queue, text, start, len, i - 1, i);
        while (!queue.isEmpty()) {
            Bigram g = queue.poll();
            // skip if either side was merged since
            if (len[g.left] == 0 || len[g.right] == 0 || len[g.left] + len[g.right] != g.size) continue;
            len[g.left] += len[g.right];
            len[g.right] = 0;
            next[g.left] = next[g.right];
            if (next[g.right] >= 0) prev[next[g.right]] = g.left;
            tryAdd(queue, text, start, len, prev[g.left], g.left);
            tryAdd(queue, text, start, len, g.left, next[g.left]);
        }
        for (int i = 0; i >= 0 && n > 0; i = next[i]) {
            String s = text.substring(start[i], start[i] + len[i]);
            Integer id = vocab.ids.get(s);
            if (id != null) {
                out.add(id);
                continue;
            }
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                int t = byteToken[b & 0xFF];
                if (t >= 0) out.add(t);
            }
        }
    }

    private void tryAdd(PriorityQueue<Bigram> queue, String text, int[] start, int[] len, int left, int right) {
        if (left < 0 || right < 0) return;
        int size = len[left] + len[right];
        Integer id = vocab.ids.get(text.substring(start[left], start[left] + size));
        if (id == null) return;
        queue.add(new Bigram(scores[id], left, right, size));
    }
}
