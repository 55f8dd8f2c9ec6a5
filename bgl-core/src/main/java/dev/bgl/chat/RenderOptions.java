package dev.bgl.chat;

import java.util.Map;

/**
 * What a chat template is rendered with besides the messages.
 *
 * @param addGenerationPrompt end with the opening of an assistant turn (the prompt for generation)
 * @param enableThinking      Qwen3-style thinking switch; null leaves {@code enable_thinking} undefined
 * @param bosToken            {@code bos_token}; null renders as ""
 * @param eosToken            {@code eos_token}; null renders as ""
 * @param extraVariables      further variables (plain data), e.g. {@code tools}; they override the above
 */
public record RenderOptions(boolean addGenerationPrompt, Boolean enableThinking, String bosToken, String eosToken,
                            Map<String, Object> extraVariables) {
    public static final RenderOptions DEFAULT = new RenderOptions(true, null, null, null, Map.of());

    public RenderOptions {
        extraVariables = extraVariables == null ? Map.of() : Map.copyOf(extraVariables);
    }

    public RenderOptions withGenerationPrompt(boolean add) {
        return new RenderOptions(add, enableThinking, bosToken, eosToken, extraVariables);
    }

    public RenderOptions withThinking(Boolean enable) {
        return new RenderOptions(addGenerationPrompt, enable, bosToken, eosToken, extraVariables);
    }

    public RenderOptions withTokens(String bos, String eos) {
        return new RenderOptions(addGenerationPrompt, enableThinking, bos, eos, extraVariables);
    }
}
