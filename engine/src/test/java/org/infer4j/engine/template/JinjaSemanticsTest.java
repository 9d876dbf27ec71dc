package org.infer4j.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Interpreter semantics the chat template goldens do not reach. Every expected string was produced
 * by Python jinja2 3.1.6 in Hugging Face's configuration (ImmutableSandboxedEnvironment,
 * trim_blocks, lstrip_blocks, loopcontrols, HF's tojson, strftime_now at 2024-07-26 15:04:05) with
 * the variables of {@link #variables()}, and pasted here verbatim.
 */
class JinjaSemanticsTest {

    private static final Clock CLOCK = Clock.fixed(
            LocalDateTime.parse("2024-07-26T15:04:05").toInstant(ZoneOffset.UTC), ZoneOffset.UTC);

    static Map<String, Object> variables() {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("d", ordered("a", 1, "b", List.of(1, 2)));
        vars.put("l", List.of(3, 1, 2));
        vars.put("s", "Hello World");
        vars.put("n", null);
        vars.put("tree", List.of(
                ordered("name", "a", "children", List.of(ordered("name", "b", "children", List.of()), ordered("name", "c"))),
                ordered("name", "d")));
        vars.put("users", List.of(
                ordered("name", "ann", "age", 31, "active", true, "role", "admin"),
                ordered("name", "bob", "age", 25, "active", false, "role", "user"),
                ordered("name", "cy", "age", 40, "active", true, "role", "user")));
        return vars;
    }

    private static Map<String, Object> ordered(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private static Arguments example(String name, String template, String expected) {
        return Arguments.of(name, template, expected);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                example("loop_previtem_nextitem",
                        "{% for x in l %}{{ loop.previtem }}-{{ loop.nextitem }}-{{ loop.revindex }}-{{ loop.cycle('a','b') }};{% endfor %}",
                        "-1-3-a;3-2-2-b;1--1-a;"),
                example("loop_flags",
                        "{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex0 }} {% endfor %}",
                        "10TrueFalse32 21FalseFalse31 32FalseTrue30 "),
                example("loop_filter_else",
                        "{% for x in l if x > 1 %}{{ loop.index }}/{{ loop.length }} {% else %}none{% endfor %}{% for x in [] %}{% else %}empty{% endfor %}",
                        "1/2 2/2 empty"),
                example("loop_break_continue",
                        "{% for x in range(10) %}{% if x is odd %}{% continue %}{% endif %}{% if x > 6 %}{% break %}{% endif %}{{ x }}{% endfor %}",
                        "0246"),
                example("loop_unpack_items",
                        "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k, v in d|items %}{{ k }}{% endfor %}{% for k in d %}{{ k }}{% endfor %}",
                        "a=1;b=[1, 2];abab"),
                example("loop_scope",
                        "{% set x = 'outer' %}{% for i in range(2) %}{{ x }}{% set x = 'inner' %}{{ x }}{% endfor %}{{ x }}",
                        "outerinnerouterinnerouter"),
                example("loop_nested",
                        "{% for a in [1,2] %}{% for b in 'xy' %}{{ loop.index }}{{ a }}{{ b }}|{% endfor %}{{ loop.index }}{% endfor %}",
                        "11x|21y|112x|22y|2"),
                example("loop_recursive",
                        "{% for item in tree recursive %}{{ item.name }}{% if item.children %}[{{ loop(item.children) }}]{% endif %}{% endfor %}",
                        "a[bc]d"),
                example("loop_changed",
                        "{% for x in [1,1,2,2,3] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}",
                        "123"),
                example("slices",
                        "{{ 'abcdef'[::-1] }} {{ l[1:] }} {{ l[:-1] }} {{ l[::2] }} {{ 'abcdef'[1:4] }} {{ l[-1] }} {{ l[10] }}|{{ 'abc'[5:] }}|{{ [1,2,3,4,5][4:1:-2] }}",
                        "fedcba [1, 2] [3, 1] [3, 2] bcd 2 ||[5, 3]"),
                example("namespace",
                        "{% set ns = namespace(a=1, found=false) %}{% for x in l %}{% if x == 1 %}{% set ns.found = true %}{% endif %}{% set ns.a = ns.a + x %}{% endfor %}{{ ns.a }} {{ ns.found }} {{ ns }}",
                        "7 True <Namespace {'a': 7, 'found': True}>"),
                example("printing",
                        "{{ none }} {{ true }} {{ false }} {{ 1.0 }} {{ 2.5e-7 }} {{ 1e16 }} {{ 10/4 }} {{ 4/2 }} {{ [1, 'a', none, true, 1.5] }} {{ d }} {{ {'k': \"it's\"} }} {{ ('x',) }} {{ (1, 2) }}",
                        "None True False 1.0 2.5e-07 1e+16 2.5 2.0 [1, 'a', None, True, 1.5] {'a': 1, 'b': [1, 2]} {'k': \"it's\"} ('x',) (1, 2)"),
                example("repr_strings",
                        "{{ ['a\\nb', \"q'\", 'q\"', 'both\\'\"', '\\\\'] }}",
                        "['a\\nb', \"q'\", 'q\"', 'both\\'\"', '\\\\']"),
                example("not_precedence",
                        "{{ not 1 == 2 }} {{ not 'a' in 'abc' }} {{ not false and false }} {{ 1 if not none else 2 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }}",
                        "True False False 1 4 64"),
                example("arith",
                        "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7.5 // 2 }} {{ 2 ** -1 }} {{ 1 + 2.0 }} {{ true + 1 }} {{ 'ab' * 3 }} {{ [0] * 3 }} {{ 3 * 'x' }} {{ 'a' ~ 1 ~ none ~ undefinedvar }}",
                        "3 -4 2 -2 3.0 0.5 3.0 2 ababab [0, 0, 0] xxx a1None"),
                example("comparisons",
                        "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'ab' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ none == none }} {{ 'a' != 'b' }} {{ 2 in l }} {{ 5 not in l }} {{ 'a' in d }}",
                        "True False True True True True True True True True True"),
                example("ternary",
                        "[{{ 'yes' if true else 'no' }}][{{ 'yes' if false }}][{{ 'a' if false else 'b' if true else 'c' }}]",
                        "[yes][][b]"),
                example("undefined_semantics",
                        "[{{ missing }}][{{ missing|length }}][{{ missing|default('dflt') }}][{{ missing is defined }}][{{ missing is undefined }}][{% for x in missing %}x{% endfor %}][{{ d.nokey }}][{{ none.attr }}][{{ l[99] }}][{{ missing == missing2 }}][{{ missing is none }}]",
                        "[][0][dflt][False][True][][][][][True][False]"),
                example("default_filter",
                        "{{ none|default('x') }} {{ ''|default('x') }} {{ ''|default('x', true) }} {{ 0|d('zero', boolean=true) }} {{ missing|d }}|",
                        "None  x zero |"),
                example("string_filters",
                        "{{ '  hi  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ 'hello world'|upper }}|{{ 'HeLLo'|lower }}|{{ 'hELLO wORLD'|capitalize }}|{{ \"it's a-test (x)\"|title }}|{{ 'aXbXc'|replace('X', '-') }}|{{ 'aXbXc'|replace('X', '-', 1) }}|{{ 'abc'|length }}|{{ 'one two  three'|wordcount }}|{{ 'x'|center(7) }}|{{ 'ab'|center(5) }}|",
                        "hi|hi|HELLO WORLD|hello|Hello world|It's A-Test (X)|a-b-c|a-bXc|3|3|   x   |  ab |"),
                example("list_filters",
                        "{{ l|first }} {{ l|last }} {{ l|join(', ') }} {{ l|sort }} {{ l|sort(reverse=true) }} {{ ['b','A','a','B']|sort }} {{ ['b','A','a','B']|sort(case_sensitive=true) }} {{ ['b','A','a']|unique|list }} {{ l|reverse|list }} {{ 'abc'|reverse }} {{ l|sum }} {{ l|min }} {{ l|max }} {{ l|length }} {{ 'abc'|list }}",
                        "3 2 3, 1, 2 [1, 2, 3] [3, 2, 1] ['A', 'a', 'b', 'B'] ['A', 'B', 'a', 'b'] ['b', 'A'] [2, 1, 3] cba 6 1 3 3 ['a', 'b', 'c']"),
                example("attr_filters",
                        "{{ users|map(attribute='name')|join(',') }} {{ users|selectattr('active')|map(attribute='name')|list }} {{ users|rejectattr('active')|map(attribute='name')|list }} {{ users|selectattr('role', 'equalto', 'admin')|list|length }} {{ users|sort(attribute='age')|map(attribute='name')|list }} {{ users|map(attribute='missing', default='?')|list }} {{ users|sum(attribute='age') }} {{ users|max(attribute='age') }}",
                        "ann,bob,cy ['ann', 'cy'] ['bob'] 1 ['bob', 'ann', 'cy'] ['?', '?', '?'] 96 {'name': 'cy', 'age': 40, 'active': True, 'role': 'user'}"),
                example("select_filters",
                        "{{ l|select('odd')|list }} {{ l|reject('equalto', 1)|list }} {{ [0, 1, '', 'a', none]|select|list }} {{ l|map('string')|join('+') }} {{ ['a','b']|map('upper')|list }} {{ [3,1,2]|select('greaterthan', 1)|list }} {{ [1,2,3]|select('in', [1,3])|list }}",
                        "[3, 1] [3, 2] [1, 'a'] 3+1+2 ['A', 'B'] [3, 2] [1, 3]"),
                example("dictsort_items",
                        "{{ {'b': 1, 'A': 2, 'c': 0}|dictsort }} {{ {'b': 1, 'A': 2, 'c': 0}|dictsort(by='value') }} {{ {'b': 1, 'A': 2}|dictsort(reverse=true) }} {{ d|items|list }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 'dflt') }}",
                        "[('A', 2), ('b', 1), ('c', 0)] [('c', 0), ('b', 1), ('A', 2)] [('b', 1), ('A', 2)] [('a', 1), ('b', [1, 2])] ['a', 'b'] [1, [1, 2]] 1 None dflt"),
                example("numbers_filters",
                        "{{ '42'|int + 1 }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ '3.9'|int }} {{ 3.9|int }} {{ '1.5'|float }} {{ 'x'|float }} {{ -3|abs }} {{ 3.14159|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ 7|round }} {{ 2.7|round(0, 'floor') }} {{ 2.1|round(method='ceil') }} {{ 42|string ~ '!' }}",
                        "43 0 7 3 3 1.5 0.0 3 3.14 2.0 4.0 7 2.0 3.0 42!"),
                example("batch_slice",
                        "{{ [1,2,3,4,5]|batch(2)|list }} {{ [1,2,3,4,5]|batch(2, 0)|list }} {{ [1,2,3,4,5]|slice(2)|list }} {{ [1,2,3,4,5,6,7]|slice(3)|list }}",
                        "[[1, 2], [3, 4], [5]] [[1, 2], [3, 4], [5, 0]] [[1, 2, 3], [4, 5]] [[1, 2, 3], [4, 5], [6, 7]]"),
                example("indent_filter",
                        "[{{ 'a\\nb\\n\\nc'|indent(2) }}][{{ 'a\\nb'|indent(2, true) }}][{{ 'a\\n\\nb'|indent(2, blank=true) }}][{{ 'a\\nb\\n'|indent }}][{{ 'a\\nb'|indent('> ') }}]",
                        "[a\n  b\n\n  c][  a\n  b][a\n  \n  b][a\n    b\n][a\n> b]"),
                example("tojson_filter",
                        "{{ d|tojson }} {{ [1, '\u00e9', none, true, 1.5, {'x': []}]|tojson }} {{ 'q\"\\n\\t\\\\'|tojson }} {{ {}|tojson(indent=2) }}",
                        "{\"a\": 1, \"b\": [1, 2]} [1, \"\u00e9\", null, true, 1.5, {\"x\": []}] \"q\\\"\\n\\t\\\\\" {}"),
                example("tojson_indent",
                        "{{ {'a': [1, {'b': none}], 'c': {}, 'e': []}|tojson(indent=2) }}",
                        "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {},\n  \"e\": []\n}"),
                example("tojson_sort",
                        "{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }} {{ {'b': 1, 'a': 2}|tojson(separators=(',', ':')) }}",
                        "{\"a\": 2, \"b\": 1} {\"b\":1,\"a\":2}"),
                example("escape_striptags",
                        "{{ '<a href=\"x\">T&C</a>'|e }} {{ '<b>bold</b>  and   <i>it</i>'|striptags }} {{ 'x'|safe }}",
                        "&lt;a href=&#34;x&#34;&gt;T&amp;C&lt;/a&gt; bold and it x"),
                example("tests_types",
                        "{{ 1 is number }} {{ true is number }} {{ 1.5 is number }} {{ 'a' is number }} {{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ 'a' is string }} {{ d is mapping }} {{ l is mapping }} {{ 'a' is iterable }} {{ d is iterable }} {{ 1 is iterable }} {{ l is sequence }} {{ none is none }} {{ true is boolean }} {{ 1 is boolean }} {{ true is true }} {{ 1 is true }} {{ false is false }}",
                        "True True True False True False True True True False True True False True True True False True False True"),
                example("tests_values",
                        "{{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 2 is eq 2 }} {{ 2 is ne 3 }} {{ 2 is lt 3 }} {{ 2 is gt 3 }} {{ 2 is ge 2 }} {{ 2 is le 1 }} {{ 2 is in [1, 2] }} {{ none is sameas none }} {{ range is callable }} {{ 'x' is callable }} {{ 'x' is not string }} {{ 1 is equalto 1 }}",
                        "True True True False True True True True True False True False True True True False False True"),
                example("string_methods",
                        "{{ s.startswith('Hel') }} {{ s.startswith(('x', 'H')) }} {{ s.endswith('ld') }} {{ s.find('o') }} {{ s.find('z') }} {{ s.count('o') }} {{ s.upper() }} {{ s.lower() }} {{ s.replace('o', '0') }} {{ '  x  '.strip() }}|{{ '  x  '.lstrip() }}|{{ '  x  '.rstrip() }}|{{ 'xxaxx'.strip('x') }} {{ 'hello world'.title() }} {{ 'hello'.capitalize() }}",
                        "True True True 4 -1 2 HELLO WORLD hello world Hell0 W0rld x|x  |  x|a Hello World Hello"),
                example("string_split",
                        "{{ 'a,b,,c'.split(',') }} {{ '  a  b '.split() }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ '-'.join(['x', 'y']) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }} {{ '<think>\\nabc'.split('<think>')[-1].lstrip('\\n') }}",
                        "['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b,c'] ['a,b', 'c'] ['a', 'b', 'c'] x-y z abc"),
                example("string_format",
                        "{{ '{} and {}'.format(1, 'b') }} {{ '{0}{0}{name}'.format('x', name='y') }} {{ '%s is %d' % ('x', 3) }} {{ '%s' % 'solo' }} {{ '%(a)s-%(b)s' % {'a': 1, 'b': 2} }} {{ '%5.2f|%-4s|%03d' % (3.14159, 'ab', 7) }} {{ 'x=%s'|format(5) }}",
                        "1 and b xxy x is 3 solo 1-2  3.14|ab  |007 x=5"),
                example("dict_literals",
                        "{% set m = {'a': 1, 'b': {'c': [1, 2]}} %}{{ m.b.c[1] }} {{ m['b']['c'][0] }} {{ m.b.c.0 }} {{ {'x': 1}.items()|list }} {{ dict(a=1, b=2) }} {{ dict(a=1) == {'a': 1} }}",
                        "2 1 1 [('x', 1)] {'a': 1, 'b': 2} True"),
                example("set_block",
                        "{% set x %}  hello {{ 1 + 1 }} {% endset %}[{{ x }}]{% set y | trim | upper %}  abc  {% endset %}[{{ y }}]{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = (3, 4) %}{% set c, e = t %}{{ c }}{{ e }}",
                        "[  hello 2 ][ABC]1234"),
                example("macros",
                        "{% macro greet(name, greeting='Hello', punct=greeting ~ '!') %}{{ greeting }}, {{ name }}{{ punct }}{% endmacro %}{{ greet('Bob') }} {{ greet('Ann', greeting='Hi') }} {{ greet('Z', 'Yo', '?') }}",
                        "Hello, BobHello! Hi, AnnHi! Yo, Z?"),
                example("macro_varargs",
                        "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1) }}|{{ m(1, 2, 3, z=4) }}|{{ m() }}|",
                        "1(){}|1(2, 3){'z': 4}|(){}|"),
                example("macro_caller",
                        "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}inside {{ 1 + 1 }}{% endcall %}{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each([1,2]) %}[{{ x }}]{% endcall %}",
                        "<b>inside 2</b>[1][2]"),
                example("macro_recursion",
                        "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}",
                        "120"),
                example("macro_scope",
                        "{% macro m() %}{{ y }}{% endmacro %}{% set y = 1 %}{{ m() }}{% set y = 2 %}{{ m() }}",
                        "12"),
                example("filter_block",
                        "{% filter upper %}hello {{ 'world' }}{% endfilter %}",
                        "HELLO WORLD"),
                example("raw_block",
                        "{% raw %}{{ not evaluated }} {% if %}{% endraw %}",
                        "{{ not evaluated }} {% if %}"),
                example("comments",
                        "a{# comment #}b{#- trimmed -#}  c",
                        "abc"),
                example("globals",
                        "{{ range(3)|list }} {{ range(1, 10, 3)|list }} {{ range(5, 0, -2)|list }} {% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }} {% set j = joiner('|') %}{% for x in l %}{{ j() }}{{ x }}{% endfor %}",
                        "[0, 1, 2] [1, 4, 7] [5, 3, 1] abab 3|1|2"),
                example("strftime",
                        "{{ strftime_now('%d %b %Y') }} {{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %j %I%p') }} {{ strftime_now('%-d/%-m') }}",
                        "26 Jul 2024 2024-07-26 15:04:05 Friday July 208 03PM 26/7"),
                example("adjacent_strings",
                        "{{ 'a' 'b' \"c\" }}",
                        "abc"),
                example("whitespace_control",
                        "a  {{- ' b ' -}}  c {% if true -%}  d  {%- endif %} e",
                        "a b c d e"),
                example("ws_lstrip_trim",
                        "<x>\n    {% if true %}\n    yes\n    {% endif %}\n  {% for i in l %}\n  - {{ i }}\n  {% endfor %}\n</x>",
                        "<x>\n    yes\n  - 3\n  - 1\n  - 2\n</x>"),
                example("ws_plus",
                        "  {%+ if true %}kept{% endif %}\n  {% if true +%}\nnext{% endif %}",
                        "  kept\nnext"),
                example("ws_inline_tag",
                        "text {% if true %}inline{% endif %} more\n    {{ 'var' }} {% if true %}x{% endif %}",
                        "text inline more\n    var x"),
                example("ws_comment_line",
                        "line1\n  {# comment line #}\nline2\n{#- c2 #}\nline3",
                        "line1\nline2line3"),
                example("trailing_newline",
                        "x\n\n",
                        "x\n")

        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersLikeJinja2(String name, String template, String expected) {
        assertThat(JinjaTemplate.parse(template).render(variables(), CLOCK)).isEqualTo(expected);
    }
}
