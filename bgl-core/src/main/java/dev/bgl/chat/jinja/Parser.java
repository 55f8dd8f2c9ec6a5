package dev.bgl.chat.jinja;

import dev.bgl.chat.jinja.Node.*;
import dev.bgl.chat.jinja.Token.Kind;

import java.util.ArrayList;
import java.util.List;

/**
 * Recursive-descent parser with Jinja2's grammar and operator precedence
 * (or < and < not < comparisons < + - < ~ < * / // % < ** < unary minus < filters and tests < postfix).
 * Nesting is bounded so that a hostile template cannot overflow the Java stack.
 */
final class Parser {
    private final List<Token> toks;
    private final int maxNesting;
    private int i;
    private int nesting;
    private int loops; // enclosing for loops, for break/continue

    private Parser(List<Token> toks, int maxNesting) {
        this.toks = toks;
        this.maxNesting = maxNesting;
    }

    static List<Stmt> parse(String source, int maxNesting) {
        Parser p = new Parser(Lexer.tokenize(source, true, true), maxNesting);
        List<Stmt> body = p.statements(List.of());
        p.expect(Kind.EOF, "end of template");
        return body;
    }

    // ---- statements ----

    /** Statements up to (not including) a block tag named in {@code ends}, or to the end of input when ends is empty. */
    private List<Stmt> statements(List<String> ends) {
        enter(peek());
        List<Stmt> out = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case EOF -> {
                    if (!ends.isEmpty()) throw error(t, "unexpected end of template, expected {% " + String.join(" %} or {% ", ends) + " %}");
                    leave();
                    return out;
                }
                case TEXT -> {
                    i++;
                    out.add(new Text(pos(t), t.text()));
                }
                case VAR_BEGIN -> {
                    i++;
                    Expr e = tupleOrExpression();
                    expect(Kind.VAR_END, "'}}'");
                    out.add(new Emit(pos(t), e));
                }
                case BLOCK_BEGIN -> {
                    Token name = toks.get(i + 1);
                    if (name.kind() == Kind.NAME && ends.contains(name.text())) {
                        leave();
                        return out;
                    }
                    if (name.kind() == Kind.NAME && isClosingTag(name.text())) {
                        throw error(name, "unexpected {% " + name.text() + " %}"
                            + (ends.isEmpty() ? "" : ", expected {% " + String.join(" %} or {% ", ends) + " %}"));
                    }
                    i++;
                    out.add(statement(t));
                }
                default -> throw error(t, "unexpected " + t.describe());
            }
        }
    }

    private static boolean isClosingTag(String name) {
        return name.startsWith("end") || name.equals("else") || name.equals("elif");
    }

    private Stmt statement(Token begin) {
        Token name = next();
        if (name.kind() != Kind.NAME) throw error(name, "expected a statement name, got " + name.describe());
        Pos p = pos(begin);
        return switch (name.text()) {
            case "if" -> ifStatement(p);
            case "for" -> forStatement(p);
            case "set" -> setStatement(p);
            case "macro" -> macroStatement(p);
            case "call" -> callStatement(p);
            case "filter" -> filterStatement(p);
            case "generation" -> {
                blockEnd();
                List<Stmt> body = statements(List.of("endgeneration"));
                endTag("endgeneration");
                yield new Block(p, body);
            }
            case "break" -> {
                if (loops == 0) throw error(name, "'break' outside a for loop");
                blockEnd();
                yield new Break(p);
            }
            case "continue" -> {
                if (loops == 0) throw error(name, "'continue' outside a for loop");
                blockEnd();
                yield new Continue(p);
            }
            case "include", "import", "from", "extends", "block" ->
                throw error(name, "'" + name.text() + "' is not supported in chat templates");
            default -> throw error(name, "unknown statement '" + name.text() + "'");
        };
    }

    private Stmt ifStatement(Pos p) {
        List<Branch> branches = new ArrayList<>();
        List<Stmt> otherwise = List.of();
        Expr cond = expression();
        blockEnd();
        while (true) {
            List<Stmt> body = statements(List.of("elif", "else", "endif"));
            branches.add(new Branch(cond, body));
            i++; // {%
            String tag = next().text();
            if (tag.equals("elif")) {
                cond = expression();
                blockEnd();
            } else if (tag.equals("else")) {
                blockEnd();
                otherwise = statements(List.of("endif"));
                endTag("endif");
                break;
            } else {
                blockEnd();
                break;
            }
        }
        return new If(p, branches, otherwise);
    }

    private Stmt forStatement(Pos p) {
        List<String> targets = new ArrayList<>();
        boolean paren = peek().isOp("(");
        if (paren) i++;
        targets.add(name());
        boolean unpack = false;
        while (peek().isOp(",")) {
            i++;
            unpack = true;
            if (peek().isName("in") || peek().isOp(")")) break;
            targets.add(name());
        }
        if (paren) expectOp(")");
        Token in = next();
        if (!in.isName("in")) throw error(in, "expected 'in' in for statement, got " + in.describe());
        Expr iterable = orExpr();
        Expr cond = null;
        if (peek().isName("if")) {
            i++;
            cond = expression();
        }
        if (peek().isName("recursive")) throw error(peek(), "recursive for loops are not supported");
        blockEnd();
        loops++;
        List<Stmt> body = statements(List.of("else", "endfor"));
        loops--;
        List<Stmt> otherwise = List.of();
        if (toks.get(i + 1).isName("else")) {
            i += 2;
            blockEnd();
            otherwise = statements(List.of("endfor"));
        }
        endTag("endfor");
        return new For(p, List.copyOf(targets), unpack, iterable, cond, body, otherwise);
    }

    private Stmt setStatement(Pos p) {
        Token first = peek();
        String n = name();
        Target target;
        if (peek().isOp(".")) {
            i++;
            target = new AttrTarget(new Name(pos(first), n), name());
        } else if (peek().isOp(",")) {
            List<String> names = new ArrayList<>(List.of(n));
            while (peek().isOp(",")) {
                i++;
                names.add(name());
            }
            target = new TupleTarget(List.copyOf(names));
        } else {
            target = new NameTarget(n);
        }
        if (peek().isOp("=")) {
            i++;
            Expr value = tupleOrExpression();
            blockEnd();
            return new Set(p, target, value);
        }
        List<FilterCall> filters = new ArrayList<>();
        while (peek().isOp("|")) {
            i++;
            filters.add(filterCall());
        }
        blockEnd();
        List<Stmt> body = statements(List.of("endset"));
        endTag("endset");
        return new SetBlock(p, target, body, List.copyOf(filters));
    }

    private Stmt macroStatement(Pos p) {
        String n = name();
        List<Param> params = params();
        blockEnd();
        int outerLoops = loops;
        loops = 0;
        List<Stmt> body = statements(List.of("endmacro"));
        loops = outerLoops;
        endTag("endmacro");
        return new MacroDef(p, n, params, body);
    }

    private Stmt callStatement(Pos p) {
        List<Param> callerParams = peek().isOp("(") ? params() : List.of();
        Token at = peek();
        Expr e = expression();
        if (!(e instanceof Call call)) throw error(at, "expected a macro call after 'call'");
        blockEnd();
        List<Stmt> body = statements(List.of("endcall"));
        endTag("endcall");
        return new CallBlock(p, call, callerParams, body);
    }

    private Stmt filterStatement(Pos p) {
        List<FilterCall> filters = new ArrayList<>();
        filters.add(filterCall());
        while (peek().isOp("|")) {
            i++;
            filters.add(filterCall());
        }
        blockEnd();
        List<Stmt> body = statements(List.of("endfilter"));
        endTag("endfilter");
        return new FilterBlock(p, List.copyOf(filters), body);
    }

    private List<Param> params() {
        expectOp("(");
        List<Param> params = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            if (peek().isOp(")")) break;
            Token at = peek();
            String n = name();
            Expr def = null;
            if (peek().isOp("=")) {
                i++;
                def = expression();
            } else if (!params.isEmpty() && params.getLast().defaultValue() != null) {
                throw error(at, "parameter '" + n + "' without a default follows one with a default");
            }
            for (Param q : params) if (q.name().equals(n)) throw error(at, "duplicate parameter '" + n + "'");
            params.add(new Param(n, def));
        }
        i++;
        return List.copyOf(params);
    }

    private void endTag(String name) {
        expect(Kind.BLOCK_BEGIN, "{% " + name + " %}");
        Token t = next();
        if (!t.isName(name)) throw error(t, "expected '" + name + "', got " + t.describe());
        blockEnd();
    }

    private void blockEnd() {
        expect(Kind.BLOCK_END, "'%}'");
    }

    // ---- expressions ----

    /** An expression, or a bare tuple {@code a, b} as Jinja2 allows in {{ }} and set. */
    private Expr tupleOrExpression() {
        Token at = peek();
        Expr e = expression();
        if (!peek().isOp(",")) return e;
        List<Expr> items = new ArrayList<>(List.of(e));
        while (peek().isOp(",")) {
            i++;
            if (peek().kind() == Kind.VAR_END || peek().kind() == Kind.BLOCK_END) break;
            items.add(expression());
        }
        return new TupleLit(pos(at), List.copyOf(items));
    }

    private Expr expression() {
        Token at = peek();
        enter(at);
        Expr e = orExpr();
        while (peek().isName("if")) {
            i++;
            Expr test = orExpr();
            Expr otherwise = null;
            if (peek().isName("else")) {
                i++;
                otherwise = expression();
            }
            e = new CondExpr(pos(at), test, e, otherwise);
        }
        leave();
        return e;
    }

    private Expr orExpr() {
        Expr e = andExpr();
        while (peek().isName("or")) {
            Token op = next();
            e = new Binary(pos(op), "or", e, andExpr());
        }
        return e;
    }

    private Expr andExpr() {
        Expr e = notExpr();
        while (peek().isName("and")) {
            Token op = next();
            e = new Binary(pos(op), "and", e, notExpr());
        }
        return e;
    }

    private Expr notExpr() {
        if (peek().isName("not")) {
            Token op = next();
            enter(op);
            Expr e = new Unary(pos(op), "not", notExpr());
            leave();
            return e;
        }
        return compare();
    }

    private Expr compare() {
        Token at = peek();
        Expr first = math1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            String op;
            if (t.kind() == Kind.OP && switch (t.text()) {
                case "==", "!=", "<", "<=", ">", ">=" -> true;
                default -> false;
            }) {
                op = t.text();
                i++;
            } else if (t.isName("in")) {
                op = "in";
                i++;
            } else if (t.isName("not") && toks.get(i + 1).isName("in")) {
                op = "not in";
                i += 2;
            } else {
                break;
            }
            ops.add(op);
            rest.add(math1());
        }
        return ops.isEmpty() ? first : new Compare(pos(at), first, List.copyOf(ops), List.copyOf(rest));
    }

    private Expr math1() {
        Expr e = concat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            e = new Binary(pos(op), op.text(), e, concat());
        }
        return e;
    }

    private Expr concat() {
        Expr e = math2();
        while (peek().isOp("~")) {
            Token op = next();
            e = new Binary(pos(op), "~", e, math2());
        }
        return e;
    }

    private Expr math2() {
        Expr e = pow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token op = next();
            e = new Binary(pos(op), op.text(), e, pow());
        }
        return e;
    }

    private Expr pow() {
        Expr e = unary(true);
        while (peek().isOp("**")) {
            Token op = next();
            e = new Binary(pos(op), "**", e, unary(true));
        }
        return e;
    }

    private Expr unary(boolean withFilter) {
        Token t = peek();
        Expr e;
        if (t.isOp("-") || t.isOp("+")) {
            i++;
            enter(t);
            e = new Unary(pos(t), t.text(), unary(false));
            leave();
        } else {
            e = postfix(primary());
        }
        return withFilter ? filterAndTests(e) : e;
    }

    private Expr primary() {
        Token t = next();
        Pos p = pos(t);
        return switch (t.kind()) {
            case NAME -> switch (t.text()) {
                case "true", "True" -> new Const(p, Boolean.TRUE);
                case "false", "False" -> new Const(p, Boolean.FALSE);
                case "none", "None" -> new Const(p, null);
                default -> new Name(p, t.text());
            };
            case STRING -> {
                StringBuilder sb = new StringBuilder(t.text());
                while (peek().kind() == Kind.STRING) sb.append(next().text());
                yield new Const(p, sb.toString());
            }
            case INT -> new Const(p, intLiteral(t));
            case FLOAT -> new Const(p, Double.parseDouble(t.text()));
            case OP -> switch (t.text()) {
                case "(" -> parenthesized(t);
                case "[" -> {
                    enter(t);
                    List<Expr> items = new ArrayList<>();
                    while (!peek().isOp("]")) {
                        if (!items.isEmpty()) expectOp(",");
                        if (peek().isOp("]")) break;
                        items.add(expression());
                    }
                    i++;
                    leave();
                    yield new ListLit(p, List.copyOf(items));
                }
                case "{" -> {
                    enter(t);
                    List<Expr> keys = new ArrayList<>();
                    List<Expr> values = new ArrayList<>();
                    while (!peek().isOp("}")) {
                        if (!keys.isEmpty()) expectOp(",");
                        if (peek().isOp("}")) break;
                        keys.add(expression());
                        expectOp(":");
                        values.add(expression());
                    }
                    i++;
                    leave();
                    yield new DictLit(p, List.copyOf(keys), List.copyOf(values));
                }
                default -> throw error(t, "expected an expression, got " + t.describe());
            };
            default -> throw error(t, "expected an expression, got " + t.describe());
        };
    }

    private Expr parenthesized(Token open) {
        enter(open);
        Pos p = pos(open);
        if (peek().isOp(")")) {
            i++;
            leave();
            return new TupleLit(p, List.of());
        }
        Expr e = expression();
        if (peek().isOp(",")) {
            List<Expr> items = new ArrayList<>(List.of(e));
            while (peek().isOp(",")) {
                i++;
                if (peek().isOp(")")) break;
                items.add(expression());
            }
            e = new TupleLit(p, List.copyOf(items));
        }
        expectOp(")");
        leave();
        return e;
    }

    /** An INT token's value; one beyond a long is a template error (Python's ints are unbounded, ours are not). */
    private long intLiteral(Token t) {
        try {
            return Long.parseLong(t.text());
        } catch (NumberFormatException ex) {
            throw error(t, "integer literal " + t.text() + " is too large");
        }
    }

    private Expr postfix(Expr e) {
        int chain = 0;
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                i++;
                Token n = next();
                if (n.kind() == Kind.NAME) e = new GetAttr(pos(t), e, n.text());
                else if (n.kind() == Kind.INT) e = new GetItem(pos(t), e, new Const(pos(n), intLiteral(n)));
                else throw error(n, "expected an attribute name after '.', got " + n.describe());
            } else if (t.isOp("[")) {
                i++;
                e = subscript(t, e);
            } else if (t.isOp("(")) {
                i++;
                e = new Call(e.pos(), e, args()); // errors point at the callee
            } else {
                return e;
            }
            if (++chain > maxNesting) throw error(t, "expression is nested too deeply (more than " + maxNesting + " levels)");
        }
    }

    private Expr subscript(Token open, Expr object) {
        enter(open);
        Expr[] parts = new Expr[3];
        int part = 0;
        boolean slice = false;
        while (!peek().isOp("]")) {
            if (peek().isOp(":")) {
                i++;
                slice = true;
                if (++part > 2) throw error(peek(), "a slice takes at most 3 parts");
                continue;
            }
            if (parts[part] != null) throw error(peek(), "expected ':' or ']' in subscript, got " + peek().describe());
            parts[part] = expression();
        }
        i++;
        leave();
        if (!slice) {
            if (parts[0] == null) throw error(open, "empty subscript []");
            return new GetItem(pos(open), object, parts[0]);
        }
        return new Slice(pos(open), object, parts[0], parts[1], parts[2]);
    }

    private List<Arg> args() {
        List<Arg> args = new ArrayList<>();
        boolean sawKeyword = false;
        while (!peek().isOp(")")) {
            if (!args.isEmpty()) expectOp(",");
            if (peek().isOp(")")) break;
            Token t = peek();
            if (t.kind() == Kind.NAME && toks.get(i + 1).isOp("=")) {
                i += 2;
                args.add(new Arg(t.text(), expression()));
                sawKeyword = true;
            } else {
                if (sawKeyword) throw error(t, "positional argument follows keyword argument");
                args.add(new Arg(null, expression()));
            }
        }
        i++;
        return List.copyOf(args);
    }

    private FilterCall filterCall() {
        Token t = peek();
        StringBuilder n = new StringBuilder(name());
        while (peek().isOp(".")) { // dotted filter names exist in Jinja2; none are built in, kept for a clear error
            i++;
            n.append('.').append(name());
        }
        List<Arg> args = List.of();
        if (peek().isOp("(")) {
            i++;
            args = args();
        }
        if (!Filters.NAMES.contains(n.toString())) throw error(t, "no filter named '" + n + "'");
        return new FilterCall(pos(t), n.toString(), args);
    }

    private Expr filterAndTests(Expr e) {
        int chain = 0;
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                i++;
                FilterCall f = filterCall();
                e = new Filter(f.pos(), e, f);
            } else if (t.isName("is")) {
                i++;
                boolean negate = false;
                if (peek().isName("not")) {
                    i++;
                    negate = true;
                }
                Token nt = next();
                if (nt.kind() != Kind.NAME && !(nt.kind() == Kind.OP && isTestOperator(nt.text())))
                    throw error(nt, "expected a test name after 'is', got " + nt.describe());
                String testName = switch (nt.text()) {
                    case "none", "None" -> "none";
                    case "true", "True" -> "true";
                    case "false", "False" -> "false";
                    default -> nt.text();
                };
                if (!Tests.NAMES.contains(testName)) throw error(nt, "no test named '" + testName + "'");
                List<Arg> args = List.of();
                if (peek().isOp("(")) {
                    i++;
                    args = args();
                } else if (startsTestArgument(peek())) {
                    args = List.of(new Arg(null, unary(false)));
                }
                e = new Test(pos(t), e, testName, args, negate);
            } else if (t.isOp("(") && chain > 0) {
                i++;
                e = new Call(pos(t), e, args());
            } else {
                return e;
            }
            if (++chain > maxNesting) throw error(t, "expression is nested too deeply (more than " + maxNesting + " levels)");
        }
    }

    private static boolean isTestOperator(String op) {
        return switch (op) {
            case "==", "!=", "<", "<=", ">", ">=" -> true;
            default -> false;
        };
    }

    /** Jinja2 lets a test take one argument without parentheses: {@code x is divisibleby 3}. */
    private static boolean startsTestArgument(Token t) {
        return switch (t.kind()) {
            case STRING, INT, FLOAT -> true;
            case NAME -> !switch (t.text()) {
                case "else", "or", "and", "if", "is", "in", "not" -> true;
                default -> false;
            };
            case OP -> t.text().equals("[") || t.text().equals("{") || t.text().equals("-");
            default -> false;
        };
    }

    // ---- helpers ----

    private String name() {
        Token t = next();
        if (t.kind() != Kind.NAME) throw error(t, "expected a name, got " + t.describe());
        return t.text();
    }

    private Token peek() {
        return toks.get(i);
    }

    private Token next() {
        Token t = toks.get(i);
        if (t.kind() != Kind.EOF) i++;
        return t;
    }

    private void expect(Kind kind, String what) {
        Token t = next();
        if (t.kind() != kind) throw error(t, "expected " + what + ", got " + t.describe());
    }

    private void expectOp(String op) {
        Token t = next();
        if (!t.isOp(op)) throw error(t, "expected '" + op + "', got " + t.describe());
    }

    private void enter(Token at) {
        if (++nesting > maxNesting) throw error(at, "template is nested too deeply (more than " + maxNesting + " levels)");
    }

    private void leave() {
        nesting--;
    }

    private static Pos pos(Token t) {
        return new Pos(t.line(), t.column());
    }

    private static TemplateException error(Token t, String problem) {
        return new TemplateException(t.line(), t.column(), problem);
    }
}
