package dev.bgl.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} (byte-level BPE) into a {@link TokenizerSpec}, the way
 * llama.cpp's {@code convert_hf_to_gguf.py} does: added tokens marked special (or looking special,
 * {@code <|...|>}) become CONTROL, other added tokens USER_DEFINED, holes in the id range become
 * unused {@code [PAD<i>]} tokens. {@code tokenizer_config.json} and {@code config.json} beside it,
 * when present, supply the chat template, the BOS/EOS/PAD tokens and add_bos/add_eos.
 * <p>
 * The NFC normalizer of Qwen's tokenizer.json is not applied, as llama.cpp does not apply it either:
 * text is expected in NFC already (what chat front-ends send).
 */
final class HfTokenizerJson {
    static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** o200k_base, as gpt-oss's and GPT-4o's tokenizer.json spell it. */
    static final String GPT4O_REGEX = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Largest tokenizer.json (or config beside it) read: the biggest real ones are ~35 MB, and the JSON
     * tree takes several times the file on the heap, so an unbounded file could exhaust it.
     */
    static final long MAX_JSON_BYTES = 256L << 20;

    private HfTokenizerJson() {
    }

    static TokenizerSpec read(Path file) {
        return read(file, readJson(file));
    }

    /** The spec of tokenizer.json content held in memory ({@code file} names it and locates the configs beside it). */
    static TokenizerSpec read(Path file, byte[] content) {
        try {
            return read(file, JSON.readTree(content));
        } catch (JacksonException e) {
            throw new BglException(file + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) { // in memory: a decoding error, e.g. bytes that look like UTF-32
            throw new BglException(file + ": not valid JSON: " + e.getMessage());
        }
    }

    private static TokenizerSpec read(Path file, JsonNode root) {
        String src = file.toString();
        if (root == null) throw new BglException(src + ": empty file");
        if (!root.isObject()) throw new BglException(src + ": not a JSON object");
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw new BglException(src + ": missing object 'model'");
        String type = text(model, "type", src + ": model.type");
        if (!type.equals("BPE")) throw new BglException(src + ": model.type '" + type + "' is not supported (bgl reads byte-level BPE tokenizer.json)");
        if (model.path("byte_fallback").asBoolean(false))
            throw new BglException(src + ": model.byte_fallback is set (a SentencePiece-style BPE); bgl reads byte-level BPE tokenizer.json only");
        PreTokenizer pre = detectPreTokenizer(root.get("pre_tokenizer"), src);
        JsonNode normalizer = root.get("normalizer");
        if (normalizer != null && !normalizer.isNull() && !normalizer.path("type").asText().equals("NFC"))
            throw new BglException(src + ": normalizer '" + normalizer.path("type").asText() + "' is not supported");

        // vocabulary, then added tokens
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isObject() || vocab.isEmpty()) throw new BglException(src + ": missing or empty object 'model.vocab'");
        Map<Integer, String> byId = new HashMap<>();
        Map<Integer, TokenType> typeById = new HashMap<>();
        int maxId = -1;
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            int id = id(e.getValue(), src + ": model.vocab['" + e.getKey() + "']");
            String before = byId.put(id, e.getKey());
            if (before != null) throw new BglException(src + ": model.vocab gives id " + id + " to both '" + before + "' and '" + e.getKey() + "'");
            typeById.put(id, TokenType.NORMAL);
            maxId = Math.max(maxId, id);
        }
        Map<String, Integer> vocabIds = new HashMap<>();
        byId.forEach((id, t) -> vocabIds.put(t, id));

        JsonNode added = root.get("added_tokens");
        if (added != null && !added.isNull()) {
            if (!added.isArray()) throw new BglException(src + ": 'added_tokens' is not an array");
            for (int i = 0; i < added.size(); i++) {
                JsonNode a = added.get(i);
                String where = src + ": added_tokens[" + i + "]";
                int id = id(a.get("id"), where + ".id");
                String content = text(a, "content", where + ".content");
                if (content.isEmpty()) throw new BglException(where + ".content is empty");
                boolean special = a.path("special").asBoolean(false);
                String before = byId.get(id);
                if (before != null && !before.equals(content) && vocab.has(before))
                    throw new BglException(where + ": id " + id + " is '" + content + "' here but '" + before + "' in model.vocab");
                TokenType t;
                if (special || looksSpecial(content)) {
                    t = TokenType.CONTROL;
                } else {
                    t = TokenType.USER_DEFINED;
                    content = content.replace('\u2581', ' '); // llama.cpp expects user-defined tokens pre-normalized
                }
                byId.put(id, content);
                typeById.put(id, t);
                maxId = Math.max(maxId, id);
            }
        }
        if (maxId >= TokenizerSpec.MAX_VOCAB) throw new BglException(src + ": token id " + maxId + " is absurdly large");
        String[] tokens = new String[maxId + 1];
        TokenType[] types = new TokenType[maxId + 1];
        for (int i = 0; i <= maxId; i++) {
            String t = byId.get(i);
            tokens[i] = t != null ? t : "[PAD" + i + "]";
            types[i] = t != null ? typeById.get(i) : TokenType.UNUSED;
        }

        String[] merges = merges(model.get("merges"), vocabIds, src);

        // tokenizer_config.json and config.json beside it
        Path dir = file.toAbsolutePath().getParent();
        JsonNode config = optionalJson(dir.resolve("tokenizer_config.json"));
        JsonNode modelConfig = optionalJson(dir.resolve("config.json"));
        TokenizerSpec probe = new TokenizerSpec(TokenizerSpec.BPE, pre, tokens, types, null, merges, -1, -1, -1, -1, false, false, false, null, src);
        Map<String, Integer> ids = probe.idsByText();
        String cfgSrc = dir.resolve("tokenizer_config.json").toString();
        int bos = configToken(config, "bos_token", ids, cfgSrc);
        int eos = configToken(config, "eos_token", ids, cfgSrc);
        int pad = configToken(config, "pad_token", ids, cfgSrc);
        int unk = configToken(config, "unk_token", ids, cfgSrc);
        String mcSrc = dir.resolve("config.json").toString();
        if (bos < 0) bos = configId(modelConfig, "bos_token_id", tokens.length, mcSrc);
        if (eos < 0) eos = configId(modelConfig, "eos_token_id", tokens.length, mcSrc);
        boolean addBos = config != null && config.has("add_bos_token") ? config.get("add_bos_token").asBoolean() : pre == PreTokenizer.LLAMA3;
        boolean addEos = config != null && config.path("add_eos_token").asBoolean(false);
        String template = chatTemplate(config, cfgSrc);
        return new TokenizerSpec(TokenizerSpec.BPE, pre, tokens, types, null, merges, bos, eos, pad, unk, addBos, addEos, false, template, src);
    }

    /** As llama.cpp's converter: some added tokens not marked special are control tokens all the same. */
    static boolean looksSpecial(String t) {
        return (t.startsWith("<|") && t.endsWith("|>")) || (t.startsWith("<｜") && t.endsWith("｜>"))
                || t.equals("<pad>") || t.equals("<mask>") || t.equals("<2mass>") || t.equals("[@BOS@]")
                || (t.startsWith("<unused") && t.endsWith(">"));
    }

    private static PreTokenizer detectPreTokenizer(JsonNode p, String src) {
        if (p == null || p.isNull()) throw new BglException(src + ": missing 'pre_tokenizer' (bgl needs the byte-level split to tokenize like the model)");
        String type = p.path("type").asText();
        switch (type) {
            case "Sequence" -> {
                JsonNode list = p.get("pretokenizers");
                if (list == null || !list.isArray()) throw new BglException(src + ": pre_tokenizer.pretokenizers is missing");
                PreTokenizer found = null;
                boolean byteLevel = false;
                for (JsonNode q : list) {
                    String t = q.path("type").asText();
                    if (t.equals("Split")) {
                        if (found != null) throw new BglException(src + ": pre_tokenizer has several Split steps; bgl knows the Qwen2, Llama-3, GPT-2 and gpt-4o splits only");
                        found = byRegex(q.path("pattern").path("Regex").asText(null), src);
                    } else if (t.equals("ByteLevel")) {
                        byteLevel = true;
                        if (q.path("use_regex").asBoolean(false)) {
                            if (found != null) throw new BglException(src + ": pre_tokenizer splits twice (Split and ByteLevel.use_regex)");
                            found = PreTokenizer.GPT2;
                        }
                    } else {
                        throw new BglException(src + ": pre_tokenizer step '" + t + "' is not supported");
                    }
                }
                if (!byteLevel || found == null) throw new BglException(src + ": pre_tokenizer is not a byte-level BPE split bgl knows");
                return found;
            }
            case "ByteLevel" -> {
                if (p.path("use_regex").asBoolean(true)) return PreTokenizer.GPT2;
                throw new BglException(src + ": pre_tokenizer ByteLevel without a split is not supported");
            }
            default -> throw new BglException(src + ": pre_tokenizer type '" + type + "' is not supported (bgl reads byte-level BPE)");
        }
    }

    private static PreTokenizer byRegex(String regex, String src) {
        if (regex == null) throw new BglException(src + ": pre_tokenizer Split has no pattern.Regex");
        if (regex.equals(QWEN2_REGEX)) return PreTokenizer.QWEN2;
        if (regex.equals(LLAMA3_REGEX)) return PreTokenizer.LLAMA3;
        if (regex.equals(GPT2_REGEX)) return PreTokenizer.GPT2;
        if (regex.equals(GPT4O_REGEX)) return PreTokenizer.GPT4O;
        throw new BglException(src + ": pre_tokenizer regex is not one bgl knows (Qwen2, Llama-3, GPT-2, gpt-4o): " + regex);
    }

    private static String[] merges(JsonNode node, Map<String, Integer> vocab, String src) {
        if (node == null || !node.isArray()) throw new BglException(src + ": missing array 'model.merges'");
        String[] out = new String[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode m = node.get(i);
            String a, b;
            if (m.isTextual()) {
                String s = m.asText();
                int sp = s.indexOf(' ', 1);
                if (sp < 0 || s.indexOf(' ', sp + 1) >= 0)
                    throw new BglException(src + ": model.merges[" + i + "] = '" + s + "' is not two tokens separated by one space");
                a = s.substring(0, sp);
                b = s.substring(sp + 1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                a = m.get(0).asText();
                b = m.get(1).asText();
                if (a.isEmpty() || b.isEmpty() || a.indexOf(' ') >= 0 || b.indexOf(' ') >= 0)
                    throw new BglException(src + ": model.merges[" + i + "] = [" + a + ", " + b + "] has an empty token or a space in a token");
            } else {
                throw new BglException(src + ": model.merges[" + i + "] is neither \"a b\" nor [\"a\", \"b\"]");
            }
            for (String part : new String[]{a, b, a + b})
                if (!vocab.containsKey(part))
                    throw new BglException(src + ": model.merges[" + i + "] = '" + a + " " + b + "' refers to '" + part + "', which is not in model.vocab");
            out[i] = a + " " + b;
        }
        return out;
    }

    private static int configToken(JsonNode config, String key, Map<String, Integer> ids, String src) {
        if (config == null) return -1;
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) return -1;
        String text = v.isObject() ? v.path("content").asText(null) : v.isTextual() ? v.asText() : null;
        if (text == null) throw new BglException(src + ": '" + key + "' is neither a string nor {content: ...}");
        Integer id = ids.get(text);
        if (id == null) throw new BglException(src + ": " + key + " '" + text + "' is not a token of the vocabulary");
        return id;
    }

    private static int configId(JsonNode config, String key, int n, String src) {
        if (config == null || !config.has(key) || config.get(key).isNull()) return -1;
        JsonNode v = config.get(key);
        if (v.isArray()) v = v.size() > 0 ? v.get(0) : null; // some models list several EOS ids
        if (v == null || !v.canConvertToInt() || v.asInt() < 0 || v.asInt() >= n)
            throw new BglException(src + ": '" + key + "' = " + config.get(key) + " is not a token id in [0, " + n + ")");
        return v.asInt();
    }

    private static String chatTemplate(JsonNode config, String src) {
        if (config == null) return null;
        JsonNode t = config.get("chat_template");
        if (t == null || t.isNull()) return null;
        if (t.isTextual()) return t.asText();
        if (t.isArray()) { // [{name, template}, ...]: the default one
            for (JsonNode e : t) if (e.path("name").asText().equals("default")) return e.path("template").asText();
            return null;
        }
        throw new BglException(src + ": 'chat_template' is neither a string nor a list of named templates");
    }

    private static int id(JsonNode v, String where) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0)
            throw new BglException(where + " should be a token id (an integer >= 0) but is " + v);
        return v.asInt();
    }

    private static String text(JsonNode obj, String field, String where) {
        JsonNode v = obj.get(field);
        if (v == null || !v.isTextual()) throw new BglException(where + " should be a string but is " + v);
        return v.asText();
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) throw new BglException(file + ": no such file");
        try {
            long size = Files.size(file);
            if (size > MAX_JSON_BYTES) throw new BglException(file + ": is " + size + " bytes, over the limit of " + MAX_JSON_BYTES);
            return JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new BglException(file + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BglException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static JsonNode optionalJson(Path file) {
        if (!Files.isRegularFile(file)) return null;
        JsonNode n = readJson(file);
        if (!n.isObject()) throw new BglException(file + ": not a JSON object");
        return n;
    }

}
