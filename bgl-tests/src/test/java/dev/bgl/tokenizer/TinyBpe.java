package dev.bgl.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A tiny byte-level BPE tokenizer.json for unit tests: the 256 byte characters plus a few merges. */
final class TinyBpe {
    static final ObjectMapper JSON = new ObjectMapper();

    static String ch(int b) {
        return Character.toString(ByteLevel.BYTE_TO_CHAR[b]);
    }

    /** Byte-level text of a string's UTF-8 bytes. */
    static String bl(String s) {
        byte[] u = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return ByteLevel.encode(u, 0, u.length);
    }

    /**
     * vocab: ids 0..255 the byte characters in byte order, then merges' results; merges: h+e, l+l,
     * he+ll, hell+o, Ġ+h, and the first two bytes of 你 (so 你 is split over two tokens).
     */
    static ObjectNode tokenizerJson(boolean pairMerges) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) vocab.put(ch(b), b);
        String ni = bl("你");
        String[][] merges = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {"Ġ", "h"}, {ni.substring(0, 1), ni.substring(1, 2)}};
        int id = 256;
        ArrayNode m = model.putArray("merges");
        for (String[] p : merges) {
            vocab.put(p[0] + p[1], id++);
            if (pairMerges) m.addArray().add(p[0]).add(p[1]);
            else m.add(p[0] + " " + p[1]);
        }
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", id).put("content", "<|endoftext|>").put("special", true);
        added.addObject().put("id", id + 1).put("content", "<think>").put("special", false);
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        steps.addObject().put("type", "Split").put("behavior", "Isolated").putObject("pattern").put("Regex", HfTokenizerJson.QWEN2_REGEX);
        steps.addObject().put("type", "ByteLevel").put("use_regex", false);
        root.putObject("normalizer").put("type", "NFC");
        return root;
    }

    static Path write(Path dir, ObjectNode json) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve("tokenizer.json");
        JSON.writeValue(p.toFile(), json);
        return p;
    }
}
