package dev.bgl.chat;

import dev.bgl.chat.HfJinjaReference.Case;
import dev.bgl.chat.HfJinjaReference.Result;
import dev.bgl.chat.jinja.Template;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Our engine against the reference renderer {@code @huggingface/jinja@0.5.11}, byte for byte, over the
 * real templates with many conversations and over small templates exercising each feature.
 * Cases stay where the reference agrees with Jinja2 (Python); where it deviates, {@link JinjaSemanticsTest}
 * checks Jinja2's behaviour instead.
 */
class HfJinjaDifferentialTest {

    @Test
    void realTemplatesMatchReference() throws Exception {
        List<Case> cases = new ArrayList<>();
        Map<String, String> templates = Map.of(
            "qwen3", ChatTemplateFixturesTest.load("qwen3.jinja"),
            "r1", ChatTemplateFixturesTest.load("deepseek-r1-distill-qwen.jinja"),
            "chatml", ChatTemplate.CHATML_SOURCE);
        Map<String, List<ChatMessage>> conversations = new LinkedHashMap<>();
        conversations.put("single", List.of(ChatMessage.user("Hello")));
        conversations.put("system", List.of(ChatMessage.system("You are terse."), ChatMessage.user("Hi there")));
        conversations.put("multiturn", List.of(
            ChatMessage.system("Sys"), ChatMessage.user("What is 2+2?"),
            ChatMessage.assistant("<think>\nadd them\n</think>\n\n4"), ChatMessage.user("And 3+3?"),
            ChatMessage.assistant("<think>\nagain\n</think>\n\n6"), ChatMessage.user("Thanks")));
        conversations.put("endsWithAssistant", List.of(
            ChatMessage.user("Q"), ChatMessage.assistant("<think>\nreasoning here\n</think>\n\nA")));
        conversations.put("reasoningContent", List.of(
            ChatMessage.user("Q1"), new ChatMessage("assistant", "A1", "I thought\nhard"),
            ChatMessage.user("Q2"), new ChatMessage("assistant", "A2", "more thought")));
        conversations.put("noThinkTags", List.of(
            ChatMessage.user("Q"), ChatMessage.assistant("plain answer"), ChatMessage.user("again")));
        conversations.put("unicode", List.of(
            ChatMessage.user("Ünïcödé 你好 🙂 \"quotes\" 'single' \\ back"), ChatMessage.assistant("<think>\n🤔\n</think>\n\n好")));
        conversations.put("multiline", List.of(
            ChatMessage.system("line1\nline2\n"), ChatMessage.user("a\n\nb"), ChatMessage.assistant("x\ny")));
        for (Map.Entry<String, String> t : templates.entrySet()) {
            for (Map.Entry<String, List<ChatMessage>> conv : conversations.entrySet()) {
                for (boolean gen : new boolean[] {false, true}) {
                    for (Boolean thinking : new Boolean[] {null, true, false}) {
                        RenderOptions opts = new RenderOptions(gen, thinking, "<｜begin▁of▁sentence｜>", "<|im_end|>", Map.of());
                        String name = t.getKey() + "/" + conv.getKey() + "/gen=" + gen + "/think=" + thinking;
                        cases.add(new Case(name, t.getValue(), ChatTemplate.variables(conv.getValue(), opts)));
                    }
                }
            }
        }
        // Tool use through raw contexts (ChatMessage carries no tool calls): exercises tojson and tool branches.
        Map<String, Object> tool = ctx("type", "function", "function", ctx("name", "get_weather",
            "description", "Weather for a city", "parameters", ctx("type", "object",
                "properties", ctx("city", ctx("type", "string")), "required", List.of("city"))));
        List<Object> toolMessages = List.of(
            ctx("role", "system", "content", "Use tools."),
            ctx("role", "user", "content", "Weather in Paris?"),
            ctx("role", "assistant", "content", "", "tool_calls", List.of(ctx("type", "function",
                "function", ctx("name", "get_weather", "arguments", ctx("city", "Paris"))))),
            ctx("role", "tool", "content", "{\"temp\": 21}"),
            ctx("role", "tool", "content", "sunny"),
            ctx("role", "assistant", "content", "It is 21 and sunny."));
        List<Object> r1ToolMessages = List.of(
            ctx("role", "user", "content", "Weather in Paris?"),
            ctx("role", "assistant", "content", null, "tool_calls", List.of(ctx("type", "function",
                "function", ctx("name", "get_weather", "arguments", "{\"city\": \"Paris\"}")))),
            ctx("role", "tool", "content", "21"),
            ctx("role", "tool", "content", "sunny"));
        for (boolean gen : new boolean[] {false, true}) {
            cases.add(new Case("qwen3/tools/gen=" + gen, templates.get("qwen3"),
                ctx("messages", toolMessages, "tools", List.of(tool), "add_generation_prompt", gen)));
            cases.add(new Case("r1/tools/gen=" + gen, templates.get("r1"),
                ctx("messages", r1ToolMessages, "bos_token", "<s>", "add_generation_prompt", gen)));
        }
        assertSameAsReference(cases);
        assertTrue(cases.size() >= 100, "expected many real-template cases, got " + cases.size());
    }

    @Test
    void featureTemplatesMatchReference() throws Exception {
        Map<String, Object> vars = ctx(
            "xs", List.of(1L, 2L, 3L, 4L),
            "words", List.of("banana", "Apple", "cherry", "apple"),
            "d", ctx("b", 2L, "a", 1L, "c", 3L),
            "m", ctx("role", "user", "content", "  Hello World  "),
            "users", List.of(ctx("name", "Ann", "age", 31L, "admin", true), ctx("name", "bob", "age", 25L, "admin", false),
                ctx("name", "Cy", "age", 40L)),
            "messages", List.of(ctx("role", "system", "content", "S"), ctx("role", "user", "content", "U1"),
                ctx("role", "assistant", "content", "A1"), ctx("role", "user", "content", "U2")),
            "s", "a,b,,c", "n", 7L, "f", 2.5, "empty", List.of(), "t", true, "nothing", null);
        String[][] templates = {
            {"text", "plain text only"},
            {"wsControl", "a  {{- 'b' -}}  c {%- if true -%}  d  {%- endif -%}  e"},
            {"trimLstrip", "<\n  {% if true %}\n  x\n  {% endif %}\n  {# note #}\n y\n>"},
            {"trimLstripFor", "{% for x in xs %}\n    - {{ x }}\n{% endfor %}\ndone"},
            {"comments", "a {# c #} b\n{#- x -#}\n c {#- y #} d"},
            {"ifElifElse", "{% for x in xs %}{% if x == 1 %}one{% elif x is even %}even{% else %}odd{% endif %},{% endfor %}"},
            {"forElse", "{% for x in empty %}x{% else %}none{% endfor %}|{% for x in xs %}{{ x }}{% else %}no{% endfor %}"},
            {"forIfFilter", "{% for x in xs if x > 1 %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %}"},
            {"loopVars", "{% for x in xs %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}[{{ loop.previtem }}|{{ loop.nextitem }}] {% endfor %}"},
            {"breakContinue", "{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"},
            {"nestedLoops", "{% for a in [1, 2] %}{% for b in ['x', 'y'] %}{{ a }}{{ b }}{{ loop.index }}{% endfor %};{{ loop.index }} {% endfor %}"},
            {"dictItems", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"},
            {"dictKeysLoop", "{% for k in d %}{{ k }}{% endfor %}|{{ d.keys() | join(',') }}|{{ d.values() | join(',') }}"},
            {"namespace", "{% set ns = namespace(total=0, seen='') %}{% for x in xs %}{% set ns.total = ns.total + x %}{% set ns.seen = ns.seen ~ x %}{% endfor %}{{ ns.total }} {{ ns.seen }}"},
            {"setScope", "{% set y = 1 %}{% if true %}{% set y = 2 %}{% endif %}{{ y }}"},
            {"blockSet", "{% set block %}Hello {{ m.role }}!{% endset %}[{{ block }}]"},
            {"tupleSet", "{% set a, b = [1, 'two'] %}{{ a }}-{{ b }}"},
            {"macro", "{% macro greet(name, greeting='Hi', punct='!') %}{{ greeting }} {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', 'Yo') }} {{ greet('Cy', punct='?') }}"},
            {"macroRecursive", "{% macro count(n) %}{{ n }}{% if n > 0 %},{{ count(n - 1) }}{% endif %}{% endmacro %}{{ count(5) }}"},
            {"callBlock", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ m.role }}{% endcall %}"},
            {"filterBlock", "{% filter upper %}shout {{ m.role }}{% endfilter %}"},
            {"stringEscapes", "{{ 'a\\nb\\tc\\'d' }}|{{ \"e\\\"f\" }}|{{ '\\u00e9\\x41' }}|{{ 'x' 'y' }}"},
            {"arithmetic", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 10 / 4 }} {{ 10 / 5 }} {{ 1.5 + 1 }} {{ -n }} {{ f * 2 }}"},
            {"comparisons", "{% if 1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3 and 1 == 1 and 1 != 2 and 'a' == 'a' and 'a' != 'b' %}ok{% endif %}{% if f > n %}no{% else %}yes{% endif %}"},
            {"inNotIn", "{% if 2 in xs %}a{% endif %}{% if 9 not in xs %}b{% endif %}{% if 'ell' in 'hello' %}c{% endif %}{% if 'a' in d %}d{% endif %}{% if 'z' not in d %}e{% endif %}"},
            {"tests", "{% if missing is undefined and xs is defined and nothing is none and s is string and n is number and d is mapping and xs is iterable and xs is sequence %}1{% endif %}"
                + "{% if t is true and not (t is false) and t is boolean and n is integer and n is odd and 4 is even %}2{% endif %}"
                + "{% if 'abc' is lower and 'ABC' is upper and not ('aBc' is lower) %}3{% endif %}{% if m is not string %}4{% endif %}"},
            {"logicValues", "[{{ '' or 'x' }}][{{ 'a' and 'b' }}][{{ 0 or 'zero' }}][{{ 'T' if not empty else 'F' }}][{{ empty or 'e' }}]"},
            {"ternary", "{{ 'big' if n > 5 else 'small' }} {{ 'a' if false else 'b' if true else 'c' }} [{{ 'x' if false }}]"},
            {"concat", "{{ 'a' ~ 1 ~ 'b' ~ f }} {{ 'x' + 'y' }}"},
            {"literalsJson", "{{ [1, 'a', none, true, false, 2.5] | tojson }} {{ {'k': [1, {'z': 'v'}], 'e': {}} | tojson }} {{ [] | tojson }}"},
            {"tojsonOptions", "{{ d | tojson(indent=2) }}|{{ users[0] | tojson(sort_keys=true) }}|{{ 'é\"\\n' | tojson }}|{{ xs | tojson(indent=1) }}"},
            {"access", "{{ m.role }} {{ m['content'] }} {{ xs[0] }} {{ xs[-1] }} {{ users[1].name }} {{ users[1]['age'] }} [{{ m.missing }}] [{{ xs[10] }}]"},
            {"slicing", "{{ xs[1:] | join }} {{ xs[::-1] | join }} {{ xs[:2] | join }} {{ xs[1:3] | join }} {{ xs[::2] | join }} {{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ xs[-2:] | join }}"},
            {"stringMethods", "[{{ m.content.strip() }}][{{ m.content.lstrip() }}][{{ m.content.rstrip() }}][{{ '\\nab\\n'.strip('\\n') }}][{{ 'hello'.upper() }}][{{ 'HeLLo'.lower() }}][{{ 'hello world'.title() }}]"},
            {"splitStartsWith", "{{ s.split(',') | tojson }} {{ ' a  b '.split() | tojson }} {{ 'a-b-c'.split('-', 1) | tojson }}{% if 'hello'.startswith('he') and 'hello'.endswith('lo') and 'hello'.startswith(('x', 'h')) %} yes{% endif %}"},
            {"replace", "{{ 'aaa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 2) }} {{ 'a-b' | replace('-', '+') }}"},
            {"dictMethods", "{{ d.get('a') }} {{ d.get('zz', 'dflt') }} {{ d.items() | list | length }} {{ d['c'] }}"},
            {"filtersText", "[{{ m.content | trim }}][{{ 'abc' | upper }}][{{ 'ABC' | lower }}][{{ 'hello' | capitalize }}][{{ 'hello world' | title }}][{{ 'a\\nb\\n\\nc' | indent }}][{{ 'x\\ny' | indent(2, true) }}]"},
            {"filtersSeq", "{{ xs | length }} {{ 'héllo' | length }} {{ d | length }} {{ xs | first }} {{ xs | last }} {{ xs | join('-') }} {{ words | reverse | join(',') }} {{ [3, 1, 2] | sort | join }} {{ [1, 2, 1, 3, 2] | unique | join }}"},
            {"filtersDefault", "[{{ missing | default('dflt') }}][{{ '' | default('e', true) }}][{{ '' | default('e') }}][{{ n | default(0) }}]"},
            {"filtersNumbers", "{{ '42' | int + 1 }} {{ '1.5' | float + 1 }} {{ -3 | abs }} {{ n | string ~ '!' }} {{ 3.7 | int }} {{ 'x' | int }}"},
            {"filtersDict", "{{ d | items | list | tojson }} {{ d | dictsort | tojson }}"},
            {"selectMap", "{{ users | selectattr('admin') | map(attribute='name') | join(',') }}|{{ users | rejectattr('admin') | map(attribute='name') | join(',') }}|{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(' ') }}"},
            {"sortAttr", "{{ users | sort(attribute='age') | map(attribute='name') | join(',') }} {{ users | sort(attribute='age', reverse=true) | map(attribute='name') | join(',') }} {{ words | sort | join(',') }}"},
            {"safe", "{{ '<b>' | safe }}"},
            {"range", "{{ range(5) | join(',') }} {{ range(2, 5) | join(',') }} {{ range(10, 0, -3) | join(',') }} {{ range(0) | length }}"},
            {"strftime", "{{ strftime_now('%Y') | length }}"},
            {"messagesLoop", "{% for m in messages if m.role != 'system' %}{{ loop.index }}:{{ m.role }}={{ m.content }};{% endfor %}"},
            {"listConcat", "{{ ([1] + [2, 3]) | tojson }} {{ (xs + [5]) | length }}"},
            {"tupleLen", "{{ (1, 2, 3) | length }} {{ ((1, 2), (3, 4)) | length }}"},
            {"nestedNamespace", "{% set ns = namespace(found=false, idx=-1) %}{% for m in messages[::-1] %}{% if not ns.found and m.role == 'user' %}{% set ns.found = true %}{% set ns.idx = messages | length - 1 - loop.index0 %}{% endif %}{% endfor %}{{ ns.idx }}"},
            {"undefinedChain", "[{{ missing }}][{{ missing.attr }}]{% if missing.attr is not defined %}U{% endif %}{% if m.missing is undefined %}V{% endif %}"},
            {"notOperator", "{% if not nothing %}a{% endif %}{% if not (n > 10) %}b{% endif %}{% if not missing %}c{% endif %}"},
            {"listLiteral", "{{ [1, 2, 3] }} {{ [[1, 2], [3]] | length }} {{ {'a': 1}['a'] }}"},
            {"raiseException", "{% if n > 5 %}{{ raise_exception('n too big') }}{% endif %}"},
            {"multilineTemplate", "{%- for m in messages %}\n    {%- if m.role == 'user' %}\n        {{- '<u>' + m.content + '</u>\\n' }}\n    {%- else %}\n        {{- m.content + '\\n' }}\n    {%- endif %}\n{%- endfor %}\n"},
            {"emitWhitespace", "line1\n{{ n }}\n  {{ n }}  \nline4\n"},
            {"floats", "{{ 0.1 + 0.2 }} {{ 1.0 }} {{ 2.5 * 2 }} {{ 1 / 3 }} {{ 100.0 / 8 }}"},
        };
        List<Case> cases = new ArrayList<>();
        for (String[] t : templates) cases.add(new Case(t[0], t[1], vars));
        assertSameAsReference(cases);
        assertTrue(cases.size() >= 40, "expected at least 40 feature cases, got " + cases.size());
    }

    private static void assertSameAsReference(List<Case> cases) throws IOException, InterruptedException {
        Map<String, Result> ref = HfJinjaReference.render(cases);
        List<String> problems = new ArrayList<>();
        for (Case c : cases) {
            Result r = ref.get(c.name());
            if (r == null) {
                problems.add(c.name() + ": no result from the reference");
                continue;
            }
            String ours;
            try {
                ours = Template.parse(c.template()).render(c.context());
            } catch (BglException e) {
                if (r.error() == null) problems.add(c.name() + ": we failed (" + e.getMessage() + ") but the reference rendered " + quote(r.output()));
                continue;
            }
            if (r.error() != null) problems.add(c.name() + ": reference failed (" + r.error() + ") but we rendered " + quote(ours));
            else if (!ours.equals(r.output())) problems.add(c.name() + ":\n   ours " + quote(ours) + "\n   ref  " + quote(r.output()));
        }
        if (!problems.isEmpty()) fail(problems.size() + " of " + cases.size() + " cases differ from @huggingface/jinja:\n" + String.join("\n", problems));
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }

    /** A map that keeps order and allows null values. */
    static Map<String, Object> ctx(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
