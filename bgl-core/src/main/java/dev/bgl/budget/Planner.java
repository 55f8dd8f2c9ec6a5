package dev.bgl.budget;

import dev.bgl.decode.ThinkingFormat.Phase;
import dev.bgl.decode.LoadedModel;
import dev.bgl.util.BglException;

/**
 * Turns a request into its {@link Plan}: renders the prompt the method wants once, tokenises it,
 * finds the phase it leaves the model in, and checks, before any work, that a KV budget holds the
 * prompt and an answer. Stateless: one planner serves any number of threads.
 */
public final class Planner {
    private final LoadedModel model;
    private final int answerReserve;

    /** @param answerReserve tokens kept back for closing the thinking and the answer under limits in other units */
    public Planner(LoadedModel model, int answerReserve) {
        if (answerReserve < 0) throw new BglException("answer reserve must be >= 0 tokens, got " + answerReserve);
        this.model = model;
        this.answerReserve = answerReserve;
    }

    public Planner(LoadedModel model) {
        this(model, BudgetController.DEFAULT_ANSWER_RESERVE);
    }

    public int answerReserve() {
        return answerReserve;
    }

    /** A KV budget too small for the prompt and an answer: the budget's fault, not the messages'. */
    public static final class KvBudgetTooSmall extends BglException {
        private final int promptTokens;

        KvBudgetTooSmall(int promptTokens, String message) {
            super(message);
            this.promptTokens = promptTokens;
        }

        public int promptTokens() {
            return promptTokens;
        }
    }

    /**
     * The plan of a request; a {@link BglException} naming the problem when it cannot run
     * ({@link KvBudgetTooSmall} when a KV budget cannot hold the prompt and an answer).
     */
    public Plan plan(BudgetRequest req) {
        if (!model.isThinkingModel() && req.method().usesBudget())
            throw new BglException("model " + model.name() + " " + model.notThinkingReason() + ": budget method '" + req.method().name() + "' needs a thinking model");
        String text = promptText(req);
        int[] prompt = model.encodePrompt(text);
        return new Plan(req, text, prompt, phase(req, prompt), kvCappedMaxTokens(req, prompt.length));
    }

    /** The prompt text a method sends for a request (the chat template, changed as the method wants). */
    String promptText(BudgetRequest req) {
        if (req.noThinking() && model.isThinkingModel()) return BudgetPrompts.noThinkPrompt(model, req.messages());
        return switch (req.method()) {
            case Method.Prompt m -> model.renderPrompt(BudgetPrompts.withBudgetInstruction(req.messages(), req.budget().tokens()), null);
            case Method.NoThink m -> model.isThinkingModel()
                    ? BudgetPrompts.noThinkPrompt(model, req.messages()) : model.renderPrompt(req.messages(), null);
            default -> model.renderPrompt(req.messages(), null);
        };
    }

    private Phase phase(BudgetRequest req, int[] prompt) {
        if (!model.isThinkingModel()) return Phase.BEFORE;
        if (req.method() instanceof Method.NoThink || req.noThinking()) return Phase.ANSWER;
        return model.thinkingFormat(Phase.BEFORE).promptPhase(prompt);
    }

    /**
     * The token cap under a KV limit: the controller keeps thinking inside it with a reserve for the answer, but an
     * answer longer than the reserve would still grow the cache; so generation stops where the cache is full
     * (at most prompt + generated tokens are cached). An answer cut there is
     * reported as incomplete; the limit itself is never exceeded.
     */
    private int kvCappedMaxTokens(BudgetRequest req, int promptTokens) {
        BudgetController.CostModel cost = BudgetController.CostModel.of(model.transformer().config(), model.kvType());
        long perToken = model.kvBytesPerToken();
        long limit = req.budget().kvBytesLimit();
        if (limit == Long.MAX_VALUE) return req.maxTokens();
        long fit = cost.tokensWithin(limit); // a sliding-window layer stops growing at its window
        // room for the prompt, the closing text and the answer reserve: less would end in an empty answer
        // (a reserve of 0 opts out: then only the prompt and one token must fit)
        long need = promptTokens + (answerReserve == 0 ? 1 : model.tokenizer().encode(model.markers().cutText(), true).length + (long) answerReserve);
        if (fit < need) {
            // a model with sliding-window layers (gpt-oss) adds fewer bytes a token once the window is full
            String pastWindow = cost.window() > 0 && cost.windowedKvBytesPerToken() > 0
                    ? " (" + (perToken - cost.windowedKvBytesPerToken()) + " past the sliding window of " + cost.window() + ")" : "";
            throw new KvBudgetTooSmall(promptTokens, "KV budget " + BudgetUnit.bytes(cost.kvBytes(fit)) + " holds " + fit + " tokens of " + perToken
                    + " bytes" + pastWindow + ", but the prompt (" + promptTokens + " tokens) and an answer (" + (need - promptTokens)
                    + " tokens reserved) need " + need + ": give at least " + BudgetUnit.bytes((double) cost.kvBytes(need)));
        }
        return (int) Math.min(req.maxTokens(), fit - promptTokens);
    }
}
