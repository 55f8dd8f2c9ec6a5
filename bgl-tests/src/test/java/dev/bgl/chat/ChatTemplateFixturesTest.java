package dev.bgl.chat;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The expected renderings given in shared/chat-templates/README.md, for the real Qwen3 and DeepSeek-R1-distill templates. */
class ChatTemplateFixturesTest {
    private static final List<ChatMessage> CONVERSATION = List.of(
        ChatMessage.user("What is 2+2?"),
        ChatMessage.assistant("<think>\nadd\n</think>\n\n4"),
        ChatMessage.user("And 3+3?"));

    private static final String QWEN3_THINKING =
        "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n";

    static String load(String name) throws IOException {
        return Files.readString(TestPaths.shared("chat-templates").resolve(name));
    }

    @Test
    void qwen3WithThinking() throws IOException {
        ChatTemplate t = ChatTemplate.parse(load("qwen3.jinja"));
        assertEquals(QWEN3_THINKING, t.render(CONVERSATION, RenderOptions.DEFAULT.withThinking(true)));
    }

    @Test
    void qwen3WithoutThinking() throws IOException {
        ChatTemplate t = ChatTemplate.parse(load("qwen3.jinja"));
        assertEquals(QWEN3_THINKING + "<think>\n\n</think>\n\n", t.render(CONVERSATION, RenderOptions.DEFAULT.withThinking(false)));
    }

    @Test
    void deepSeekR1Distill() throws IOException {
        ChatTemplate t = ChatTemplate.parse(load("deepseek-r1-distill-qwen.jinja"));
        String bos = "<｜begin▁of▁sentence｜>";
        assertEquals(bos + "<｜User｜>What is 2+2?<｜Assistant｜>\n\n4<｜end▁of▁sentence｜><｜User｜>And 3+3?<｜Assistant｜><think>\n",
            t.render(CONVERSATION, RenderOptions.DEFAULT.withTokens(bos, "<｜end▁of▁sentence｜>")));
    }

    @Test
    void thinkingDetectionOnRealTemplates() throws IOException {
        ThinkingMarkers m = ThinkingMarkers.THINK;
        ChatTemplate qwen = ChatTemplate.parse(load("qwen3.jinja"));
        ChatTemplate r1 = ChatTemplate.parse(load("deepseek-r1-distill-qwen.jinja"));

        String r1Prompt = r1.generationPrompt(CONVERSATION, RenderOptions.DEFAULT);
        assertEquals("<｜Assistant｜><think>\n", r1Prompt);
        ThinkingMarkers.Detection d = m.detect(r1.source(), r1Prompt);
        assertTrue(d.thinkingModel());
        assertTrue(d.promptOpensThinking());
        assertFalse(d.promptClosesThinking());

        String qwenOn = qwen.generationPrompt(CONVERSATION, RenderOptions.DEFAULT.withThinking(true));
        assertEquals("<|im_start|>assistant\n", qwenOn);
        d = m.detect(qwen.source(), qwenOn);
        assertTrue(d.thinkingModel());
        assertFalse(d.promptOpensThinking());
        assertFalse(d.promptClosesThinking());

        String qwenOff = qwen.generationPrompt(CONVERSATION, RenderOptions.DEFAULT.withThinking(false));
        assertEquals("<|im_start|>assistant\n<think>\n\n</think>\n\n", qwenOff);
        d = m.detect(qwen.source(), qwenOff);
        assertFalse(d.promptOpensThinking());
        assertTrue(d.promptClosesThinking());

        ChatTemplate chatMl = ChatTemplate.chatMl();
        d = m.detect(chatMl.source(), chatMl.generationPrompt(CONVERSATION, RenderOptions.DEFAULT));
        assertFalse(d.thinkingModel());
        assertFalse(d.promptOpensThinking());
    }

    @Test
    void chatMlFallback() {
        ChatTemplate t = ChatTemplate.orChatMl(null);
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            t.render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")), RenderOptions.DEFAULT));
    }
}
