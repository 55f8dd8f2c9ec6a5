package dev.bgl.budget;

import dev.bgl.decode.ThinkingFormat.Phase;

/**
 * What one request becomes before it runs, made once ({@link Planner#plan}) and read by everyone
 * after: the server counts its prompt against the context and the memory limits, the stream's
 * splitter starts in its phase, the runner feeds its tokens. The processors that keep the budget
 * are not part of it: they hold per-run state, and a guided run's need the runner's own predictor
 * buffers, so the runner makes them when the run starts.
 *
 * @param request     the request as asked
 * @param promptText  the prompt the method sends (the chat template, changed as the method wants)
 * @param prompt      its tokens
 * @param promptPhase where the prompt leaves the model: before the thinking (the model opens it),
 *                    inside it (the template opened it), or in the answer (an empty thinking was prefilled)
 * @param maxTokens   the request's token cap, lowered to what a KV budget holds
 */
public record Plan(BudgetRequest request, String promptText, int[] prompt, Phase promptPhase, int maxTokens) {

    /** Whether the prompt closed the thinking (nothink, or a budget of 0): all output is answer. */
    public boolean promptClosesThinking() {
        return promptPhase == Phase.ANSWER;
    }

    /** Whether the prompt leaves the model inside an open thinking block. */
    public boolean promptOpensThinking() {
        return promptPhase == Phase.THINKING;
    }

    /** The same plan with its request's token cap lowered to {@code maxTokens} (a server fitting its default to memory). */
    public Plan withMaxTokens(int maxTokens) {
        BudgetRequest r = new BudgetRequest(request.messages(), request.method(), request.budget(), request.sampler(), maxTokens,
                request.cancellation());
        return new Plan(r, promptText, prompt, promptPhase, Math.min(this.maxTokens, maxTokens));
    }

    public Budget budget() {
        return request.budget();
    }

    public Method method() {
        return request.method();
    }
}
