package dev.bgl.chat;

import dev.bgl.chat.jinja.Template;
import dev.bgl.chat.jinja.TemplateLimits;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template ({@code tokenizer.chat_template} in GGUF, {@code chat_template} in
 * tokenizer_config.json), rendered the way Hugging Face transformers renders it, by our own sandboxed
 * Jinja engine ({@link Template}).
 */
public final class ChatTemplate {
    /**
     * ChatML, as Qwen models use: the template for models that carry none. Content null renders as "".
     */
    public static final String CHATML_SOURCE = """
        {%- for message in messages %}
        {{- '<|im_start|>' + message['role'] + '\\n' + (message['content'] or '') + '<|im_end|>\\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
        {{- '<|im_start|>assistant\\n' }}
        {%- endif %}
        """;

    private final String source;
    private final Template template;

    private ChatTemplate(String source, Template template) {
        this.source = source;
        this.template = template;
    }

    /** Parses a template; a syntax error is a {@link dev.bgl.chat.jinja.TemplateException} with line:column. */
    public static ChatTemplate parse(String source) {
        return parse(source, TemplateLimits.DEFAULT);
    }

    public static ChatTemplate parse(String source, TemplateLimits limits) {
        return new ChatTemplate(source, Template.parse(source, limits));
    }

    /** The ChatML fallback, for a model without a chat template. */
    public static ChatTemplate chatMl() {
        return parse(CHATML_SOURCE);
    }

    /** The template of a model, or ChatML when the model has none (null or blank). */
    public static ChatTemplate orChatMl(String sourceOrNull) {
        return sourceOrNull == null || sourceOrNull.isBlank() ? chatMl() : parse(sourceOrNull);
    }

    public String source() {
        return source;
    }

    public String render(List<ChatMessage> messages, RenderOptions opts) {
        return template.render(variables(messages, opts));
    }

    /**
     * The text the template appends for {@code add_generation_prompt=true} (e.g. {@code "<|im_start|>assistant\n"}),
     * found as llama.cpp does: the part of the rendering with the prompt that follows the common prefix
     * with the rendering without it.
     */
    public String generationPrompt(List<ChatMessage> messages, RenderOptions opts) {
        String with = render(messages, opts.withGenerationPrompt(true));
        String without = render(messages, opts.withGenerationPrompt(false));
        int i = 0;
        int n = Math.min(with.length(), without.length());
        while (i < n && with.charAt(i) == without.charAt(i)) i++;
        return with.substring(i);
    }

    /**
     * The variables a template sees, as transformers passes them: {@code messages}, {@code add_generation_prompt},
     * {@code bos_token}, {@code eos_token}, {@code tools} and {@code documents} (None), {@code enable_thinking}
     * when set, then the extra variables.
     */
    public static Map<String, Object> variables(List<ChatMessage> messages, RenderOptions opts) {
        List<Object> msgs = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) msgs.add(m.toTemplateValue());
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", msgs);
        vars.put("add_generation_prompt", opts.addGenerationPrompt());
        vars.put("bos_token", opts.bosToken() == null ? "" : opts.bosToken());
        vars.put("eos_token", opts.eosToken() == null ? "" : opts.eosToken());
        vars.put("tools", null);
        vars.put("documents", null);
        if (opts.enableThinking() != null) vars.put("enable_thinking", opts.enableThinking());
        vars.putAll(opts.extraVariables());
        return vars;
    }
}
