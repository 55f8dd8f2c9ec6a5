package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.List;

/** POST /v1/feedback, GET /v1/feedback/summary, GET /v1/budget/suggestion: the server's side of {@link FeedbackService}. */
final class FeedbackHandler {
    static final int MAX_COMMENT_CHARS = 4000;
    private static final JsonNodeFactory J = JsonNodeFactory.instance;
    private final FeedbackService feedback;

    FeedbackHandler(FeedbackService feedback) {
        this.feedback = feedback;
    }

    /** A rating by its request's own principal (an admin may rate any); 403 for someone else's request. */
    ObjectNode rate(JsonNode b, Principal who) {
        String user = who.id();
        if (b == null || !b.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
        JsonNode id = b.get("request_id");
        if (id == null || !id.isTextual() || id.asText().isBlank()) throw ApiError.invalid("request_id", "'request_id' must be a string");
        JsonNode r = b.get("rating");
        if (r == null || !r.isIntegralNumber() || r.asInt() < 1 || r.asInt() > 5 || !r.canConvertToInt())
            throw ApiError.invalid("rating", "'rating' must be an integer 1..5");
        List<String> tags = new ArrayList<>();
        JsonNode t = b.get("tags");
        if (t != null && !t.isNull()) {
            if (!t.isArray()) throw ApiError.invalid("tags", "'tags' must be an array of strings");
            for (JsonNode tag : t) {
                if (!tag.isTextual() || !FeedbackService.TAGS.contains(tag.asText()))
                    throw ApiError.invalid("tags", "unknown tag " + tag + " (known: " + String.join(", ", FeedbackService.TAGS) + ")");
                if (!tags.contains(tag.asText())) tags.add(tag.asText());
            }
        }
        JsonNode c = b.get("comment");
        String comment = "";
        if (c != null && !c.isNull()) {
            if (!c.isTextual()) throw ApiError.invalid("comment", "'comment' must be a string");
            if (c.asText().length() > MAX_COMMENT_CHARS) throw ApiError.invalid("comment", "'comment' is longer than " + MAX_COMMENT_CHARS + " characters");
            comment = c.asText();
        }
        String owner = feedback.requestOwner(id.asText());
        if (owner == null) throw ApiError.notFound("no request with id '" + id.asText() + "'", "request_id", null);
        if (!owner.equals(user) && !who.admin())
            throw ApiError.forbidden("request '" + id.asText() + "' was made by another user: only its owner may rate it"
                    + " (send the same API key, or the bgl_session cookie that came with the answer)", "request_id");
        boolean known;
        try {
            known = feedback.recordRating(new FeedbackService.Rating(id.asText(), user, r.asInt(), tags, comment, System.currentTimeMillis()));
        } catch (FeedbackService.Unavailable e) {
            throw e; // not the client's mistake: a 503, see BglServer
        } catch (BglException e) {
            // the store's own checks (stars, tags) name the bad value: the client's mistake, not the server's
            throw ApiError.invalid(e.getMessage().contains("tag") ? "tags" : "rating", e.getMessage());
        }
        if (!known) throw ApiError.notFound("no request with id '" + id.asText() + "'", "request_id", null);
        return J.objectNode().put("ok", true);
    }

    /** The caller's own history; an admin's is everyone's. */
    ObjectNode summary(Principal who) {
        FeedbackService.FeedbackSummary s = feedback.summary(who.admin() ? null : who.id());
        ObjectNode o = J.objectNode();
        counts(o, s.requests(), s.ratings(), s.meanRating(), s.meanSeconds(), s.meanThinkingTokens());
        var arr = o.putArray("over_time");
        for (var b : s.overTime())
            counts(arr.addObject().put("start", b.startMillis()), b.requests(), b.ratings(), b.meanRating(), b.meanSeconds(),
                    b.meanThinkingTokens());
        return o;
    }

    /** The figures the whole history and each of its periods share. */
    private static void counts(ObjectNode o, long requests, long ratings, Double meanRating, Double meanSeconds, Double meanThinking) {
        o.put("requests", requests);
        o.put("ratings", ratings);
        o.put("mean_rating", meanRating);
        o.put("mean_seconds", meanSeconds);
        o.put("mean_thinking_tokens", meanThinking);
    }

    ObjectNode suggestion(String question, String user) {
        if (question != null && question.length() > RequestParser.MAX_CONTENT_CHARS)
            throw ApiError.invalid("question", "'question' is longer than " + RequestParser.MAX_CONTENT_CHARS + " characters");
        FeedbackService.BudgetSuggestion s = feedback.suggest(user, question == null ? "" : question);
        ObjectNode o = J.objectNode();
        o.put("budget_tokens", s.budgetTokens());
        o.put("mode", s.mode());
        o.put("task_type", s.taskType());
        o.put("reason", s.reason());
        return o;
    }
}
