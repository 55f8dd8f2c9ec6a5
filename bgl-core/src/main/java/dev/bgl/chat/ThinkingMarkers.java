package dev.bgl.chat;

import dev.bgl.util.BglException;

import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * A thinking format as data: the tags a reasoning model wraps its thinking in, what starts the
 * answer after the closing tag, and so the texts a budget method inserts to end the thinking early.
 * Every budget method, the prompt baselines, the server's {@code reasoning_content} split and trace
 * collection take the markers from the model's format; the known families are described here and
 * nowhere else.
 *
 * @param name        the family's name, as {@code --thinking-format} takes it
 * @param open        the tag that opens the thinking (one token of the vocabulary, or several)
 * @param close       the tag that closes it (one token, or several starting with a control token, as harmony's)
 * @param answerStart what the model writes between {@code close} and its answer (Qwen3's templates: a blank line)
 */
public record ThinkingMarkers(String name, String open, String close, String answerStart) {
    /** Qwen3 and DeepSeek-R1 (and its distills). */
    public static final ThinkingMarkers THINK = new ThinkingMarkers("think", "<think>", "</think>", "\n\n");
    /** Mistral's reasoning models (Magistral): {@code [THINK]…[/THINK]}. */
    public static final ThinkingMarkers BRACKET = new ThinkingMarkers("mistral", "[THINK]", "[/THINK]", "\n\n");
    /**
     * gpt-oss's harmony channels: the analysis channel is the thinking, the final channel the answer; ending the
     * thinking early writes the end of the analysis message and the final channel's header. gpt-oss's vocabulary
     * spells these in 3 and 6 tokens; the thinking closes on the first, {@code <|end|>}, and the loop writes the rest
     * ({@code dev.bgl.decode.ThinkingFormat}). Its template takes {@code reasoning_effort} ({@link RenderOptions#withReasoningEffort}).
     */
    public static final ThinkingMarkers HARMONY = new ThinkingMarkers("harmony", "<|channel|>analysis<|message|>",
            "<|end|><|start|>assistant<|channel|>final<|message|>", "");

    /** The described families, in the order a model's template and vocabulary are matched against them. */
    public static final List<ThinkingMarkers> KNOWN = List.of(THINK, BRACKET, HARMONY);

    /** Other names the families go by on the command line. */
    private static final List<List<String>> ALIASES = List.of(
            List.of("think", "qwen3", "deepseek-r1", "<think>"),
            List.of("mistral", "magistral", "[think]"),
            List.of("harmony", "gpt-oss"));

    /**
     * What we know about thinking from a template and (optionally) its generation prompt.
     *
     * @param thinkingModel          the template mentions the markers: it was written for a reasoning model
     *                               (Qwen3, DeepSeek-R1 and its distills all strip or emit them)
     * @param promptOpensThinking    the generation prompt ends inside an open thinking block: the model's
     *                               first tokens are thinking, and it will not emit the open marker itself
     *                               (DeepSeek-R1-distill's prompt ends with the open tag and a newline)
     * @param promptClosesThinking   the generation prompt contains an opened and closed thinking block: thinking
     *                               is switched off (Qwen3 with enable_thinking=false appends {@link #emptyThinking})
     */
    public record Detection(boolean thinkingModel, boolean promptOpensThinking, boolean promptClosesThinking) {}

    public ThinkingMarkers {
        if (open == null || open.isEmpty() || close == null || close.isEmpty()) {
            throw new IllegalArgumentException("thinking markers must be non-empty");
        }
        if (open.equals(close)) throw new IllegalArgumentException("thinking markers must differ, got " + open + " twice");
        if (answerStart == null) answerStart = "";
        if (name == null || name.isEmpty()) name = open + "," + close;
    }

    /** Markers given as they are (the answer starts after a blank line, as in Qwen3's templates). */
    public ThinkingMarkers(String open, String close) {
        this(null, open, close, "\n\n");
    }

    /**
     * The format {@code spec} names: a family's name ({@code think}, {@code mistral}, {@code harmony}, or an alias
     * such as {@code qwen3}, {@code magistral}), or explicit {@code OPEN,CLOSE} markers. Throws a one-line
     * {@link BglException} naming an unknown one, before anything is loaded.
     */
    public static ThinkingMarkers parse(String spec) {
        if (spec == null || spec.isBlank()) throw new BglException("--thinking-format: empty; give one of " + knownNames() + " or OPEN,CLOSE");
        String s = spec.strip();
        int comma = s.indexOf(',');
        if (comma >= 0) {
            String open = s.substring(0, comma).strip(), close = s.substring(comma + 1).strip();
            if (open.isEmpty() || close.isEmpty() || close.contains(","))
                throw new BglException("--thinking-format '" + spec + "': explicit markers are OPEN,CLOSE, two non-empty tags");
            if (open.equals(close)) throw new BglException("--thinking-format '" + spec + "': the open and close markers must differ");
            for (ThinkingMarkers k : KNOWN) if (k.open.equals(open) && k.close.equals(close)) return k;
            return new ThinkingMarkers(open, close);
        }
        String key = s.toLowerCase(Locale.ROOT);
        for (int i = 0; i < KNOWN.size(); i++) if (ALIASES.get(i).contains(key)) return KNOWN.get(i);
        throw new BglException("unknown thinking format '" + spec + "': give one of " + knownNames() + " or OPEN,CLOSE markers");
    }

    private static String knownNames() {
        return String.join(", ", KNOWN.stream().map(ThinkingMarkers::name).toList());
    }

    /**
     * The format a model uses, from its chat template and vocabulary: the first described family whose two markers
     * are tokens of the vocabulary and which the template mentions; else the first whose markers are tokens; else the
     * first the template mentions (its markers are not single tokens here, as gpt-oss's harmony in its own vocabulary,
     * which the loop follows when the close starts with a control token); else {@link #THINK} (a model without those
     * tokens does not think, as before formats were data).
     *
     * @param templateSource the chat template's source, or null (the ChatML fallback)
     * @param isToken        whether a text is one token of the vocabulary
     */
    public static ThinkingMarkers choose(String templateSource, Predicate<String> isToken) {
        ThinkingMarkers inVocab = null;
        for (ThinkingMarkers k : KNOWN) {
            if (!isToken.test(k.open) || !isToken.test(k.close)) continue;
            if (templateSource != null && (templateSource.contains(k.open) || templateSource.contains(k.close))) return k;
            if (inVocab == null) inVocab = k;
        }
        if (inVocab != null) return inVocab;
        if (templateSource != null)
            for (ThinkingMarkers k : KNOWN) if (templateSource.contains(k.open) || templateSource.contains(k.close)) return k;
        return THINK;
    }

    /** What ends the thinking where the thought stands and starts the answer: the close tag and {@link #answerStart}. */
    public String closeText() {
        return close + answerStart;
    }

    /**
     * The hard cut's closing text: a line end, then {@link #closeText} (Qwen3: {@code "\n</think>\n\n"}, the separator
     * its models are trained with); its line end is a thinking token.
     */
    public String cutText() {
        return "\n" + closeText();
    }

    /** An empty thinking block, as Qwen3's template renders it with enable_thinking=false (the nothink prompt). */
    public String emptyThinking() {
        return open + "\n\n" + closeText();
    }

    /** {@code text} as this format writes it, from one written in {@code from}'s markers (both tags swapped). */
    public String rewrite(String text, ThinkingMarkers from) {
        return text.replace(from.open, open).replace(from.close, close);
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
