package io.qwenstream.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The interpreter against jinja2's documented semantics (as configured by transformers:
 * trim_blocks, lstrip_blocks, loop controls) and Python's value semantics. Each expected text is
 * what jinja2 3.1 prints for the template.
 */
class JinjaInterpreterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Variables every template here may use: d = {'a': 1, 'b': 2}, n = None, s = 's', l = [1]. */
    private static Map<String, Object> context() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("a", 1);
        d.put("b", 2);
        Map<String, Object> context = new HashMap<>();
        context.put("d", d);
        context.put("n", null);
        context.put("s", "s");
        context.put("l", new ArrayList<>(List.of(1)));
        return context;
    }

    private static void assertRenders(String expected, String template) {
        assertEquals(expected, new ChatTemplate(template).render(context()), template);
    }

    private static TemplateException renderError(String template) {
        return assertThrows(TemplateException.class, () -> new ChatTemplate(template).render(context()));
    }

    @Test
    void whitespaceControlMatchesTrimBlocksAndLstripBlocks() {
        // trim_blocks drops the newline after a block tag, lstrip_blocks the indentation before it;
        // '-' strips all whitespace, '+' keeps it; one trailing newline of the source is dropped.
        assertRenders("  x\n", "{% if true %}\n  x\n{% endif %}\n");
        assertRenders("    a\nb", "  {% if true %}\n    a\n  {% endif %}\nb");
        assertRenders("abc", "a  {%- if true -%}  b  {%- endif -%}  c");
        assertRenders("a b c", "a {{- ' b ' -}} c");
        assertRenders("a\nb", "{{ 'a' }}\nb");
        assertRenders("  x\ny", "  {%+ if true %}x{% endif +%}\ny");
        assertRenders("a\nb", "a\n  {# note #}\nb");
        assertRenders("x\n", "x\n\n");
        assertRenders("{{ x }}", "{% raw %}{{ x }}{% endraw %}");
        assertRenders("  a  b", "  {{ 'a' }}  {% if true %}b{% endif %}");
        assertRenders("a\nb", "a\r\n{% if true %}\r\nb{% endif %}");
    }

    @Test
    void forLoopsExposeLoopVariablesFiltersElseAndUnpacking() {
        // each iteration starts from the enclosing scope: a set inside the body does not outlive it.
        assertRenders(
                "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|",
                "{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}");
        assertRenders(
                "False-2;True1-3;True2-;",
                "{% for x in [1,2,3] %}{{ loop.previtem is defined }}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}");
        assertRenders(
                "2242|empty",
                "{% for x in [1,2,3,4] if x is even %}{{ x }}{{ loop.length }}{% else %}none{% endfor %}|{% for x in [] %}a{% else %}empty{% endfor %}");
        assertRenders(
                "a=1;b=[2];a1b2",
                "{% for k, v in {'a': 1, 'b': [2]}.items() %}{{ k }}={{ v }};{% endfor %}{% for k, v in d|items %}{{ k }}{{ v }}{% endfor %}");
        assertRenders(
                "013",
                "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}");
        assertRenders(
                "110,120,1",
                "{% set x = 1 %}{% for i in [1,2] %}{{ x }}{% set x = i * 10 %}{{ x }},{% endfor %}{{ x }}");
        assertRenders(
                "6 []",
                "{% set ns = namespace(n=0, seen=[]) %}{% for i in [1,2,3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }} {{ ns.seen }}");
        assertRenders(
                "1122/1;13/2;",
                "{% for row in [[1,2],[3]] %}{% for x in row %}{{ loop.index }}{{ x }}{% endfor %}/{{ loop.index }};{% endfor %}");
    }

    @Test
    void slicesFollowPython() {
        // negative indexes, steps and out-of-range bounds as in Python; strings slice by code point.
        assertRenders(
                "[4, 3, 2, 1] él 3 [2, 4] cba [] [1, 2] [] [4, 2]",
                "{{ [1,2,3,4][::-1] }} {{ 'héllo'[1:3] }} {{ [1,2,3][-1] }} {{ [1,2,3,4,5][1:-1:2] }} {{ 'abc'[::-1] }} {{ [1,2,3][5:] }} {{ [1,2,3][-10:2] }} [{{ 'abc'[10] }}] {{ [1,2,3,4][:-5:-2] }}");
    }

    @Test
    void macrosAndBlockSet() {
        assertRenders(
                "Hi Bo! Hi Al? Hi Cy!.",
                "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bo') }} {{ greet('Al', punct='?') }} {{ greet('Cy') + '.' }}");
        assertRenders("[a2]", "{% set x %}a{{ 1 + 1 }}{% endset %}[{{ x }}]");
    }

    @Test
    void filters() {
        assertRenders("3 5 1 0", "{{ [1,2,3]|length }} {{ 'héllo'|length }} {{ {'a':1}|length }} {{ nothing|length }}");
        assertRenders("x|hi|3a", "{{ '  x  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ 3|string + 'a' }}");
        assertRenders(
                "hello HELLO Hello world Hello-World Foo",
                "{{ 'HeLLo'|lower }} {{ 'HeLLo'|upper }} {{ 'hello wORLD'|capitalize }} {{ 'hello-world foo'|title }}");
        assertRenders(
                "a, b 12 x+y",
                "{{ ['a','b']|join(', ') }} {{ [1,2]|join }} {{ [{'n':'x'},{'n':'y'}]|join('+', attribute='n') }}");
        assertRenders(
                "d e None 0",
                "{{ undefined_var|default('d') }} {{ ''|default('e', true) }} {{ none|default('f') }} {{ 0|d(5) }}");
        assertRenders("3 4 ['a', 'b'] []", "{{ [3,4]|first }} {{ [3,4]|last }} {{ 'ab'|list }} [{{ []|first }}]");
        assertRenders(
                "43 3 0 7 2.5 7.0 3 2",
                "{{ '42'|int + 1 }} {{ '3.9'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ '2.5'|float }} {{ 7|float }} {{ -3|abs }} {{ 2.7|int }}");
        assertRenders("a+b+c bba", "{{ 'a-b-c'|replace('-', '+') }} {{ 'aaa'|replace('a','b',2) }}");
        assertRenders(
                "x,y ['A', 'B'] ['x', '?']",
                "{{ [{'n':'x'},{'n':'y'}]|map(attribute='n')|join(',') }} {{ ['a','b']|map('upper')|list }} {{ [{'n':'x'},{}]|map(attribute='n', default='?')|list }}");
        assertRenders(
                "['x'] ['y'] [{'r': 'b'}]",
                "{{ [{'n':'x','ok':true},{'n':'y','ok':false}]|selectattr('ok')|map(attribute='n')|list }} {{ [{'n':'x','ok':true},{'n':'y','ok':false}]|rejectattr('ok')|map(attribute='n')|list }} {{ [{'r':'a'},{'r':'b'}]|selectattr('r', 'equalto', 'b')|list }}");
        assertRenders(
                "[1, 3] [2, 4] [1, 2]",
                "{{ [1,2,3,4]|select('odd')|list }} {{ [1,2,3,4]|reject('odd')|list }} {{ [0,1,'',2]|select|list }}");
    }

    @Test
    void operatorsFollowPythonArithmeticAndJinjaPrecedence() {
        // floor division and modulo round toward -inf; '/' always gives a float; unary minus binds before '**'.
        assertRenders(
                "3 -4 2 3.5 2.0 1024 0.5 4 3.0 0.5",
                "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ -2 ** 2 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}");
        assertRenders(
                "3.0 a1NoneTrue abab [1, 2] 6 7.5 2",
                "{{ 1 + 2.0 }} {{ 'a' ~ 1 ~ none ~ true ~ nothing }} {{ 'ab' * 2 }} {{ [1] + [2] }} {{ 2 * 3 }} {{ 10 - 2.5 }} {{ true + 1 }}");
        assertRenders(
                "True False True True True True True True True",
                "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' in 'cat' }} {{ 2 not in [1,3] }} {{ 'k' in {'k': 1} }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 'b' >= 'a' }} {{ [1, 2] < [1, 3] }}");
        assertRenders(
                "x b True z True",
                "{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ not '' }} {{ [] or {} or 'z' }} {{ not none }}");
        assertRenders("n[]", "{{ 'y' if 1 > 2 else 'n' }}[{{ 'y' if false }}]");
    }

    @Test
    void valuesPrintAsPythonStr() {
        // floats as Python's repr; None, True, lists and dicts as Python prints them.
        assertRenders(
                "1e+16 1000000000000000.0 0.0001 1e-05 0.30000000000000004 1.5e+300 -0.0 100.0 123456789.125 0.3333333333333333 2.5e-07",
                "{{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ 0.1 + 0.2 }} {{ 1.5e300 }} {{ -0.0 }} {{ 100.0 }} {{ 123456789.125 }} {{ 1/3 }} {{ 2.5e-7 }}");
        assertRenders(
                "None True [1, 'a', None, 1.5, False] {'k': 'v', 'n': [None]}",
                "{{ none }} {{ true }} {{ [1, 'a', none, 1.5, false] }} {{ {'k': 'v', 'n': [none]} }}");
        assertRenders(
                "[\"it's\", 'say \"hi\"', 'both \\' \"', 'tab\\there']",
                "{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'tab\\there'] }}");
        assertRenders("a\tbéA\\d", "{{ \"a\\tb\\u00e9\\x41\\d\" }}");
    }

    @Test
    void floatsPrintWithTheShortestRoundTrippingDigits() {
        // Python picks the correctly rounded shortest digits; Java's Double.toString says 4.9E-324 here.
        assertRenders(
                "5e-324 1.7976931348623157e+308 9999999999999998.0 -1.5",
                "{{ 5e-324 }} {{ 1.7976931348623157e308 }} {{ 9999999999999998.0 }} {{ -1.5 }}");
    }

    @Test
    void stringAndDictMethods() {
        assertRenders(
                "['a', 'b', 'c'] ['a', 'b', '', 'c'] ['a', 'b,c'] ['', '', 'x', ''] ['a,b', 'c']",
                "{{ 'a b  c '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ '  x '.split(' ') }} {{ 'a,b,c'.rsplit(',', 1) }}");
        assertRenders(
                "x|axx|xxa|a",
                "{{ '\\n\\nx\\n'.strip('\\n') }}|{{ 'xxaxx'.lstrip('x') }}|{{ 'xxaxx'.rstrip('x') }}|{{ ' \\t a \\n'.strip() }}");
        assertRenders(
                "True True Hell0 W0rld Hello World 1St ABCabc 1 x, y",
                "{{ 'hello'.startswith('he') }} {{ 'hello'.endswith(('x','lo')) }} {{ 'Hello World'.replace('o', '0') }} {{ 'hello wORLD 1st'.title() }} {{ 'AbC'.upper() }}{{ 'AbC'.lower() }} {{ 'a-b'.find('-') }} {{ ', '.join(['x', 'y']) }}");
        assertRenders(
                "1 no None ['a', 'b'] [1, 2] 1 1 False True",
                "{{ d.get('a') }} {{ d.get('z', 'no') }} {{ d.get('z') }} {{ d.keys()|list }} {{ d.values()|list }} {{ d['a'] }} {{ d.a }} {{ d.zz is defined }} {{ d['items'] is defined }}");
    }

    @Test
    void tests() {
        assertRenders(
                "False True True False True True True True True True True False True True True False True False True True True True True True True",
                "{{ x is defined }} {{ x is undefined }} {{ n is none }} {{ n is not none }} {{ s is string }} {{ d is mapping }} {{ l is sequence }} {{ s is sequence }} {{ d is iterable }} {{ 3 is number }} {{ 3 is integer }} {{ 3.0 is integer }} {{ 3.0 is float }} {{ true is boolean }} {{ true is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 2 is in [1, 2] }} {{ 'a' is eq 'a' }} {{ true is number }} {{ l is not string }}");
    }

    @Test
    void tojsonIsPythonJsonDumpsWithEnsureAsciiOff() throws Exception {
        Object value = JSON.readValue("""
                {"name": "Zoë 😀", "vals": [1, 2.5, 1e-7, 1e16, 100.0, true, null, -0.0],
                 "nested": {"q": "say \\"hi\\"\\n\\\\ \\u0001\\u007f", "z": {}, "e": []}}""", Object.class);
        ChatTemplate template = new ChatTemplate("{{ v | tojson }}");
        // Python's default separators, keys in input order, floats as repr, only control characters escaped.
        assertEquals(
                "{\"name\": \"Zoë 😀\", \"vals\": [1, 2.5, 1e-07, 1e+16, 100.0, true, null, -0.0], "
                        + "\"nested\": {\"q\": \"say \\\"hi\\\"\\n\\\\ \\u0001\u007f\", \"z\": {}, \"e\": []}}",
                template.render(Map.of("v", value)));
    }

    @Test
    void tojsonOptions() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("b", List.of(1, Map.of("c", true)));
        v.put("a", List.of());
        Map<String, Object> context = Map.of("v", v);
        // With an indent Python's item separator becomes "," (no trailing space); empty containers stay "[]".
        assertEquals(
                "{\n  \"b\": [\n    1,\n    {\n      \"c\": true\n    }\n  ],\n  \"a\": []\n}",
                new ChatTemplate("{{ v | tojson(indent=2) }}").render(context));
        assertEquals(
                "{\"a\": [], \"b\": [1, {\"c\": true}]}",
                new ChatTemplate("{{ v | tojson(sort_keys=true) }}").render(context));
        assertEquals(
                "{\"b\":[1,{\"c\":true}],\"a\":[]}",
                new ChatTemplate("{{ v | tojson(separators=(',', ':')) }}").render(context));
        assertEquals(
                "\"\\u00e9\\ud83d\\ude00\"",
                new ChatTemplate("{{ 'é😀' | tojson(ensure_ascii=true) }}").render(Map.of()));
        assertEquals(
                "Object of type Undefined is not JSON serializable",
                renderError("{{ missing | tojson }}").reason());
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        TemplateException e = assertThrows(
                TemplateException.class, () -> new ChatTemplate("line one\n{% if x %}\n{{ x + }}\n{% endif %}"));
        assertEquals(3, e.line());
        assertEquals(8, e.column());
        assertTrue(e.getMessage().contains("'}}'"), e.getMessage());

        TemplateException unclosed =
                assertThrows(TemplateException.class, () -> new ChatTemplate("a\n{% for x in y %}{{ x }}"));
        assertEquals(2, unclosed.line());
        assertTrue(unclosed.getMessage().contains("endfor"), unclosed.getMessage());

        assertTrue(assertThrows(TemplateException.class, () -> new ChatTemplate("{% frobnicate %}"))
                .getMessage()
                .contains("unknown tag 'frobnicate'"));
        assertTrue(assertThrows(TemplateException.class, () -> new ChatTemplate("{% break %}"))
                .getMessage()
                .contains("only allowed inside a for loop"));
        assertTrue(assertThrows(TemplateException.class, () -> new ChatTemplate("{{ 'open }}"))
                .getMessage()
                .contains("unterminated string"));
    }

    @Test
    void runtimeErrorsAreTemplateExceptionsWithTheLine() {
        TemplateException raised = renderError("ok\n{{ raise_exception('Bad role: ' ~ s) }}");
        assertEquals("Bad role: s", raised.reason());
        assertEquals(2, raised.line());

        assertEquals("'foo' is undefined", renderError("{{ foo.bar }}").reason());
        assertEquals(
                "'dict object' has no attribute 'zz'",
                renderError("{{ d.zz.yy }}").reason());
        assertEquals(
                "can only concatenate str (not \"int\") to str",
                renderError("{{ 'a' + 1 }}").reason());
        assertEquals(
                "argument of type 'NoneType' is not iterable",
                renderError("{{ 'a' in n }}").reason());
        assertTrue(renderError("{% set s.x = 1 %}").reason().contains("non-namespace"));
        assertEquals("no filter named 'nope'", renderError("{{ 1 | nope }}").reason());
    }
}
