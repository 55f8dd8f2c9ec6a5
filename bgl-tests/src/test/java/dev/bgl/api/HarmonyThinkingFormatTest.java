package dev.bgl.api;

import dev.bgl.budget.Budget;
import dev.bgl.budget.Method;
import dev.bgl.chat.BracketThinkingModel;
import dev.bgl.chat.ChatMessage;
import dev.bgl.chat.ChatTemplate;
import dev.bgl.chat.RenderOptions;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.util.BglException;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The harmony thinking format (gpt-oss: thinking in the analysis channel, the answer in the final one) running, on
 * the shipped model rewritten so that harmony's two markers are single tokens of its vocabulary and its template
 * (the {@code <think>} run with the markers swapped): the format is chosen from the file alone, a budget's cut
 * writes the end of the analysis message and the final channel's header, and neither part of the answer shows a
 * marker. And the harmony template's {@code reasoning_effort} in the rendered system message.
 */
class HarmonyThinkingFormatTest {
    @TempDir
    static Path dir;

    static final String Q = "Add: 17+8+12+5";

    @Test
    void aHarmonyModelThinksInAnalysisAndAnswersInFinal() throws Exception {
        Path harmony = BracketThinkingModel.rewrite(RepoFiles.shippedModel(), dir.resolve("bgl-reasoner-harmony.gguf"),
                ThinkingMarkers.THINK, ThinkingMarkers.HARMONY);
        BglOptions o = BglOptions.DEFAULT.withoutPredictor();
        try (BglModel think = Bgl.load(RepoFiles.shippedModel(), o); BglModel given = Bgl.load(harmony, o)) {
            AskOptions hard = AskOptions.DEFAULT.withMethod(new Method.Hard());
            Answer a = think.ask(List.of(ChatMessage.user(Q)), Budget.tokens(8), hard);
            Answer b = given.ask(List.of(ChatMessage.user(Q)), Budget.tokens(8), hard);
            System.err.println("think: " + a + "\nharmony: " + b);
            assertTrue(b.intervened() && b.thinkingClosed(), b.toString());
            // the same weights and token ids: the same 8 tokens of thinking, cut alike
            assertEquals(a.thinking(), b.thinking());
            assertEquals(a.thinkingTokens(), b.thinkingTokens());
            for (String part : List.of(b.thinking(), b.text()))
                assertFalse(part.contains("<|channel|>") || part.contains("<|message|>") || part.contains("<|end|>"), "a marker in " + b);
            assertFalse(b.text().isBlank(), "an answer after the cut: " + b);
        }
    }

    /** The part of gpt-oss's template that takes the effort (its system message), as harmony writes it. */
    static final String TEMPLATE = """
            {%- if reasoning_effort is not defined %}{%- set reasoning_effort = "medium" %}{%- endif -%}
            <|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.
            Reasoning: {{ reasoning_effort }}

            # Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>
            {%- for m in messages -%}<|start|>{{ m.role }}<|message|>{{ m.content }}<|end|>{%- endfor -%}
            {%- if add_generation_prompt -%}<|start|>assistant{%- endif -%}""";

    @Test
    void theReasoningEffortIsInTheSystemMessage() {
        ChatTemplate t = ChatTemplate.parse(TEMPLATE);
        List<ChatMessage> m = List.of(ChatMessage.user("hi"));
        assertTrue(t.render(m, RenderOptions.DEFAULT).contains("Reasoning: medium\n"), "the template's own default");
        for (String e : RenderOptions.REASONING_EFFORTS) {
            String s = t.render(m, RenderOptions.DEFAULT.withReasoningEffort(e.toUpperCase()));
            assertTrue(s.contains("Reasoning: " + e + "\n") && s.endsWith("<|start|>user<|message|>hi<|end|><|start|>assistant"), s);
        }
        assertTrue(t.render(m, RenderOptions.DEFAULT.withReasoningEffort("high").withReasoningEffort(null)).contains("Reasoning: medium"));
        BglException e = assertThrows(BglException.class, () -> RenderOptions.DEFAULT.withReasoningEffort("extreme"));
        assertTrue(e.getMessage().contains("'extreme'") && e.getMessage().contains("low, medium, high"), e.getMessage());
    }

    @Test
    void harmonyIsChosenFromAHarmonyTemplateAndVocabulary() {
        // the markers as single tokens and a template that writes them: harmony, though <think> tokens exist too
        var all = List.of("<think>", "</think>", ThinkingMarkers.HARMONY.open(), ThinkingMarkers.HARMONY.close());
        assertEquals(ThinkingMarkers.HARMONY, ThinkingMarkers.choose(TEMPLATE + ThinkingMarkers.HARMONY.close(), all::contains));
        assertEquals(ThinkingMarkers.THINK, ThinkingMarkers.choose(TEMPLATE + "<think>", all::contains));
    }
}
