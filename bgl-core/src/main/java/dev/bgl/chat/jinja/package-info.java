/**
 * A small, sandboxed Jinja engine for chat templates (lexer → parser → AST of sealed records → interpreter).
 *
 * <p><b>Language.</b> {@code {{ }}}, {@code {% %}}, {@code {# #}}, whitespace control ({@code -} and {@code +}),
 * Hugging Face's trim_blocks and lstrip_blocks; if/elif/else, for (tuple targets, {@code if} filter, else, loop.*,
 * break/continue), set (names, tuples, {@code ns.attr}, block set with filters), macro (defaults, varargs, kwargs),
 * call/caller, filter blocks, raw, generation; Jinja2's expression grammar and precedence, comparison chains,
 * slicing, Python str/dict methods ({@link dev.bgl.chat.jinja.Methods}), Jinja2's filters and tests
 * ({@code Filters.NAMES}, {@code Tests.NAMES}), globals range, namespace, dict, raise_exception, strftime_now.
 * Unknown filters, tests and statements (include, import, extends, block) fail at parse time.
 *
 * <p><b>Semantics</b> follow Jinja2 as transformers runs it, which differs from {@code @huggingface/jinja} in:
 * None/True/False render as Python does; lists and dicts render as Python repr; floats as Python repr (also in
 * tojson: 1.0 stays 1.0); {@code strip/lstrip/rstrip(chars)} honour chars; sets inside a for loop do not leak
 * into the next iteration; comparison chains and {@code ~}'s precedence are Python's/Jinja2's; {@code %} and
 * {@code //} are Python's; {@code 'a' + 1} is an error; capitalize/title lower-case the rest of a word.
 * We follow {@code @huggingface/jinja} in one place: attribute access on an undefined value yields undefined
 * instead of raising. Known remaining differences from Jinja2: tuples are lists (render as {@code [1, 2]}),
 * integers are 64-bit (overflow is an error), str {@code %} formatting and format specs are not supported,
 * and lists/dicts have no mutating methods (append, update).
 *
 * <p><b>Sandbox.</b> A template only ever holds plain values (null, Boolean, Long, Double, String, List, Map,
 * namespaces, its macros and our built-ins); variables are copied in and anything else is refused. There is no
 * reflection and no name lookup on Java objects: {@code __class__}, {@code getClass} and the like are simply
 * undefined. Every render is bounded by {@link dev.bgl.chat.jinja.TemplateLimits} (output and string size, loop
 * iterations, macro depth, nesting, range size, wall-clock time), and exceeding a bound is a
 * {@link dev.bgl.chat.jinja.TemplateException}.
 */
package dev.bgl.chat.jinja;
