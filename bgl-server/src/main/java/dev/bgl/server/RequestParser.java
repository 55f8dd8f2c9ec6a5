package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgl.budget.Budget;
import dev.bgl.budget.BudgetUnit;
import dev.bgl.budget.Method;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns a request body (a Jackson tree) into a {@link ParsedRequest}, checking every field by hand
 * so that each error is a 400 naming its field. Unknown fields are ignored, as OpenAI clients send
 * many (presence_penalty, stream_options, ...).
 */
public final class RequestParser {
    /** The largest thinking-token budget accepted: far beyond any context this engine serves. */
    public static final int MAX_BUDGET_TOKENS = 1 << 20;
    public static final double MAX_BUDGET_SECONDS = 3600;
    public static final int MAX_MESSAGES = 512;
    public static final int MAX_CONTENT_CHARS = 400_000;
    public static final int MAX_USER_CHARS = 256;
    /** A budget string longer than this is no budget ("5s,64MB,2GFLOP,0.05$@0.5/1k" has 27 characters). */
    public static final int MAX_BUDGET_CHARS = 128;
    static final int DEFAULT_MAX_TOKENS = 1024;
    /** Tokens a request must leave after its thinking budget: the closing text and a short answer. */
    static final int ANSWER_RESERVE_TOKENS = dev.bgl.budget.BudgetController.DEFAULT_ANSWER_RESERVE;
    static final List<String> TOKEN_BUDGET_FIELDS = List.of("thinking_budget", "thinking_budget_tokens", "thinking_token_budget");
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "developer");

    private final ServerConfig config;
    private final int context;
    /** The largest max_tokens: the context, or less by --max-tokens-per-request. */
    private final int maxTokensCap;
    private final boolean hasPredictor;

    /**
     * @param context      tokens a session may hold (prompt and output)
     * @param hasPredictor whether {@code guided} is available (and the default mode under a budget)
     */
    public RequestParser(ServerConfig config, int context, boolean hasPredictor) {
        this.config = config;
        this.context = context;
        this.maxTokensCap = config.maxTokensPerRequest() > 0 ? Math.min(context, config.maxTokensPerRequest()) : context;
        this.hasPredictor = hasPredictor;
    }

    /** The server's ceiling on every request's thinking ({@code --max-thinking-budget}; empty: none). */
    java.util.List<BudgetUnit> maxThinkingBudget() {
        return config.maxThinkingBudget();
    }

    /** A /v1/chat/completions body. */
    public ParsedRequest chat(JsonNode body) {
        requireObject(body);
        return common(body, messages(body.get("messages")));
    }

    /** A /v1/completions body: the prompt is one user message. */
    public ParsedRequest completion(JsonNode body) {
        requireObject(body);
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) throw ApiError.invalid("prompt", "'prompt' is required");
        if (p.isArray() && p.size() == 1) p = p.get(0);
        if (!p.isTextual()) throw ApiError.invalid("prompt", "'prompt' must be a string");
        if (p.asText().isBlank()) throw ApiError.invalid("prompt", "'prompt' must not be empty");
        if (p.asText().length() > MAX_CONTENT_CHARS)
            throw ApiError.invalid("prompt", "'prompt' is longer than " + MAX_CONTENT_CHARS + " characters");
        return common(body, List.of(ChatMessage.user(p.asText())));
    }

    private static void requireObject(JsonNode body) {
        if (body == null || !body.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
    }

    private ParsedRequest common(JsonNode b, List<ChatMessage> messages) {
        JsonNode model = b.get("model");
        if (model != null && !model.isNull()) {
            if (!model.isTextual()) throw ApiError.invalid("model", "'model' must be a string");
            if (!model.asText().equals(config.modelId()))
                throw ApiError.notFound("model '" + model.asText() + "' does not exist (this server serves '" + config.modelId() + "')",
                        "model", "model_not_found");
        }
        boolean stream = bool(b, "stream", false);
        Integer n = integer(b, "n", 1, 1);
        if (n != null && n != 1) throw ApiError.invalid("n", "'n' must be 1");
        Integer maxTokens = maxTokens(b, "max_completion_tokens");
        Integer plain = maxTokens(b, "max_tokens"); // checked even when max_completion_tokens wins
        if (maxTokens == null) maxTokens = plain;
        boolean maxTokensDefault = maxTokens == null;
        if (maxTokensDefault) maxTokens = Math.min(DEFAULT_MAX_TOKENS, maxTokensCap);
        SamplerConfig sampler = sampler(b);
        String user = string(b, "user", MAX_USER_CHARS);

        // the budget: token aliases, seconds, a unit string; reasoning_effort only when none of them
        List<BudgetUnit> limits = new ArrayList<>();
        List<String> spec = new ArrayList<>();
        String tokenField = null;
        for (String f : TOKEN_BUDGET_FIELDS) {
            Integer t = integer(b, f, 0, MAX_BUDGET_TOKENS);
            if (t == null) continue;
            if (tokenField != null) throw ApiError.invalid(f, "give only one of '" + tokenField + "' and '" + f + "'");
            tokenField = f;
            limits.add(new BudgetUnit.Tokens(t));
            spec.add(t + "tok");
        }
        Double seconds = number(b, "thinking_budget_seconds");
        if (seconds != null) {
            if (!(seconds > 0) || seconds > MAX_BUDGET_SECONDS)
                throw ApiError.invalid("thinking_budget_seconds", "'thinking_budget_seconds' must be in (0, " + (int) MAX_BUDGET_SECONDS + "], got " + seconds);
            limits.add(new BudgetUnit.Seconds(seconds));
            spec.add(trim(seconds) + "s");
        }
        JsonNode budget = b.get("budget");
        if (budget != null && !budget.isNull()) {
            String text;
            if (budget.isIntegralNumber()) text = budget.asText();
            else if (budget.isTextual()) text = budget.asText();
            else throw ApiError.invalid("budget", "'budget' must be a string such as \"300tok\", \"5s\", \"64MB\" or a number of tokens");
            if (text.length() > MAX_BUDGET_CHARS) throw ApiError.invalid("budget", "'budget' is longer than " + MAX_BUDGET_CHARS + " characters");
            List<BudgetUnit> parsed;
            try {
                parsed = Budget.parse(text).limits();
            } catch (BglException e) {
                throw ApiError.invalid("budget", e.getMessage());
            }
            for (BudgetUnit u : parsed) {
                checkSane(u);
                for (BudgetUnit o : limits)
                    if (o.getClass() == u.getClass())
                        throw ApiError.invalid("budget", "'budget' repeats a limit already given in another field (" + u.label() + ")");
                limits.add(u);
            }
            spec.add(text.strip());
        }
        String effort = string(b, "reasoning_effort", 32);
        boolean effortNone = false;
        if (effort != null) {
            Integer t = config.effortBudget(effort);
            if (t == null)
                throw ApiError.invalid("reasoning_effort", "'reasoning_effort' must be none, minimal, low, medium or high, got '" + effort + "'");
            if (limits.isEmpty()) {
                effortNone = t == 0 && effort.equalsIgnoreCase("none");
                limits.add(new BudgetUnit.Tokens(t));
                spec.add(t + "tok");
            }
        }
        Method method = method(b, !limits.isEmpty());
        // reasoning_effort "none" (vLLM, OpenAI): no thinking at all, the empty thinking block, unless a budget_mode says otherwise
        if (effortNone && (b.get("budget_mode") == null || b.get("budget_mode").isNull())) method = new Method.NoThink();
        if (method.usesBudget() && limits.isEmpty())
            throw ApiError.invalid("budget_mode", "budget_mode '" + method.name() + "' needs a budget (thinking_budget, budget, thinking_budget_seconds or reasoning_effort)");
        Budget given = new Budget(limits, String.join(",", spec), bool(b, "soft_budget", false));
        if (method instanceof Method.Prompt && given.tokenLimit() < 0)
            throw ApiError.invalid("budget_mode", "budget_mode 'prompt' asks for a number of tokens in words: give the budget in tokens");
        if (method.usesBudget() && given.tokenLimit() >= 0) {
            // the answer needs room after the thinking: a max_tokens that leaves none would cut it silently
            int need = (int) given.maxTokensNeeded();
            if (!maxTokensDefault && maxTokens < need) {
                String f = b.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
                throw ApiError.invalid(f, "'" + f + "' is " + maxTokens + ", less than the thinking budget (" + given.tokenLimit()
                        + " tokens) plus the answer's reserve (" + ANSWER_RESERVE_TOKENS + "): the answer would be cut off; give at least "
                        + need + " or a smaller budget");
            }
            if (maxTokensDefault && maxTokens < need) maxTokens = Math.min(maxTokensCap, need); // the default grows to fit the budget
        }
        return new ParsedRequest(messages, stream, maxTokens, sampler, method, given, user, maxTokensDefault);
    }

    /**
     * The {@code reasoning_effort} a chat template renders (gpt-oss's harmony writes "Reasoning: high" into its system
     * message), from a body whose field {@link #chat} has checked: low, medium and high as given; none and minimal as
     * low, the least harmony knows (their budgets still apply); null when absent or not one of these.
     */
    static String templateEffort(JsonNode body) {
        JsonNode v = body == null ? null : body.get("reasoning_effort");
        if (v == null || !v.isTextual()) return null;
        String e = v.asText().strip().toLowerCase(java.util.Locale.ROOT);
        return switch (e) {
            case "none", "minimal" -> "low";
            case "low", "medium", "high" -> e;
            default -> null;
        };
    }

    /** max_tokens or its alias in 1..cap; over the cap a 400 naming the field and the server's limit. */
    private Integer maxTokens(JsonNode b, String f) {
        JsonNode v = b.get(f);
        // a number past what an int holds (1e12) is over the same limit as 5000, and says so in the same words
        if (v != null && v.isNumber() && v.asDouble() > Integer.MAX_VALUE)
            throw ApiError.invalid(f, "'" + f + "' must be in 1.." + maxTokensCap + " (the model's context holds " + context + "), got " + v.asText());
        Integer n = integer(b, f, 1, Integer.MAX_VALUE);
        if (n == null || n <= maxTokensCap) return n;
        if (n > context) throw ApiError.invalid(f, "'" + f + "' must be in 1.." + maxTokensCap + " (the model's context holds " + context + "), got " + n);
        throw new ApiError(400, "invalid_request_error", "'" + f + "' must be in 1.." + maxTokensCap
                + " (this server's --max-tokens-per-request), got " + n, f, "max_tokens_too_large");
    }

    private Method method(JsonNode b, boolean hasBudget) {
        String mode = string(b, "budget_mode", 32);
        if (mode == null) return !hasBudget ? new Method.None() : Method.budgetDefault(hasPredictor);
        Method m;
        try {
            m = Method.parse(mode);
        } catch (BglException e) {
            throw ApiError.invalid("budget_mode", e.getMessage());
        }
        if (m instanceof Method.Guided && !hasPredictor)
            throw ApiError.invalid("budget_mode", "budget_mode 'guided' needs a budget predictor, and this server has none (use 'hard')");
        return m;
    }

    private static void checkSane(BudgetUnit u) {
        switch (u) {
            case BudgetUnit.Tokens t when t.n() > MAX_BUDGET_TOKENS ->
                    throw ApiError.invalid("budget", "token budget must be <= " + MAX_BUDGET_TOKENS + ", got " + t.n());
            case BudgetUnit.Seconds s when s.s() > MAX_BUDGET_SECONDS ->
                    throw ApiError.invalid("budget", "time budget must be <= " + (int) MAX_BUDGET_SECONDS + " s, got " + trim(s.s()) + " s");
            default -> {
            }
        }
    }

    private static SamplerConfig sampler(JsonNode b) {
        Double t = number(b, "temperature");
        if (t != null && !(t >= 0 && t <= 2)) throw ApiError.invalid("temperature", "'temperature' must be in [0, 2], got " + t);
        Double p = number(b, "top_p");
        if (p != null && !(p > 0 && p <= 1)) throw ApiError.invalid("top_p", "'top_p' must be in (0, 1], got " + p);
        Integer k = integer(b, "top_k", 0, 1 << 20);
        Double minP = number(b, "min_p");
        if (minP != null && !(minP >= 0 && minP < 1)) throw ApiError.invalid("min_p", "'min_p' must be in [0, 1), got " + minP);
        Long seed = null;
        JsonNode s = b.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) throw ApiError.invalid("seed", "'seed' must be an integer");
            seed = s.asLong();
        }
        if (t == null || t == 0) return SamplerConfig.GREEDY;
        // the sampler keeps floats: a double inside the range may round to its edge (top_p 4.9e-324 -> 0, min_p 0.99999999999 -> 1)
        float pf = p == null ? 0.95f : p.floatValue(), mf = minP == null ? 0f : minP.floatValue();
        if (!(pf > 0)) throw ApiError.invalid("top_p", "'top_p' is too small (rounds to 0), got " + p);
        if (!(mf < 1)) throw ApiError.invalid("min_p", "'min_p' is too close to 1 (rounds to 1), got " + minP);
        return new SamplerConfig(t.floatValue(), k == null ? 20 : k, pf, mf, seed == null ? 0 : seed);
    }

    private static List<ChatMessage> messages(JsonNode m) {
        if (m == null || m.isNull()) throw ApiError.invalid("messages", "'messages' is required");
        if (!m.isArray()) throw ApiError.invalid("messages", "'messages' must be an array");
        if (m.isEmpty()) throw ApiError.invalid("messages", "'messages' must not be empty");
        if (m.size() > MAX_MESSAGES) throw ApiError.invalid("messages", "at most " + MAX_MESSAGES + " messages, got " + m.size());
        List<ChatMessage> out = new ArrayList<>();
        long chars = 0;
        for (int i = 0; i < m.size(); i++) {
            JsonNode e = m.get(i);
            String at = "messages[" + i + "]";
            if (!e.isObject()) throw ApiError.invalid(at, at + " must be an object with 'role' and 'content'");
            JsonNode role = e.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.asText()))
                throw ApiError.invalid(at + ".role", at + ".role must be 'system', 'user' or 'assistant'");
            String content = content(e.get("content"), at + ".content");
            chars += content.length();
            if (chars > MAX_CONTENT_CHARS) throw ApiError.invalid("messages", "the messages are longer than " + MAX_CONTENT_CHARS + " characters");
            String r = role.asText().equals("developer") ? "system" : role.asText();
            out.add(new ChatMessage(r, content, null));
        }
        return out;
    }

    /** A string, or an array of text parts ({"type":"text","text":...}) as newer clients send. */
    private static String content(JsonNode c, String at) {
        if (c != null && c.isTextual()) return c.asText();
        if (c != null && c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual())
                    throw ApiError.invalid(at, at + " parts must be {\"type\":\"text\",\"text\":\"...\"}: this model reads text only");
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiError.invalid(at, at + " must be a string");
    }

    private static boolean bool(JsonNode b, String f, boolean dflt) {
        JsonNode v = b.get(f);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw ApiError.invalid(f, "'" + f + "' must be true or false");
        return v.asBoolean();
    }

    /** An integer field in [min, max], or null when absent; 300.0 counts as an integer. */
    private static Integer integer(JsonNode b, String f, int min, int max) {
        JsonNode v = b.get(f);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber() || v.isFloatingPointNumber() && v.asDouble() != Math.rint(v.asDouble()))
            throw ApiError.invalid(f, "'" + f + "' must be an integer");
        double d = v.asDouble();
        if (d < min || d > max) throw ApiError.invalid(f, "'" + f + "' must be in " + min + ".." + max + ", got " + v.asText());
        return (int) d;
    }

    private static Double number(JsonNode b, String f) {
        JsonNode v = b.get(f);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw ApiError.invalid(f, "'" + f + "' must be a number");
        double d = v.asDouble();
        if (!Double.isFinite(d)) throw ApiError.invalid(f, "'" + f + "' must be finite");
        return d;
    }

    private static String string(JsonNode b, String f, int maxChars) {
        JsonNode v = b.get(f);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ApiError.invalid(f, "'" + f + "' must be a string");
        if (v.asText().length() > maxChars) throw ApiError.invalid(f, "'" + f + "' is longer than " + maxChars + " characters");
        return v.asText();
    }

    private static String trim(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
