package dev.bgl.tokenizer;

import dev.bgl.format.GgufWriter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writing tokenizers into GGUF files: for make-model, and synthetic vocabularies for tests. */
public final class TokenizerGguf {
    private TokenizerGguf() {
    }

    /**
     * Puts the llama.cpp-compatible tokenizer keys of a Hugging Face {@code tokenizer.json} (with
     * tokenizer_config.json / config.json beside it, when present) into {@code w}.
     *
     * @param vocabSize the model's embedding rows; the vocabulary is padded with unused tokens up to
     *                  it (as llama.cpp's converter does), or 0 to write the tokenizer's own size
     * @return the spec written
     */
    public static TokenizerSpec putTokenizerJson(Path tokenizerJson, GgufWriter w, int vocabSize) {
        TokenizerSpec spec = HfTokenizerJson.read(tokenizerJson);
        if (vocabSize > 0) spec = spec.paddedTo(vocabSize);
        spec.writeTo(w);
        return spec;
    }

    /**
     * A small SentencePiece vocabulary learned (crudely) from {@code corpus}: {@code <unk>},
     * {@code <s>}, {@code </s>}, the 256 byte tokens, every character of the corpus, and the most
     * frequent substrings of its ▁-prefixed words, scored by log frequency. Enough to exercise
     * merging by score and byte fallback (characters outside the corpus) against llama.cpp.
     *
     * @param maxPieces how many multi-character pieces to keep
     */
    public static TokenizerSpec syntheticSpm(String corpus, int maxPieces) {
        List<String> tokens = new ArrayList<>();
        List<TokenType> types = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        tokens.add("<unk>");
        types.add(TokenType.UNKNOWN);
        scores.add(0f);
        tokens.add("<s>");
        types.add(TokenType.CONTROL);
        scores.add(0f);
        tokens.add("</s>");
        types.add(TokenType.CONTROL);
        scores.add(0f);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(TokenType.BYTE);
            scores.add(0f);
        }
        String text = corpus.replace(' ', '\u2581');
        // count characters and substrings of ▁words (length 2..8 code points)
        Map<String, Integer> chars = new LinkedHashMap<>();
        Map<String, Integer> subs = new HashMap<>();
        for (String word : ("\u2581" + text).split("(?=\u2581)")) {
            int[] cps = word.codePoints().toArray();
            for (int i = 0; i < cps.length; i++) {
                chars.merge(new String(cps, i, 1), 1, Integer::sum);
                for (int len = 2; len <= 8 && i + len <= cps.length; len++) subs.merge(new String(cps, i, len), 1, Integer::sum);
            }
        }
        for (var e : chars.entrySet()) {
            if (tokens.contains(e.getKey())) continue;
            tokens.add(e.getKey());
            types.add(TokenType.NORMAL);
            scores.add((float) -Math.log(1 + 1.0 / e.getValue()) - 10f);
        }
        List<Map.Entry<String, Integer>> ranked = new ArrayList<>(subs.entrySet());
        ranked.removeIf(e -> e.getValue() < 2);
        ranked.sort((a, b) -> a.getValue().equals(b.getValue())
                ? (a.getKey().length() != b.getKey().length() ? b.getKey().length() - a.getKey().length() : a.getKey().compareTo(b.getKey()))
                : b.getValue() - a.getValue());
        for (var e : ranked.subList(0, Math.min(maxPieces, ranked.size()))) {
            tokens.add(e.getKey());
            types.add(TokenType.NORMAL);
            // longer and more frequent pieces score higher, so merges have a clear order
            scores.add((float) (Math.log(e.getValue()) + 0.1 * e.getKey().length()) - 5f);
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) s[i] = scores.get(i);
        return new TokenizerSpec(TokenizerSpec.SPM, null, tokens.toArray(String[]::new), types.toArray(TokenType[]::new), s,
                new String[0], 1, 2, -1, 0, true, false, true, null, "synthetic SentencePiece vocabulary");
    }

}
