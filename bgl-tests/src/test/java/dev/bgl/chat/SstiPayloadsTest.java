package dev.bgl.chat;

import dev.bgl.chat.jinja.Template;
import dev.bgl.chat.jinja.TemplateLimits;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server-side template injection payloads of the chat-template CVEs (CVE-2024-34359 in
 * llama-cpp-python, the vLLM and SGLang ones) and resource-exhaustion payloads, each with the outcome
 * we require: a harmless render (undefined attributes render as nothing) or a clear error naming the
 * limit or the problem. Never code execution, a Java object, a hang, OOM or StackOverflowError.
 * The table in docs/security.md is this list; the test prints it in that form.
 */
class SstiPayloadsTest {
    /** expect: "" for a harmless empty render, "=text" for a harmless render of text, otherwise a regex found in the error message (which limit fires first may depend on the machine's speed). */
    record Payload(String template, String expect) {
    }

    static final String DEEP = "{{ " + "[".repeat(50_000) + "]".repeat(50_000) + " }}";

    static final List<Payload> PAYLOADS = List.of(
        new Payload("{{ ''.__class__.__mro__[1].__subclasses__() }}", "cannot be called"),
        new Payload("{{ self.__init__.__globals__ }}", ""),
        new Payload("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "cannot be called"),
        new Payload("{{ joiner.__init__.__globals__.os.popen('id').read() }}", "cannot be called"),
        new Payload("{{ lipsum.__globals__ }}", ""),
        new Payload("{{ lipsum.__globals__['os'].popen('id').read() }}", "cannot be called"),
        new Payload("{{ config.items() }}", "cannot be called"),
        new Payload("{{ request.application.__globals__.__builtins__ }}", ""),
        new Payload("{{ namespace.__init__.__globals__['__builtins__']['eval']('1') }}", "cannot be called"),
        new Payload("{{ x.getClass().forName('java.lang.Runtime') }}", "cannot be called"),
        new Payload("{{ ''.getClass() }}", "cannot be called"),
        new Payload("{{ ''.getClass }}", ""),
        new Payload("{{ messages.__class__ }}", ""),
        new Payload("{{ messages[0].__dict__ }}", ""),
        new Payload("{{ raise_exception.__globals__ }}", ""),
        new Payload("{{ range.__self__ }}", ""),
        new Payload("{{ x.upper.__self__.__class__ }}", ""),
        new Payload("{{ messages | attr('__class__') }}", ""),
        new Payload("{{ (messages|map(attribute='__class__')|list) }}", "=[]"),
        new Payload("{% for i in range(10**9) %}{% endfor %}", "range()"),
        new Payload("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            "loops ran more than|output exceeds|rendering took longer than"),
        new Payload("{{ 'a' * 10**9 }}", "string exceeds 1000000 chars"),
        new Payload("{{ [0] * 10**9 }}", "exceeds"),
        new Payload("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "macro calls nested deeper than 64"),
        new Payload("{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}", "nested deeper than 64"),
        new Payload(DEEP, "nested"),
        new Payload("{% include 'x' %}", "include"),
        new Payload("{% import 'os' as os %}", "import"));

    private static final Map<String, Object> VARS = Map.of("x", "str",
        "messages", List.of(Map.of("role", "user", "content", "hi")));

    private static String outcome(String template) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try {
                String out = Template.parse(template, TemplateLimits.DEFAULT).render(VARS);
                return "renders '" + out + "'";
            } catch (BglException e) {
                return "error: " + e.getMessage();
            }
        }, () -> "did not finish: " + template.substring(0, Math.min(60, template.length())));
    }

    @Test
    void everyPayloadEndsHarmlessly() {
        List<String> rows = new ArrayList<>(), failures = new ArrayList<>();
        for (Payload p : PAYLOADS) {
            String got = outcome(p.template());
            String shown = p.template().length() > 90 ? p.template().substring(0, 40) + "… (" + p.template().length() + " chars)" : p.template();
            rows.add("| `" + shown.replace("|", "\\|") + "` | " + got.replace("|", "\\|") + " |");
            boolean ok = p.expect().isEmpty() ? got.equals("renders ''")
                : p.expect().startsWith("=") ? got.equals("renders '" + p.expect().substring(1) + "'")
                : got.startsWith("error: chat template: ") && java.util.regex.Pattern.compile(p.expect()).matcher(got).find();
            if (!ok) failures.add(shown + " -> " + got + " (expected " + (p.expect().isEmpty() ? "an empty render" : "an error with '" + p.expect() + "'") + ")");
        }
        System.out.println(String.join("\n", rows));
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
