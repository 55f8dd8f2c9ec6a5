package dev.bgl.chat.jinja;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.fuzz.Contract;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzz targets of the chat-template engine: hostile template source rendered with an ordinary
 * context, and a hostile context (JSON turned into plain data, as a request's messages would be)
 * rendered by the real templates. Limits are smaller than the defaults so that each input is quick.
 */
public final class TemplateFuzzTargets {
    /** Fast limits for fuzzing: a template may still loop, allocate or recurse, but not for long. */
    static final TemplateLimits LIMITS = new TemplateLimits(20_000, 10_000, 32, 100, 1_000, Duration.ofMillis(250));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Object> VARS = Map.of(
        "messages", List.of(Map.of("role", "system", "content", "s"), Map.of("role", "user", "content", "hi"),
            Map.of("role", "assistant", "content", "<think>\nx\n</think>\n\nok")),
        "add_generation_prompt", true, "bos_token", "<s>", "tools", List.of(Map.of("name", "f")));
    private static final List<Template> REAL = List.of(
        Template.parse(resource("qwen3.jinja"), LIMITS), Template.parse(resource("deepseek-r1-distill-qwen.jinja"), LIMITS),
        Template.parse(resource("features.jinja"), LIMITS));

    private TemplateFuzzTargets() {
    }

    private static String resource(String name) {
        try (InputStream in = TemplateFuzzTargets.class.getResourceAsStream("/fuzz/template/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource fuzz/template/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Template source (UTF-8, lossy), parsed and rendered with an ordinary chat context. */
    public static boolean templateSource(byte[] data) {
        return Contract.parsesOrFailsClearly(() -> {
            String out = Template.parse(new String(data, StandardCharsets.UTF_8), LIMITS).render(VARS);
            if (out.length() > LIMITS.maxOutputChars()) throw new AssertionError("output over the limit: " + out.length());
        });
    }

    /** A JSON render context (the messages of a request, tools, flags) rendered by the real templates. */
    public static boolean renderContext(byte[] data) {
        JsonNode root;
        try {
            root = JSON.readTree(data);
        } catch (IOException e) {
            // not JSON: the server's request parsing refuses it, not the template. (IOException, not only
            // JacksonException: on bytes that look like UTF-32 Jackson throws CharConversionException.)
            return false;
        }
        if (root == null || !root.isObject()) return false;
        @SuppressWarnings("unchecked") Map<String, Object> vars = (Map<String, Object>) plain(root);
        boolean any = false;
        for (Template t : REAL) any |= Contract.parsesOrFailsClearly(() -> t.render(vars));
        return any;
    }

    private static Object plain(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            n.properties().forEach(e -> m.put(e.getKey(), plain(e.getValue())));
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(e -> l.add(plain(e)));
            return l;
        }
        if (n.isTextual()) return n.asText();
        if (n.isBoolean()) return n.asBoolean();
        if (n.isIntegralNumber()) return n.canConvertToLong() ? (Object) n.asLong() : (Object) n.asDouble();
        if (n.isNumber()) return n.asDouble();
        return null;
    }
}
