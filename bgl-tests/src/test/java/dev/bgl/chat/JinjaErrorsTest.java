package dev.bgl.chat;

import dev.bgl.chat.jinja.Template;
import dev.bgl.chat.jinja.TemplateException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parse and render errors name the place (line:column) and what was expected. */
class JinjaErrorsTest {
    private static String parseError(String template) {
        return assertThrows(TemplateException.class, () -> Template.parse(template)).getMessage();
    }

    private static String renderError(String template) {
        Template t = Template.parse(template);
        return assertThrows(TemplateException.class, () -> t.render(Map.of("x", "s", "xs", List.of(1L)))).getMessage();
    }

    @Test
    void parseErrorsGiveLineColumnAndExpectation() {
        assertEquals("chat template: 1:8: expected an expression, got '}}'", parseError("{{ 1 + }}"));
        assertEquals("chat template: 2:8: unexpected end of template, expected {% else %} or {% endfor %}",
            parseError("{% for x in xs %}\n{{ x }}"));
        assertEquals("chat template: 1:14: unexpected {% endfor %}, expected {% elif %} or {% else %} or {% endif %}",
            parseError("{% if x %}{% endfor %}"));
        assertEquals("chat template: 3:4: unexpected {% endif %}", parseError("a\nb\n{% endif %}"));
        assertEquals("chat template: 1:8: no filter named 'nosuch'", parseError("{{ x | nosuch }}"));
        assertEquals("chat template: 1:9: no test named 'nosuch'", parseError("{{ x is nosuch }}"));
        assertEquals("chat template: 1:4: 'include' is not supported in chat templates", parseError("{% include 'a' %}"));
        assertEquals("chat template: 1:10: string literal is not closed, expected '", parseError("hello {{ 'abc }}"));
        assertEquals("chat template: 1:4: 'break' outside a for loop", parseError("{% break %}"));
        assertEquals("chat template: 2:1: tag is not closed, expected '}}'", parseError("a\n{{ x "));
        assertEquals("chat template: 1:3: comment is not closed, expected '#}'", parseError("ab{# x"));
        assertEquals("chat template: 1:6: unexpected character '$'", parseError("{{ x $ }}"));
        assertEquals("chat template: 1:16: expected 'in' in for statement, got 'of'", parseError("{% for x, y, z of xs %}{% endfor %}"));
    }

    /** Found by the templateSource fuzz target: an integer index after '.' beyond a long (a NumberFormatException before). */
    @Test
    void hugeIntegerIndexAfterADotIsAParseError() {
        assertEquals("chat template: 1:6: integer literal 444444444444444444444444444444 is too large",
                parseError("{{ x.444444444444444444444444444444 }}"));
        assertEquals("chat template: 1:4: integer literal 99999999999999999999 is too large", parseError("{{ 99999999999999999999 }}"));
    }

    /** Found by the templateSource fuzz target: none given to a filter, test or loop that iterates (an NPE before). */
    @Test
    void noneIsNotIterableNorSized() {
        for (String t : List.of("{{ none | join }}", "{{ none | length }}", "{{ 'a' in none }}", "{% for y in none %}{% endfor %}",
                "{% set ns = namespace(last=none|join) %}", "{{ none | list }}", "{{ none | sort }}"))
            assertTrue(renderError(t).contains("NoneType"), t + " -> " + renderError(t));
    }

    @Test
    void renderErrorsNameTheProblem() {
        assertEquals("chat template: 1:4: 'foo' is undefined, so it cannot be called", renderError("{{ foo() }}"));
        assertEquals("chat template: 1:8: unsupported operand type(s) for +: 'str' and 'int'", renderError("{{ 'a' + 1 }}"));
        assertEquals("chat template: 1:17: the template raised an error: no tools", renderError("{% if true %}{{ raise_exception('no tools') }}{% endif %}"));
        assertEquals("chat template: 1:1: cannot assign attribute 'a' on a str (only on a namespace)", renderError("{% set x.a = 1 %}"));
        assertEquals("chat template: 1:1: cannot unpack 1 values into 2 loop variables", renderError("{% for a, b in [[1]] %}{% endfor %}"));
        assertEquals("chat template: 1:1: 'int' object is not iterable", renderError("{% for a, b in xs %}{% endfor %}"));
    }
}
