package dev.bgl.budget;

import dev.bgl.chat.ChatMessage;
import dev.bgl.chat.ChatTemplate;
import dev.bgl.chat.RenderOptions;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** The prompt-only baselines ({@code prompt}, {@code nothink}) and method names. */
class BudgetPromptsTest {
    static final List<ChatMessage> ASK = List.of(ChatMessage.system("Be brief."), ChatMessage.user("What is 2+2?"));

    static Function<Boolean, String> renderer(ChatTemplate t, List<ChatMessage> msgs) {
        return enable -> t.render(msgs, RenderOptions.DEFAULT.withThinking(enable).withTokens("<｜begin▁of▁sentence｜>", null));
    }

    @Test
    void promptMethodAppendsTheSentenceToTheLastUserMessageOnly() {
        List<ChatMessage> out = BudgetPrompts.withBudgetInstruction(ASK, 120);
        assertEquals(2, out.size());
        assertEquals(ASK.get(0), out.get(0));
        assertEquals(new ChatMessage("user", "What is 2+2?\n\nThink for up to 120 tokens."), out.get(1));
        assertEquals("Think for up to 0 tokens.", BudgetPrompts.withBudgetInstruction(List.of(ChatMessage.user("")), 0).get(0).content());
        var e = assertThrows(BglException.class,
                () -> BudgetPrompts.withBudgetInstruction(List.of(ChatMessage.user("hi"), ChatMessage.assistant("hello")), 5));
        assertTrue(e.getMessage().contains("last message must be the user's"), e.getMessage());
    }

    @Test
    void nothinkUsesQwen3sOwnSwitch() throws Exception {
        ChatTemplate qwen3 = ChatTemplate.parse(TestFiles.chatTemplate("qwen3.jinja"));
        String p = BudgetPrompts.noThinkPrompt(renderer(qwen3, ASK), ThinkingMarkers.THINK, "qwen3");
        // exactly what the template renders with enable_thinking=false, nothing appended
        assertEquals(qwen3.render(ASK, RenderOptions.DEFAULT.withThinking(false)), p);
        assertTrue(p.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), p);
    }

    @Test
    void nothinkAppendsTheEmptyBlockWhenTheTemplateHasNoSwitch() {
        ChatTemplate chatMl = ChatTemplate.chatMl();
        String plain = chatMl.render(ASK, RenderOptions.DEFAULT);
        assertFalse(plain.contains("<think>"), "ChatML knows nothing of thinking: " + plain);
        assertEquals(plain + "<think>\n\n</think>\n\n", BudgetPrompts.noThinkPrompt(renderer(chatMl, ASK), ThinkingMarkers.THINK, "chatml"));
    }

    @Test
    void nothinkClosesTheThinkingDeepSeekR1sPromptOpens() throws Exception {
        ChatTemplate r1 = ChatTemplate.parse(TestFiles.chatTemplate("deepseek-r1-distill-qwen.jinja"));
        String plain = r1.render(ASK, RenderOptions.DEFAULT.withTokens("<｜begin▁of▁sentence｜>", null));
        assertTrue(plain.endsWith("<｜Assistant｜><think>\n"), plain);
        String p = BudgetPrompts.noThinkPrompt(renderer(r1, ASK), ThinkingMarkers.THINK, "r1");
        assertEquals(plain + "\n</think>\n\n", p);
        assertTrue(p.endsWith("<｜Assistant｜><think>\n\n</think>\n\n"));
    }

    @Test
    void nothinkRefusesAPromptThatPrefillsThinkingText() {
        var e = assertThrows(BglException.class, () -> BudgetPrompts.noThinkPrompt(
                enable -> "<|im_start|>assistant\n<think>\nI already started", ThinkingMarkers.THINK, "odd.gguf"));
        assertTrue(e.getMessage().contains("odd.gguf") && e.getMessage().contains("empty thinking block"), e.getMessage());
    }

    @Test
    void emptyThinkingCheck() {
        assertTrue(BudgetPrompts.endsWithEmptyThinking("x<think>\n\n</think>\n\n", ThinkingMarkers.THINK));
        assertTrue(BudgetPrompts.endsWithEmptyThinking("x<think></think>", ThinkingMarkers.THINK));
        assertFalse(BudgetPrompts.endsWithEmptyThinking("x<think>a</think>\n\n", ThinkingMarkers.THINK));
        assertFalse(BudgetPrompts.endsWithEmptyThinking("x<think>\n\n</think>\n\nAnswer", ThinkingMarkers.THINK));
        assertFalse(BudgetPrompts.endsWithEmptyThinking("x<think>\n", ThinkingMarkers.THINK));
    }

    @Test
    void methodParseAcceptsTheNamesAndListsThemOnError() {
        for (String n : List.of("none", "hard", "qwen-stop", "s1", "prompt", "nothink", "guided"))
            assertEquals(n, Method.parse(n).name());
        assertInstanceOf(Method.QwenStop.class, Method.parse("  Qwen-Stop "));
        for (String bad : new String[]{"fast", "", null, "qwen_stop"}) {
            var e = assertThrows(BglException.class, () -> Method.parse(bad));
            assertTrue(e.getMessage().startsWith("unknown budget method '" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("none, hard, qwen-stop, s1, prompt, nothink, guided"), e.getMessage());
        }
        assertFalse(Method.parse("nothink").usesBudget());
        assertTrue(Method.parse("prompt").usesBudget());
    }
}
