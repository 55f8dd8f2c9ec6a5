package dev.bgl.decode;

/**
 * How a reasoning model marks its thinking, and where the prompt leaves it: given with a
 * {@link GenerateRequest}, so the decode loop alone follows the phases of the generation
 * ({@link ThinkingState}) and hands them to the processors in each {@link Step} and to the
 * {@link TokenListener} with each token. A request without one (a model with no {@code </think>})
 * is all answer.
 *
 * @param openId  the {@code <think>} token (−1: the model has none; then only a prompt can open the thinking)
 * @param closeId the {@code </think>} token
 * @param start   the phase the prompt leaves the model in: before thinking (the model opens it), inside it
 *                (the template opened it, as DeepSeek-R1's does), or in the answer (the prompt closed it: {@code nothink})
 */
public record ThinkingFormat(int openId, int closeId, Phase start) {

    /** The phases of a generation: before {@code <think>}, between the markers, after {@code </think>}. */
    public enum Phase {BEFORE, THINKING, ANSWER}

    public ThinkingFormat {
        if (closeId < 0) throw new IllegalArgumentException("the model has no token that closes its thinking");
        if (start == null) throw new IllegalArgumentException("no start phase");
    }
}
