package dev.bgl.server;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random and extreme request bodies for the validation properties: structurally valid requests
 * with extreme values, and mutations of them (fields dropped, added, retyped, duplicated; bodies
 * truncated, bytes flipped or inserted, values nested deeply), and plain random bytes. Bodies are
 * built as text so that tokens a JSON library would never write (1e400, -0, 2^63, lone surrogate
 * escapes, duplicate keys) reach the server as a client could send them.
 */
final class RequestGen {
    /** One body for one endpoint; {@code kind} says how it was made (for the statistics). */
    record Body(boolean chat, byte[] bytes, String kind) {
        @Override
        public String toString() {
            String s = new String(bytes, StandardCharsets.UTF_8);
            return (chat ? "chat " : "completion ") + kind + " " + (s.length() > 2000 ? s.substring(0, 2000) + "...(" + s.length() + ")" : s);
        }
    }

    static final String[] NUMBERS = {"0", "-0", "1", "-1", "2", "3", "8", "16", "0.5", "2.5", "1.0", "300.0", "1e3", "1E+2", "-0.0",
            "1e400", "-1e400", "1e-400", "4.9e-324", "1.7976931348623157e308", "2147483647", "2147483648", "-2147483649",
            "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
            "123456789012345678901234567890", "4096", "4097", "1048576", "1048577", "1e12", "0.9999999999999999", "1e-50",
            "3600", "3600.0000001", "0.000001", "100000000", "-5", "7200", "256", "257", "33", "32", "31"};
    static final String[] OTHERS = {"null", "true", "false", "\"\"", "\"NaN\"", "\"Infinity\"", "\"-0\"", "\"1e400\"", "[]", "{}",
            "[1]", "{\"a\":1}", "\"300tok\"", "\"5s\"", "[null]", "[[[]]]", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"",
            "\"\\ud83d\\ude00\"", "\"high\"", "\"guided\"", "\"hard\""};
    static final String[] BUDGETS = {"300", "300tok", "5s", "500ms", "2min", "64MB", "1.5GB", "512KB", "100B", "2GFLOP", "5e9FLOP",
            "3TFLOP", "0.05$@0.5/1k", "5s,64MB", "1e400s", "1e400", "1e400MB", "1e400FLOP", "-3", "0", "0s", "12parsecs", "", "  ",
            "5s,5s", "300tok,2tok", "0.0000001ms", "99999999999tok", "NaN", "Infinity", "1.5", "3e2tok", ",", "5s,", "1e-400s",
            "1MiB", "1GiB", "0B", "0.5B", "1e19B", "0$@1/1k", "1$@0/1k", "9e999$@1/1k", "4.9e-324s", "10tok,10s,1MB,1GFLOP,1$@1/1k",
            "٣٠٠tok", "300 tok", "300TOK", "5S", "\\u0000", "300\\u0000", "x".repeat(200)};
    static final String[] METHODS = {"none", "hard", "guided", "prompt", "psychic", "", "HARD", "Guided"};
    static final String[] EFFORTS = {"low", "minimal", "medium", "high", "extreme", "", "LOW"};
    static final String[] ROLES = {"user", "user", "user", "system", "assistant", "developer", "tool", "robot", "", "USER"};
    static final String[] FIELDS = {"model", "stream", "n", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k",
            "min_p", "seed", "user", "thinking_budget", "thinking_budget_tokens", "thinking_token_budget", "thinking_budget_seconds",
            "budget", "budget_mode", "reasoning_effort", "presence_penalty", "stream_options", "messages", "prompt", "x\\ud800"};

    /** Bodies of every kind, for either endpoint. */
    static Arbitrary<Body> bodies() {
        return Arbitraries.randomValue(RequestGen::body);
    }

    static Body body(Random r) {
        boolean chat = r.nextInt(4) != 0;
        int kind = r.nextInt(100);
        if (kind < 35) return new Body(chat, utf8(request(r, chat, false)), "valid-shape");
        if (kind < 50) return new Body(chat, utf8(request(r, chat, true)), "retyped");
        if (kind < 58) {
            byte[] b = utf8(request(r, chat, false));
            return new Body(chat, java.util.Arrays.copyOf(b, r.nextInt(b.length + 1)), "truncated");
        }
        if (kind < 68) {
            byte[] b = utf8(request(r, chat, false));
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n && b.length > 0; i++) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            return new Body(chat, b, "bytes-flipped");
        }
        if (kind < 74) {
            String s = request(r, chat, false);
            int at = r.nextInt(s.length() + 1);
            byte[] noise = new byte[1 + r.nextInt(16)];
            r.nextBytes(noise);
            byte[] a = utf8(s.substring(0, at)), c = utf8(s.substring(at));
            byte[] b = new byte[a.length + noise.length + c.length];
            System.arraycopy(a, 0, b, 0, a.length);
            System.arraycopy(noise, 0, b, a.length, noise.length);
            System.arraycopy(c, 0, b, a.length + noise.length, c.length);
            return new Body(chat, b, "bytes-inserted");
        }
        if (kind < 80) return new Body(chat, utf8(deep(r, chat)), "deeply-nested");
        if (kind < 86) return new Body(chat, utf8(duplicated(r, chat)), "duplicate-key");
        if (kind < 92) return new Body(chat, utf8(randomJson(r, 0)), "random-json");
        byte[] b = new byte[r.nextInt(64)];
        r.nextBytes(b);
        return new Body(chat, b, "random-bytes");
    }

    /** A request with every field present or not, each value valid or extreme; {@code retype}: some values of the wrong type. */
    static String request(Random r, boolean chat, boolean retype) {
        Map<String, String> f = fields(r, chat);
        if (retype) {
            List<String> keys = new ArrayList<>(f.keySet());
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                String k = r.nextInt(4) == 0 || keys.isEmpty() ? pick(r, FIELDS) : keys.get(r.nextInt(keys.size()));
                f.put(k, r.nextBoolean() ? pick(r, OTHERS) : pick(r, NUMBERS));
            }
        }
        return object(f);
    }

    static Map<String, String> fields(Random r, boolean chat) {
        Map<String, String> f = new LinkedHashMap<>();
        if (chat) {
            if (r.nextInt(30) != 0) f.put("messages", messages(r));
        } else if (r.nextInt(30) != 0) {
            f.put("prompt", r.nextInt(10) == 0 ? "[" + str(text(r)) + "]" : str(text(r)));
        }
        if (r.nextInt(8) == 0) f.put("model", r.nextBoolean() ? "\"bgl-reasoner\"" : str(text(r)));
        if (r.nextInt(6) == 0) f.put("stream", r.nextInt(5) == 0 ? pick(r, OTHERS) : Boolean.toString(r.nextBoolean()));
        if (r.nextInt(10) == 0) f.put("n", pick(r, NUMBERS));
        // most valid-shape requests ask for few tokens: an HTTP run then stays short
        if (r.nextInt(3) != 0) f.put(r.nextInt(4) == 0 ? "max_completion_tokens" : "max_tokens",
                r.nextInt(3) == 0 ? pick(r, NUMBERS) : Integer.toString(1 + r.nextInt(12)));
        if (r.nextInt(4) == 0) f.put("temperature", r.nextBoolean() ? pick(r, NUMBERS) : String.valueOf(r.nextDouble() * 2));
        if (r.nextInt(6) == 0) f.put("top_p", r.nextBoolean() ? pick(r, NUMBERS) : String.valueOf(r.nextDouble()));
        if (r.nextInt(6) == 0) f.put("top_k", pick(r, NUMBERS));
        if (r.nextInt(8) == 0) f.put("min_p", r.nextBoolean() ? pick(r, NUMBERS) : String.valueOf(r.nextDouble()));
        if (r.nextInt(6) == 0) f.put("seed", pick(r, NUMBERS));
        if (r.nextInt(10) == 0) f.put("user", str(text(r)));
        int budget = r.nextInt(10);
        if (budget == 0) f.put(pick(r, RequestParser.TOKEN_BUDGET_FIELDS.toArray(String[]::new)), pick(r, NUMBERS));
        if (budget == 1) f.put("thinking_budget_seconds", pick(r, NUMBERS));
        if (budget == 2 || budget == 3) f.put("budget", r.nextInt(4) == 0 ? pick(r, NUMBERS) : "\"" + pick(r, BUDGETS) + "\"");
        if (budget == 4) {
            f.put("thinking_budget", Integer.toString(r.nextInt(40)));
            f.put("budget", "\"" + pick(r, BUDGETS) + "\"");
        }
        if (r.nextInt(8) == 0) f.put("budget_mode", str(pick(r, METHODS)));
        if (r.nextInt(10) == 0) f.put("reasoning_effort", str(pick(r, EFFORTS)));
        if (r.nextInt(8) == 0) f.put("stream_options", "{\"include_usage\":true}");
        return f;
    }

    static String messages(Random r) {
        int n = r.nextInt(40) == 0 ? RequestParser.MAX_MESSAGES + 1 : r.nextInt(50) == 0 ? 0 : 1 + r.nextInt(3);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(',');
            if (r.nextInt(40) == 0) {
                sb.append(pick(r, OTHERS));
                continue;
            }
            String role = i == n - 1 && r.nextInt(3) != 0 ? "user" : r.nextInt(4) == 0 ? pick(r, ROLES) : pick(r, new String[]{"user", "system", "assistant"});
            sb.append("{\"role\":").append(str(role));
            int c = r.nextInt(20);
            if (c == 0) sb.append(",\"content\":").append(pick(r, OTHERS));
            else if (c == 1) sb.append(",\"content\":[{\"type\":\"text\",\"text\":").append(str(text(r))).append("}]");
            else if (c == 2) sb.append(",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]");
            else if (c == 4 || c == 5) sb.append(",\"content\":").append(str(words(r)));
            else if (c != 3) sb.append(",\"content\":").append(str(text(r)));
            sb.append('}');
        }
        return sb.append(']').toString();
    }

    /** Short text mostly; sometimes long, empty, or full of edge characters (NUL, controls, astral, lone surrogates, RTL marks). */
    static String text(Random r) {
        int k = r.nextInt(24);
        if (k == 0 && r.nextInt(8) == 0) return "a".repeat(RequestParser.MAX_CONTENT_CHARS / 8 + r.nextInt(10)); // totals can pass the limit
        if (k == 0) return words(r);
        if (k == 1) return "";
        boolean edgy = k == 2 || k == 3;
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(edgy ? 8 : 40);
        for (int i = 0; i < n; i++) {
            int t = edgy ? r.nextInt(6) : 1 + r.nextInt(60); // no lone surrogate in ordinary text
            if (t == 0) sb.append((char) (0xD800 + r.nextInt(0x800))); // a lone surrogate (or, by chance, a pair)
            else if (t == 1) sb.append((char) r.nextInt(32));
            else if (t == 2) sb.appendCodePoint(0x10000 + r.nextInt(0xF0000));
            else if (t == 3) sb.append("\u202E\uFEFF\u0000");
            else if (t == 4) sb.append("<think></think><|im_end|>{{ x }}{% if %}");
            else if (t == 5) sb.append((char) (0x80 + r.nextInt(0xD800 - 0x80)));
            else sb.append((char) (' ' + r.nextInt(95)));
        }
        return sb.toString();
    }

    /** Letters and spaces for tens to hundreds of tokens: the prompt meets the KV, memory and context limits. */
    static String words(Random r) {
        StringBuilder sb = new StringBuilder();
        int chars = 20 + r.nextInt(600); // the embedded model's context is 384 tokens
        while (sb.length() < chars) sb.append((char) ('a' + r.nextInt(26))).append(r.nextInt(4) == 0 ? " " : "");
        return sb.toString();
    }

    /** A value nested far deeper than any request: arrays or objects, sometimes thousands of levels. */
    static String deep(Random r, boolean chat) {
        int depth = r.nextBoolean() ? 10 + r.nextInt(40) : 500 + r.nextInt(20_000);
        boolean arrays = r.nextBoolean();
        StringBuilder v = new StringBuilder();
        for (int i = 0; i < depth; i++) v.append(arrays ? "[" : "{\"a\":");
        v.append("1");
        for (int i = 0; i < depth; i++) v.append(arrays ? "]" : "}");
        Map<String, String> f = fields(r, chat);
        f.put(r.nextBoolean() ? pick(r, FIELDS) : "extra", v.toString());
        return object(f);
    }

    static String duplicated(Random r, boolean chat) {
        Map<String, String> f = fields(r, chat);
        String s = object(f);
        String k = f.isEmpty() ? "messages" : new ArrayList<>(f.keySet()).get(r.nextInt(f.size()));
        return s.substring(0, s.length() - 1) + (f.isEmpty() ? "" : ",") + "\"" + k + "\":" + pick(r, NUMBERS) + "}";
    }

    static String randomJson(Random r, int depth) {
        int t = depth > 4 ? r.nextInt(3) : r.nextInt(5);
        return switch (t) {
            case 0 -> pick(r, NUMBERS);
            case 1 -> pick(r, OTHERS);
            case 2 -> str(text(r));
            case 3 -> {
                StringBuilder sb = new StringBuilder("[");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) sb.append(i > 0 ? "," : "").append(randomJson(r, depth + 1));
                yield sb.append(']').toString();
            }
            default -> {
                Map<String, String> f = new LinkedHashMap<>();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) f.put(pick(r, FIELDS), randomJson(r, depth + 1));
                yield object(f);
            }
        };
    }

    static String object(Map<String, String> f) {
        StringBuilder sb = new StringBuilder("{");
        f.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        return sb.append('}').toString();
    }

    /** A JSON string literal; every char outside printable ASCII as a \\u escape, so lone surrogates travel as escapes. */
    static String str(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c >= 0x20 && c < 0x7f) sb.append(c);
            else sb.append(String.format("\\u%04x", (int) c));
        }
        return sb.append('"').toString();
    }

    static String pick(Random r, String[] xs) {
        return xs[r.nextInt(xs.length)];
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
