package dev.bgl.tokenizer;

import dev.bgl.chat.ChatMessage;
import dev.bgl.chat.ChatTemplate;
import dev.bgl.chat.RenderOptions;
import dev.bgl.chat.ThinkingMarkers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * gpt-oss's vocabulary as {@code make-model --arch gpt-oss} writes it from o200k_base ({@link HarmonyVocabulary}):
 * harmony prompts its template renders, and the texts of a reply, tokenize in bgl exactly as llama.cpp tokenizes them
 * from the same GGUF, the control tokens one token each, so harmony's thinking markers are the 3 and 6 tokens of a
 * real gpt-oss file.
 */
class HarmonyVocabularyConformanceTest {
    @TempDir
    Path dir;

    @Test
    void harmonyPromptsAndRepliesTokenizeAsInLlamaCpp() throws Exception {
        TokenizerSpec base = Tokenizer.specFromTokenizerJson(LlamaCppReference.gpt4oTokenizerJson());
        assertTrue(HarmonyVocabulary.isO200kBase(base));
        TokenizerSpec spec = HarmonyVocabulary.of(base);
        assertFalse(HarmonyVocabulary.isO200kBase(spec), "made once");
        assertEquals(HarmonyVocabulary.SIZE, spec.vocabSize());
        Path gguf = dir.resolve("o200k-harmony.gguf");
        LlamaCppReference.writeVocabGguf(spec, "qwen3", gguf);
        Tokenizer t = Tokenizer.of(spec);

        ChatTemplate template = ChatTemplate.parse(spec.chatTemplate());
        List<String> texts = new ArrayList<>();
        texts.add(template.render(List.of(ChatMessage.user("What is 17 * 24?")), RenderOptions.DEFAULT));
        texts.add(template.render(List.of(ChatMessage.system("Answer in one word."), ChatMessage.user("Capital of France?"),
                new ChatMessage("assistant", "Paris", "The user wants the capital. It is Paris."), ChatMessage.user("And of Italy?")),
                RenderOptions.DEFAULT.withReasoningEffort("high")));
        texts.add(ThinkingMarkers.HARMONY.open() + "We need 17*24 = 408." + ThinkingMarkers.HARMONY.close() + "408<|return|>");
        texts.add(ThinkingMarkers.HARMONY.cutText());
        texts.add(ThinkingMarkers.HARMONY.emptyThinking());

        assertTrue(texts.get(0).endsWith("<|start|>assistant") && texts.get(0).contains("Reasoning: medium"), texts.get(0));
        assertTrue(texts.get(1).contains("Reasoning: high") && texts.get(1).contains("<|channel|>analysis<|message|>The user wants")
                && texts.get(1).contains("<|start|>developer<|message|># Instructions"), texts.get(1));

        LlamaCppReference.Result reference = LlamaCppReference.tokenize(texts, gguf).getFirst();
        for (int i = 0; i < texts.size(); i++)
            assertArrayEquals(reference.tokens().get(i), t.encode(texts.get(i), true), "text " + i + ": " + texts.get(i));
        assertEquals(3, t.encode(ThinkingMarkers.HARMONY.open(), true).length);
        assertEquals(6, t.encode(ThinkingMarkers.HARMONY.close(), true).length);
        assertTrue(t.isEndOfGeneration(200002) && !t.isEndOfGeneration(200007), "<|return|> ends the turn, <|end|> a message");
    }
}
