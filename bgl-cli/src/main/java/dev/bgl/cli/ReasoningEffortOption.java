package dev.bgl.cli;

import dev.bgl.chat.RenderOptions;
import dev.bgl.decode.LoadedModel;
import dev.bgl.util.BglException;
import picocli.CommandLine.Option;

/** {@code --reasoning-effort}: gpt-oss's low/medium/high, for the commands that render a chat prompt. */
final class ReasoningEffortOption {
    @Option(names = "--reasoning-effort", paramLabel = "low|medium|high",
            description = "reasoning_effort for the chat template: gpt-oss's harmony template writes it into the system message "
                    + "(default: the template's own, medium). A template that does not use it (Qwen3's, the default model's) ignores it")
    String effort;

    /** Checks the value early (before a model loads): one line naming the option and the value. */
    void validate() {
        if (effort == null) return;
        try {
            RenderOptions.DEFAULT.withReasoningEffort(effort);
        } catch (BglException e) {
            throw new BglException("--reasoning-effort: " + e.getMessage());
        }
    }

    /**
     * The model rendering its prompts with the effort given (the same model when none was); a note on stderr when its
     * template does not read the variable, so that an effort that changes nothing does not pass unnoticed.
     */
    LoadedModel apply(LoadedModel m) {
        validate();
        if (effort == null) return m;
        if (!m.templateUsesReasoningEffort())
            System.err.println("bgl: note: the chat template of " + m.name() + " does not use reasoning_effort; --reasoning-effort " + effort.strip() + " changes nothing");
        return m.withReasoningEffort(effort);
    }
}
