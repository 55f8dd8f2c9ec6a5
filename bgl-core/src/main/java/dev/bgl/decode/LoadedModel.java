package dev.bgl.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgl.chat.ChatMessage;
import dev.bgl.chat.ChatTemplate;
import dev.bgl.chat.RenderOptions;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.format.FormatException;
import dev.bgl.model.KvCacheType;
import dev.bgl.model.ModelCard;
import dev.bgl.model.GgufModelSource;
import dev.bgl.model.HfModelSource;
import dev.bgl.model.ModelSource;
import dev.bgl.model.Transformer;
import dev.bgl.tokenizer.Tokenizer;

import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A model ready to generate: weights (GGUF file or Hugging Face folder), its tokenizer, its chat
 * template, and where its thinking starts and ends. The same code path serves every model file,
 * the embedded default included.
 */
public final class LoadedModel implements AutoCloseable {
    private final ModelSource source;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final boolean templateFromFile;
    private final ThinkingMarkers markers;
    /** The open marker's tokens (harmony's are 3 in gpt-oss's vocabulary). */
    private final int[] thinkOpen;
    /** The close marker's tokens; null when this model cannot follow its format's close (then it does not think). */
    private final int[] thinkClose;
    private final KvCacheType kvType;
    private final ModelCard card;
    /** {@code reasoning_effort} for the chat template (low, medium, high); null: the template's own default. */
    private final String reasoningEffort;

    private LoadedModel(ModelSource source, Tokenizer tokenizer, String templateSource, KvCacheType kvType, ModelCard card,
                        ThinkingMarkers format) {
        // the format given (--thinking-format) must be in the vocabulary (checked before the weights are read); else the family the template and vocabulary show
        if (format != null && !followable(tokenizer, format.close()))
            throw new FormatException(source.path(), "thinking format '" + format.name() + "': the vocabulary has no token " + format.close()
                    + severalTokens(tokenizer, format.close()));
        this.source = source;
        this.card = card;
        this.kvType = kvType;
        this.transformer = new Transformer(source);
        this.tokenizer = tokenizer;
        this.templateFromFile = templateSource != null;
        this.template = ChatTemplate.orChatMl(templateSource);
        this.markers = format != null ? format : ThinkingMarkers.choose(templateSource, t -> tokenizer.tokenId(t).isPresent());
        this.thinkOpen = tokenizer.encode(markers.open(), true);
        this.thinkClose = followable(tokenizer, markers.close()) ? tokenizer.encode(markers.close(), true) : null;
        this.reasoningEffort = null;
        if (tokenizer.vocabSize() > transformer.config().vocabSize())
            throw new FormatException(source.path(), "tokenizer has " + tokenizer.vocabSize() + " tokens but the model's embedding has "
                    + transformer.config().vocabSize() + " rows");
    }

    /** The same model (file, weights, tokenizer: shared, not copied) rendering its prompts with another reasoning effort. */
    private LoadedModel(LoadedModel base, String reasoningEffort) {
        this.source = base.source;
        this.transformer = base.transformer;
        this.tokenizer = base.tokenizer;
        this.template = base.template;
        this.templateFromFile = base.templateFromFile;
        this.markers = base.markers;
        this.thinkOpen = base.thinkOpen;
        this.thinkClose = base.thinkClose;
        this.kvType = base.kvType;
        this.card = base.card;
        this.defaultContext = base.defaultContext;
        this.reasoningEffort = reasoningEffort;
    }

    /**
     * This model with {@code reasoning_effort} (low, medium or high; null: the template's default) rendered into its
     * prompts: gpt-oss's harmony template writes it into the system message ("Reasoning: high"); a template that does
     * not use the variable ignores it. The result shares this model's file and weights: close only one of the two.
     * Another value is one error naming it.
     */
    public LoadedModel withReasoningEffort(String effort) {
        RenderOptions checked = RenderOptions.DEFAULT.withReasoningEffort(effort);
        String e = (String) checked.extraVariables().get("reasoning_effort");
        return java.util.Objects.equals(e, reasoningEffort) ? this : new LoadedModel(this, e);
    }

    /** The reasoning effort rendered into prompts (low, medium, high), or null: the template's default. */
    public String reasoningEffort() {
        return reasoningEffort;
    }

    /** Whether the chat template reads {@code reasoning_effort} at all (gpt-oss's does; Qwen3's does not). */
    public boolean templateUsesReasoningEffort() {
        return template.source() != null && template.source().contains("reasoning_effort");
    }

    /**
     * Whether the decode loop can follow a close marker in this vocabulary: it is one token, or several whose first
     * is a control token (harmony's {@code <|end|>}), which the model writes for nothing else: the thinking closes
     * on that token and the rest of the marker is written after it ({@link ThinkingFormat}). A marker spelled in
     * ordinary text ({@code </think>} where the vocabulary lacks it) cannot close anything: its first piece,
     * {@code <}, is written everywhere.
     */
    private static boolean followable(Tokenizer tokenizer, String close) {
        int[] ids = tokenizer.encode(close, true);
        return ids.length == 1 && tokenizer.tokenId(close).isPresent() || ids.length > 1 && tokenizer.isSpecial(ids[0]);
    }

    /** Where a close marker cannot be followed, what its spelling is (bgl follows one of several tokens only after a control token). */
    private static String severalTokens(Tokenizer tokenizer, String tag) {
        int[] ids = tokenizer.encode(tag, true);
        return ids.length > 1 ? " (it spells it in " + ids.length + " tokens, the first of them '" + tokenizer.tokenText(ids[0])
                + "' ordinary text, and bgl follows a close marker of several tokens only when it starts with a control token, as harmony's <|end|>)" : "";
    }

    /**
     * Why this model cannot run a method that needs thinking, as the rest of a sentence "model NAME …": it has no
     * close marker, or its template's format spells the close marker in several tokens that do not start with a
     * control token, which the decode loop cannot follow. Empty for a thinking model.
     */
    public String notThinkingReason() {
        if (isThinkingModel()) return "";
        int[] close = tokenizer.encode(markers.close(), true);
        if (templateFromFile && template.source() != null && (template.source().contains(markers.open()) || template.source().contains(markers.close()))
                && close.length > 1)
            return "uses the " + markers.name() + " thinking format, whose close marker " + markers.close() + " its vocabulary spells in "
                    + close.length + " tokens starting with ordinary text ('" + tokenizer.tokenText(close[0]) + "'), and bgl follows a close"
                    + " marker of several tokens only when it starts with a control token";
        return "has no " + markers.close() + " token";
    }

    /** Opens a {@code .gguf} file or a Hugging Face model folder, with an F16 KV cache. */
    public static LoadedModel open(Path path) {
        return open(path, KvCacheType.F16);
    }

    /** Opens a {@code .gguf} file or a Hugging Face model folder; its sessions cache keys and values as {@code kvType}. */
    public static LoadedModel open(Path path, KvCacheType kvType) {
        return open(path, kvType, null);
    }

    /**
     * Opens a model, its tokenizer taken from {@code tokenizer} (a folder holding
     * {@code tokenizer.json}, or that file) when not null: checkpoints saved without one, as the
     * paper's released {@code *-BG} folders, use their base model's. The chat template comes from
     * the model folder's {@code tokenizer_config.json}, else from the tokenizer's folder.
     */
    public static LoadedModel open(Path path, KvCacheType kvType, Path tokenizer) {
        return open(path, kvType, tokenizer, null);
    }

    /**
     * As {@link #open(Path, KvCacheType, Path)}, with the thinking format given ({@code --thinking-format}); null: the
     * one its chat template and vocabulary show ({@link ThinkingMarkers#choose}). A format whose markers are not
     * tokens of the vocabulary is refused, naming the file and the marker.
     */
    public static LoadedModel open(Path path, KvCacheType kvType, Path tokenizer, ThinkingMarkers format) {
        if (kvType == null) throw new BglException("no KV cache type given");
        if (!Files.exists(path)) throw new FormatException(path, "no such file or folder");
        if (tokenizer != null && !Files.isDirectory(path))
            throw new FormatException(path, "--tokenizer is for Hugging Face model folders; a .gguf file carries its own tokenizer");
        if (Files.isDirectory(path)) {
            Path tj = tokenizerJson(path, tokenizer);
            ModelSource src = HfModelSource.open(path);
            try {
                String template = hfTemplate(path);
                if (template == null && tokenizer != null) template = hfTemplate(tj.getParent());
                return new LoadedModel(src, Tokenizer.fromTokenizerJson(tj), template, kvType, ModelCard.UNKNOWN, format);
            } catch (RuntimeException e) {
                src.close();
                throw e;
            }
        }
        GgufModelSource src = GgufModelSource.open(path);
        try {
            var meta = src.file().meta();
            return new LoadedModel(src, Tokenizer.fromGguf(meta), meta.has("tokenizer.chat_template") ? meta.string("tokenizer.chat_template") : null, kvType,
                    ModelCard.of(meta), format);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    private static Path tokenizerJson(Path folder, Path tokenizer) {
        if (tokenizer == null) {
            Path tj = folder.resolve("tokenizer.json");
            if (!Files.isRegularFile(tj))
                throw new FormatException(folder, "no tokenizer.json in the model folder; give the base model's with --tokenizer DIR");
            return tj;
        }
        Path tj = Files.isDirectory(tokenizer) ? tokenizer.resolve("tokenizer.json") : tokenizer;
        if (!Files.isRegularFile(tj)) throw new FormatException(tj, "no such tokenizer file (--tokenizer takes a folder with tokenizer.json, or that file)");
        return tj.toAbsolutePath();
    }

    private static String hfTemplate(Path folder) {
        Path cfg = folder.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(cfg)) return null;
        try {
            JsonNode t = new ObjectMapper().readTree(cfg.toFile()).get("chat_template");
            return t != null && t.isTextual() ? t.asText() : null;
        } catch (IOException e) {
            throw new FormatException(cfg, "cannot read: " + e.getMessage());
        }
    }

    /** What the file says of its answers: the answer prefix of its family and the answer cap. */
    public ModelCard card() {
        return card;
    }

    public ModelSource source() {
        return source;
    }

    /** How this model's sessions store the KV cache. */
    public KvCacheType kvType() {
        return kvType;
    }

    /** KV-cache bytes one cached token takes in this model's sessions (every layer: see {@link #kvBytes}). */
    public long kvBytesPerToken() {
        return transformer.config().kvBytesPerToken(kvType);
    }

    /** The most KV cache a session of this model holds at a context of {@code tokens} (a sliding-window layer: its window). */
    public long kvBytes(long tokens) {
        return transformer.config().kvBytes(kvType, tokens);
    }

    public Transformer transformer() {
        return transformer;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate template() {
        return template;
    }

    /** Whether the chat template came from the model file (else the ChatML fallback is used). */
    public boolean templateFromFile() {
        return templateFromFile;
    }

    /** The model's thinking format: its markers, what starts the answer, what ends the thinking early. */
    public ThinkingMarkers markers() {
        return markers;
    }

    /** Token id of the format's open marker when it is one token, else −1 (see {@link #thinkingFormat}). */
    public int thinkOpenId() {
        return thinkOpen.length == 1 ? thinkOpen[0] : -1;
    }

    /** Token id of the token that closes the thinking (the close marker's first), or −1 if the model does not think. */
    public int thinkCloseId() {
        return thinkClose == null ? -1 : thinkClose[0];
    }

    /** The open marker's tokens. */
    public int[] thinkOpenTokens() {
        return thinkOpen.clone();
    }

    /** The close marker's tokens (empty if the model does not think). */
    public int[] thinkCloseTokens() {
        return thinkClose == null ? new int[0] : thinkClose.clone();
    }

    /** The markers as the decode loop follows them, the prompt leaving the model in {@code start}; null for a model that does not think. */
    public ThinkingFormat thinkingFormat(ThinkingFormat.Phase start) {
        return thinkClose == null ? null : new ThinkingFormat(thinkOpen, thinkClose, start);
    }

    public boolean isThinkingModel() {
        return thinkClose != null;
    }

    /** The default context of a new session: the model's own where the heap holds its KV cache (see {@link dev.bgl.model.ContextMemory#defaultContext}). */
    public int defaultContext() {
        // fixed at the first call, so that a server's context does not move with the heap in use
        int c = defaultContext;
        if (c == 0) defaultContext = c = dev.bgl.model.ContextMemory.defaultContext(transformer.config(), kvType, dev.bgl.model.ContextMemory.freeHeap());
        return c;
    }

    private volatile int defaultContext;

    public Session newSession(int contextSize) {
        return new Session(transformer, contextSize, kvType);
    }

    /** The rendered prompt text for a conversation, ready for the assistant's reply. */
    public String renderPrompt(List<ChatMessage> messages, Boolean enableThinking) {
        String bos = tokenizer.bosId() >= 0 ? tokenizer.tokenText(tokenizer.bosId()) : null;
        String eos = tokenizer.eosId() >= 0 ? tokenizer.tokenText(tokenizer.eosId()) : null;
        return template.render(messages, RenderOptions.DEFAULT.withThinking(enableThinking).withTokens(bos, eos).withReasoningEffort(reasoningEffort));
    }

    /** The longest a probe conversation may take to render: a template slower than this would slow every request. */
    public static final long PROBE_MILLIS = 500;

    /**
     * Renders a probe conversation (system, user, assistant, user, with the generation prompt, thinking on and off)
     * with the model's chat template, so that a broken template stops the start instead of failing every request
     * as the client's fault. Throws a one-line BglException naming the problem (the caller names the file).
     */
    public void checkTemplate() {
        List<ChatMessage> probe = List.of(ChatMessage.system("You are a helpful assistant."), ChatMessage.user("What is 2 + 3?"),
                ChatMessage.assistant("5"), ChatMessage.user("Add: 17+8+12+5"));
        long t0 = System.nanoTime();
        for (Boolean thinking : new Boolean[]{null, true, false}) {
            String text;
            try {
                text = renderPrompt(probe, thinking);
            } catch (RuntimeException e) {
                throw new BglException("the chat template fails on a plain conversation: " + e.getMessage());
            }
            if (text == null || text.isBlank()) throw new BglException("the chat template renders a plain conversation as an empty prompt");
            if (!text.contains("Add: 17+8+12+5")) throw new BglException("the chat template leaves the user's question out of the prompt");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (ms > PROBE_MILLIS)
            throw new BglException("the chat template is too slow: " + ms + " ms to render a 4-message conversation three times (limit " + PROBE_MILLIS + " ms)");
    }

    /** Token ids of a rendered prompt; BOS is added when the model wants it and the template did not write it. */
    public int[] encodePrompt(String rendered) {
        int[] ids = tokenizer.encode(rendered, true);
        if (tokenizer.addBos() && tokenizer.bosId() >= 0 && (ids.length == 0 || ids[0] != tokenizer.bosId())) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = tokenizer.bosId();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
        }
        return ids;
    }

    public String name() {
        Path p = source.path().getFileName();
        return p == null ? source.path().toString() : p.toString();
    }

    @Override
    public void close() {
        source.close();
    }
}
