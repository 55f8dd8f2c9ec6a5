package dev.bgl.budget;

import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.Step;
import dev.bgl.tokenizer.StreamingDecoder;
import dev.bgl.tokenizer.Tokenizer;

import java.util.List;

/**
 * The {@code s1} baseline, budget forcing as Muennighoff et al. (2025) use it to end thinking: at
 * the budget, "**Final Answer**" is written into the thinking, the model writes its final-answer
 * line, and the thinking is closed with the format's cut text (Qwen3: a line end, the close tag, a blank line) once that line ends (the model
 * writes {@code "\n\n"}, or "Wait" as it turns back to thinking). The line is capped, and may not end the
 * turn (end-of-generation tokens are forbidden in it), so the thinking always closes. If the model closes the thinking itself, nothing more is inserted.
 *
 * <p>Accounting: the thinking holds {@code budget} model tokens, the "**Final Answer**" tokens, the
 * model's final-answer line (at most {@code lineCap} tokens, its "\n\n" or "Wait" included), and
 * the {@code "\n"} before the close tag: the overshoot is at most
 * {@code tokens("**Final Answer**") + lineCap + 1}.
 */
public final class S1BudgetForcing implements LogitsProcessor {
    public static final String FINAL_ANSWER = "**Final Answer**";
    /** The closing text of the {@code <think>} format; a model's own is its format's {@link ThinkingMarkers#cutText}. */
    public static final String CLOSE = HardCutoff.DEFAULT_CLOSE;
    /** What ends the final-answer line. */
    public static final List<String> LINE_ENDS = List.of("\n\n", "Wait");
    public static final int DEFAULT_LINE_CAP = 64;

    private enum State {THINKING, FINAL_LINE, DONE}

    private final ThinkingBudget budget;
    private final String closeText;
    private final int lineCap;
    private final StreamingDecoder decoder;
    /** The end-of-generation tokens: during the final-answer line they are forbidden, so the thinking closes before the turn ends. */
    private final int[] endOfGeneration;
    private final StringBuilder line = new StringBuilder();
    private State state = State.THINKING;
    private int lineTokens;
    private boolean fired;
    private boolean closedByUs;
    private int context;

    /**
     * @param budget    thinking tokens before "**Final Answer**" is inserted
     * @param lineCap   most tokens the model may write after it before the thinking is closed (0 closes at once)
     * @param tokenizer to read the model's final-answer line
     */
    public S1BudgetForcing(int budget, int lineCap, Tokenizer tokenizer) {
        this(ThinkingBudget.fixed(budget), lineCap, tokenizer);
    }

    /** With a budget read at every step ({@link BudgetController}). */
    public S1BudgetForcing(ThinkingBudget budget, int lineCap, Tokenizer tokenizer) {
        this(budget, lineCap, tokenizer, ThinkingMarkers.THINK);
    }

    /** For a model of {@code format}: the thinking is closed with its {@link ThinkingMarkers#cutText}. */
    public S1BudgetForcing(ThinkingBudget budget, int lineCap, Tokenizer tokenizer, ThinkingMarkers format) {
        this.closeText = format.cutText();
        if (lineCap < 0) throw new IllegalArgumentException("line cap must be >= 0, got " + lineCap);
        this.budget = budget;
        this.lineCap = lineCap;
        this.decoder = tokenizer.streamingDecoder();
        this.endOfGeneration = java.util.stream.IntStream.range(0, tokenizer.vocabSize()).filter(tokenizer::isEndOfGeneration).toArray();
    }

    @Override
    public void apply(Step step, float[] logits) {
        // the method works by insertion; only its final-answer line may not end the turn inside the thinking
        // (a model that writes "**Final Answer** 42" and stops would leave the thinking open and no answer)
        if (state != State.FINAL_LINE) return;
        for (int id : endOfGeneration) if (id < logits.length) logits[id] = Float.NEGATIVE_INFINITY;
    }

    @Override
    public boolean argmaxInvariant() {
        return false;
    }

    @Override
    public void begin(Step start, DecodeControl control) {
        check(start, control);
    }

    @Override
    public void accept(Step step, int token, boolean forced, DecodeControl control) {
        context = step.position() + 1;
        switch (state) {
            case THINKING -> check(step, control);
            case FINAL_LINE -> {
                if (!step.thinking()) {
                    state = State.DONE; // the model closed the thinking itself
                } else if (!forced) {   // forced ones are our "**Final Answer**"
                    lineTokens++;
                    line.append(decoder.accept(token));
                    if (lineEnded() || lineTokens >= lineCap) close(control);
                }
            }
            case DONE -> {
            }
        }
    }

    private void check(Step step, DecodeControl control) {
        if (step.thinking() && budget.remaining(step.thinkingSpent(), context) <= 0) {
            fired = true;
            state = State.FINAL_LINE;
            control.insertText(FINAL_ANSWER);
            if (lineCap == 0) close(control);
        }
    }

    private boolean lineEnded() {
        for (String end : LINE_ENDS) if (line.indexOf(end) >= 0) return true;
        return false;
    }

    private void close(DecodeControl control) {
        state = State.DONE;
        closedByUs = true;
        control.insertText(closeText);
    }

    /** Whether "**Final Answer**" was inserted (the model had not closed its thinking within the budget). */
    public boolean fired() {
        return fired;
    }

    /** Whether the thinking was closed by insertion (rather than by the model after "**Final Answer**"). */
    public boolean closedByUs() {
        return closedByUs;
    }

    /** Tokens the model wrote after "**Final Answer**" while still thinking. */
    public int lineTokens() {
        return lineTokens;
    }
}
