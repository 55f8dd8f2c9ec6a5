package dev.bgl.budget;

import dev.bgl.chat.ChatMessage;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.LoadedModel;
import dev.bgl.util.BglException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The baselines that act through the prompt only: {@code prompt} asks for a budget in words,
 * {@code nothink} prefills an empty thinking block. Neither inserts anything while decoding.
 */
public final class BudgetPrompts {
    /** Empty thinking, as Qwen3's template renders it with {@code enable_thinking=false} (a model's own: {@link ThinkingMarkers#emptyThinking}). */
    public static final String EMPTY_THINKING = ThinkingMarkers.THINK.emptyThinking();

    private BudgetPrompts() {
    }

    /** The request sentence of the {@code prompt} baseline. */
    public static String instruction(int budget) {
        return "Think for up to " + budget + " tokens.";
    }

    /**
     * The conversation with {@link #instruction} appended to the last user message, after a blank
     * line. Nothing enforces it: whether the model listens is what this baseline measures.
     */
    public static List<ChatMessage> withBudgetInstruction(List<ChatMessage> messages, int budget) {
        int last = messages.size() - 1;
        ChatMessage m = messages.get(last);
        if (!m.role().equals("user"))
            throw new BglException("budget method 'prompt': the last message must be the user's, got role '" + m.role() + "'");
        String content = m.content() == null || m.content().isEmpty() ? "" : m.content() + "\n\n";
        List<ChatMessage> out = new ArrayList<>(messages.subList(0, last));
        out.add(new ChatMessage(m.role(), content + instruction(budget), m.reasoningContent()));
        return out;
    }

    /**
     * The {@code nothink} prompt: rendered with {@code enable_thinking=false} when the template
     * knows that switch (Qwen3's renders {@link #EMPTY_THINKING}); otherwise the empty block is
     * appended (or, when the prompt already opened the thinking as DeepSeek-R1's does, closed).
     * Either way the prompt must end with an empty, closed thinking block.
     */
    public static String noThinkPrompt(LoadedModel model, List<ChatMessage> messages) {
        return noThinkPrompt(enable -> model.renderPrompt(messages, enable), model.markers(), model.name());
    }

    /**
     * As {@link #noThinkPrompt(LoadedModel, List)} for any renderer.
     *
     * @param render renders the conversation's prompt with {@code enable_thinking} set to its argument
     * @param what   names the model or template in the error
     */
    public static String noThinkPrompt(Function<Boolean, String> render, ThinkingMarkers mk, String what) {
        String rendered = render.apply(false);
        if (!endsWithEmptyThinking(rendered, mk)) {
            int open = rendered.lastIndexOf(mk.open()), close = rendered.lastIndexOf(mk.close());
            boolean opened = open >= 0 && open > close;
            rendered += opened ? (rendered.endsWith("\n") ? "\n" : "\n\n") + mk.closeText() : mk.emptyThinking();
        }
        if (!endsWithEmptyThinking(rendered, mk))
            throw new BglException("budget method 'nothink': the prompt of " + what + " does not end with an empty thinking block");
        return rendered;
    }

    /** Whether {@code prompt} ends with the open tag, only whitespace, the close tag, only whitespace. */
    public static boolean endsWithEmptyThinking(String prompt, ThinkingMarkers mk) {
        return Pattern.compile(Pattern.quote(mk.open()) + "\\s*" + Pattern.quote(mk.close()) + "\\s*\\z").matcher(prompt).find();
    }
}
