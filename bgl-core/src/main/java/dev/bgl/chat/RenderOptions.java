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

    /** The efforts gpt-oss's harmony template knows ({@code reasoning_effort}, "Reasoning: …" in its system message). */
    public static final java.util.List<String> REASONING_EFFORTS = java.util.List.of("low", "medium", "high");

    /**
     * These options with {@code reasoning_effort} set for a harmony (gpt-oss) template, which writes it into the
     * system message; null leaves it undefined (the template's own default, medium). Another value is one error
     * naming it.
     */
    public RenderOptions withReasoningEffort(String effort) {
        Map<String, Object> vars = new java.util.HashMap<>(extraVariables);
        if (effort == null) vars.remove("reasoning_effort");
        else {
            String e = effort.strip().toLowerCase(java.util.Locale.ROOT);
            if (!REASONING_EFFORTS.contains(e))
                throw new dev.bgl.util.BglException("reasoning effort '" + effort + "' is not one of " + String.join(", ", REASONING_EFFORTS));
            vars.put("reasoning_effort", e);
        }
        return new RenderOptions(addGenerationPrompt, enableThinking, bosToken, eosToken, vars);
    }
}
