package dev.bgl.chat;

import dev.bgl.chat.jinja.Template;
import dev.bgl.chat.jinja.TemplateLimits;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile templates (templates come from untrusted model files; cf. CVE-2024-34359, Jinja2 SSTI in
 * llama-cpp-python): each must end quickly, with harmless output or a clear {@link BglException},
 * never reaching a Java object's methods, exhausting memory or stack, or hanging.
 * Rendering runs on another thread (assertTimeoutPreemptively), whose stack is smaller than main's.
 */
class JinjaSandboxTest {
    private static final Map<String, Object> VARS = Map.of("x", "str", "xs", List.of(1L, 2L),
        "messages", List.of(Map.of("role", "user", "content", "hi")));

    /**
     * The template's output, or the BglException it ended with; anything else fails the test. The
     * bound only catches a hang: it is above every time limit the sandbox is given here (60 s at
     * most), so the sandbox's own limits decide how a template ends, however loaded the machine (a
     * 10 s bound here once stopped a million-iteration loop that the 60 s limit allowed).
     */
    private static Object outcome(String template, TemplateLimits limits) {
        return assertTimeoutPreemptively(Duration.ofSeconds(180), () -> {
            try {
                return Template.parse(template, limits).render(VARS);
            } catch (BglException e) {
                return e;
            }
        }, () -> "template did not finish: " + template.substring(0, Math.min(80, template.length())));
    }

    private static String harmless(String template) {
        Object o = outcome(template, TemplateLimits.DEFAULT);
        if (o instanceof String s) {
            for (String bad : List.of("java", "class", "Runtime", "uid=", "Object", "@")) {
                assertFalse(s.contains(bad), () -> "output leaks '" + bad + "': " + s);
            }
        }
        return o instanceof String s ? s : ((BglException) o).getMessage();
    }

    private static String fails(String template) {
        return fails(template, TemplateLimits.DEFAULT);
    }

    private static String fails(String template, TemplateLimits limits) {
        Object o = outcome(template, limits);
        BglException e = assertInstanceOf(BglException.class, o, () -> "expected an error, rendered: " + o);
        assertTrue(e.getMessage().startsWith("chat template: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void pythonIntrospectionPayloadsReachNothing() {
        fails("{{ ''.__class__.__mro__[1].__subclasses__() }}");
        fails("{{ cycler.__init__.__globals__.os.popen('id').read() }}");
        fails("{{ x.getClass().forName('java.lang.Runtime').getRuntime().exec('id') }}");
        fails("{{ x.toString() }}{{ x.hashCode() }}");
        fails("{{ joiner.__init__.__globals__.os.popen('id').read() }}");
        fails("{{ namespace.__init__.__globals__['__builtins__']['eval']('1') }}");
        fails("{{ ''.format.__globals__['sys'].modules['os'].system('id') }}");
        assertEquals("", harmless("{{ self.__init__.__globals__ }}"));
        assertEquals("", harmless("{{ x.__class__ }}{{ x.getClass }}{{ xs.__class__.__base__ }}{{ messages[0].__dict__ }}"));
        assertEquals("", harmless("{{ range.__self__ }}{{ lipsum }}{{ config }}{{ request }}{{ namespace.__call__ }}"));
        assertEquals("", harmless("{{ raise_exception.__globals__ }}{{ x.upper.__self__ }}{{ messages.__class__ }}"));
        harmless("{% for k in messages[0] %}{{ k }}{% endfor %}{{ messages[0].items() | list }}");
    }

    @Test
    void onlyPlainDataEntersTheTemplate() {
        Template t = Template.parse("{{ x }}");
        BglException e = assertThrows(BglException.class, () -> t.render(Map.of("x", new Object())));
        assertTrue(e.getMessage().contains("plain data"), e.getMessage());
        assertThrows(BglException.class, () -> t.render(Map.of("x", List.of(Runtime.getRuntime()))));
        assertThrows(BglException.class, () -> t.render(Map.of("x", Map.of("k", Thread.currentThread()))));
    }

    @Test
    void hugeRangesAndLoopsAreStopped() {
        assertTrue(fails("{% for i in range(10**9) %}{% endfor %}").contains("range()"));
        assertTrue(fails("{{ range(10**18) | length }}").contains("range()"));
        // a generous wall-clock limit, so that on a loaded machine the loop limit still fires first
        TemplateLimits slowMachine = new TemplateLimits(1_000_000, 1_000_000, 64, 100, 100_000, Duration.ofSeconds(60));
        assertTrue(fails("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", slowMachine)
            .contains("loops ran more than 1000000 iterations"));
    }

    @Test
    void runawayRecursionIsStopped() {
        assertTrue(fails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").contains("macro calls nested deeper than 64"));
        assertTrue(fails("{% macro f() %}{% call f() %}x{% endcall %}{% endmacro %}{{ f() }}").contains("nested deeper"));
        fails("{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}");
    }

    @Test
    void hugeStringsAndListsAreStopped() {
        assertEquals("chat template: string exceeds 1000000 chars", fails("{{ 'a' * 10**10 }}"));
        fails("{{ [1] * 10**9 }}");
        fails("{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}");
        fails("{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s + ns.s %}{% endfor %}");
        fails("{% set ns = namespace(l=[1]) %}{% for i in range(100) %}{% set ns.l = ns.l + ns.l %}{% endfor %}");
        fails("{% set s = 'a' * 100000 %}{{ s.replace('a', s) }}");
        fails("{% set s = 'a' * 100000 %}{{ s | replace('a', s) }}");
        fails("{% set l = ['aaaaaaaaaa' * 10000] * 100000 %}{{ l | join(',') }}");
        fails("{% set l = ['aaaaaaaaaa' * 10000] * 100000 %}{{ l | tojson }}");
        fails("{% set l = ['aaaaaaaaaa' * 10000] * 100000 %}{{ l }}");
        fails("{{ 'a\\nb' | indent(10**9) }}");
        fails("{{ xs | tojson(indent=10**9) }}");
        fails("{{ 'abc'.format() * 10**8 }}");
        fails("{{ 2 ** 100 }}");
        fails("{{ 9223372036854775807 + 1 }}");
    }

    @Test
    void outputIsBounded() {
        assertEquals("chat template: output exceeds 1000000 chars",
            fails("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}"));
        TemplateLimits small = new TemplateLimits(1000, 1_000_000, 64, 100, 100_000, Duration.ofSeconds(2));
        assertEquals("chat template: output exceeds 1000 chars", fails("{% for i in range(2000) %}x{% endfor %}", small));
    }

    @Test
    void cyclesAreStopped() {
        fails("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}");
        fails("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns | tojson }}");
        fails("{% set ns = namespace() %}{% set ns.l = [ns] %}{{ ns.l | string }}");
    }

    @Test
    void deepNestingIsStopped() {
        int n = 20_000;
        fails("{{ " + "(".repeat(n) + "1" + ")".repeat(n) + " }}");
        fails("{{ " + "[".repeat(n) + "]".repeat(n) + " }}");
        fails("{{ " + "{'a': ".repeat(n) + "1" + "}".repeat(n) + " }}");
        fails("{{ " + "not ".repeat(n) + "x }}");
        fails("{{ " + "- ".repeat(n) + "1 }}");
        fails("{{ 1" + " + 1".repeat(n) + " }}");
        fails("{{ x" + " | trim".repeat(n) + " }}");
        fails("{{ x" + ".a".repeat(n) + " }}");
        fails("{{ x" + "[0]".repeat(n) + " }}");
        fails("{{ 1" + " if x else 1".repeat(n) + " }}");
        fails("{% if x %}".repeat(n) + "{% endif %}".repeat(n));
        fails("{% for i in xs %}".repeat(n) + "{% endfor %}".repeat(n));
        fails("{% set ns = namespace(v=1) %}{% for i in range(500) %}{% set ns.v = [ns.v] %}{% endfor %}{{ ns.v }}");
    }

    @Test
    void wallClockLimitStopsSlowTemplates() {
        TemplateLimits quick = new TemplateLimits(1_000_000, Long.MAX_VALUE, 64, 100, 100_000, Duration.ofMillis(200));
        long t0 = System.nanoTime();
        String msg = fails("{% for i in range(100000) %}{% for j in range(100000) %}{{ '' }}{% endfor %}{% endfor %}", quick);
        assertTrue(msg.contains("rendering took longer than 200 ms"), msg);
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "timeout took too long to fire");
    }
}
