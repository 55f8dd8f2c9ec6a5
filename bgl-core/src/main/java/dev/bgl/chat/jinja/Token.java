package dev.bgl.chat.jinja;

/** One lexical token of a template; line and column are 1-based positions in the source. */
record Token(Kind kind, String text, int line, int column) {
    enum Kind {
        TEXT,        // literal template text between tags
        VAR_BEGIN,   // {{
        VAR_END,     // }}
        BLOCK_BEGIN, // {%
        BLOCK_END,   // %}
        NAME,
        STRING,      // text holds the unescaped value
        INT,
        FLOAT,
        OP,          // punctuation and operators: ( ) [ ] { } , . : | = + - * / // % ** ~ < > <= >= == !=
        EOF
    }

    boolean is(Kind k, String t) {
        return kind == k && text.equals(t);
    }

    boolean isName(String t) {
        return is(Kind.NAME, t);
    }

    boolean isOp(String t) {
        return is(Kind.OP, t);
    }

    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case TEXT -> "template text";
            case STRING -> "string literal";
            case VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, INT, FLOAT, OP -> "'" + text + "'";
        };
    }
}
