package dev.bgl.chat;

/**
 * The tags a reasoning model wraps its thinking in (usually {@code <think>} and {@code </think>}),
 * and what a chat template does with them.
 */
public record ThinkingMarkers(String open, String close) {
    public static final ThinkingMarkers THINK = new ThinkingMarkers("<think>", "</think>");

    /**
     * What we know about thinking from a template and (optionally) its generation prompt.
     *
     * @param thinkingModel          the template mentions the markers: it was written for a reasoning model
     *                               (Qwen3, DeepSeek-R1 and its distills all strip or emit them)
     * @param promptOpensThinking    the generation prompt ends inside an open thinking block: the model's
     *                               first tokens are thinking, and it will not emit the open marker itself
     *                               (DeepSeek-R1-distill's prompt ends with {@code <think>\n})
     * @param promptClosesThinking   the generation prompt contains an opened and closed thinking block: thinking
     *                               is switched off (Qwen3 with enable_thinking=false appends {@code <think>\n\n</think>\n\n})
     */
    public record Detection(boolean thinkingModel, boolean promptOpensThinking, boolean promptClosesThinking) {}

    public ThinkingMarkers {
        if (open == null || open.isEmpty() || close == null || close.isEmpty()) {
            throw new IllegalArgumentException("thinking markers must be non-empty");
        }
    }

    /**
     * @param templateSource   the chat template's source
     * @param generationPrompt the rendered generation prompt ({@link ChatTemplate#generationPrompt}), or null if not known
     */
    public Detection detect(String templateSource, String generationPrompt) {
        boolean model = templateSource != null && (templateSource.contains(open) || templateSource.contains(close));
        boolean opens = false;
        boolean closes = false;
        if (generationPrompt != null) {
            int lastOpen = generationPrompt.lastIndexOf(open);
            int lastClose = generationPrompt.lastIndexOf(close);
            opens = lastOpen >= 0 && lastOpen > lastClose;
            closes = lastOpen >= 0 && lastClose > lastOpen;
        }
        return new Detection(model || opens || closes, opens, closes);
    }
}
