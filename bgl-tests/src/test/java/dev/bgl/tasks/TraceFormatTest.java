package dev.bgl.tasks;

import dev.bgl.train.TrainingData;

import dev.bgl.chat.ChatMessage;
import dev.bgl.chat.ChatTemplate;
import dev.bgl.chat.RenderOptions;
import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.tokenizer.Tokenizer;
import dev.bgl.train.Example;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The chat text, its tokenisation and loss mask, and answer extraction. */
class TraceFormatTest {
    static final Tokenizer TOK = TaskFamiliesTest.TOK;

    @Test
    void promptIsWhatTheVocabularysChatTemplateRenders() {
        ChatTemplate t = ChatTemplate.parse(ByteLevelVocab.CHAT_TEMPLATE);
        for (Problem p : Curriculum.defaults().sample(3, 20)) {
            String rendered = t.render(List.of(ChatMessage.user(p.question())), RenderOptions.DEFAULT);
            assertEquals(rendered, TraceFormat.prompt(p));
            assertEquals("<|im_start|>user\n" + p.question() + "<|im_end|>\n<|im_start|>assistant\n", rendered);
        }
    }

    @Test
    void completionHasTheQwen3Layout() {
        Problem p = new SumTask().generate(new java.util.SplittableRandom(5), 3);
        Solution s = p.solution(Style.DETAILED);
        assertEquals("<think>\n" + s.thinking() + "\n</think>\n\nAnswer: " + p.answer() + "<|im_end|>", TraceFormat.completion(p, s));
    }

    @Test
    void everyTraceRoundTripsThroughTheTokenizer() {
        for (Problem p : TaskFamiliesTest.allProblems())
            for (Solution s : p.solutions()) {
                String text = TraceFormat.text(p, s);
                assertEquals(text, TOK.decode(TOK.encode(text, true)));
            }
    }

    @Test
    void exampleMasksExactlyTheCompletion() {
        int imStart = TOK.tokenId("<|im_start|>").orElseThrow(), imEnd = TOK.tokenId("<|im_end|>").orElseThrow();
        int think = TOK.tokenId("<think>").orElseThrow(), thinkEnd = TOK.tokenId("</think>").orElseThrow();
        for (Problem p : Curriculum.defaults().sample(9, 200))
            for (Solution s : p.solutions()) {
                Example e = TrainingData.encode(TOK, p, s);
                assertArrayEquals(TOK.encode(TraceFormat.text(p, s), true), e.tokens(), "encoding apart = encoding whole");
                int first = 0;
                while (!e.lossMask()[first]) first++;
                for (int i = first; i < e.length(); i++) assertTrue(e.lossMask()[i], "mask has a hole at " + i);
                int[] prompt = Arrays.copyOf(e.tokens(), first);
                assertEquals(TraceFormat.prompt(p), TOK.decode(prompt));
                int lastStart = prompt.length - 1;
                while (prompt[lastStart] != imStart) lastStart--;
                assertEquals("<|im_start|>assistant\n", TOK.decode(Arrays.copyOfRange(prompt, lastStart, prompt.length)));
                assertEquals(think, e.tokens()[first]);
                assertEquals(imEnd, e.tokens()[e.length() - 1]);
                assertEquals(1, Arrays.stream(e.tokens()).filter(t -> t == thinkEnd).count());
                assertEquals(TraceFormat.completion(p, s), TOK.decode(Arrays.copyOfRange(e.tokens(), first, e.length())));
            }
    }

    @Test
    void extractAnswerTakesTheLastAnswerAfterThinking() {
        assertEquals(Optional.of("42"), TraceFormat.extractAnswer("<think>\n1+41=42\n</think>\n\nAnswer: 42<|im_end|>"));
        assertEquals(Optional.of("42"), TraceFormat.extractAnswer("<think>\nAnswer: 7\n</think>\n\nAnswer: 42"));
        assertEquals(Optional.of("42"), TraceFormat.extractAnswer("</think>Answer: 41\nAnswer:   42  \nmore text"));
        assertEquals(Optional.of("-3"), TraceFormat.extractAnswer("x</think>\n\nAnswer: -3<|endoftext|>"));
        // full text with the prompt in front works as well: the prompt has no </think>
        Problem p = new MulTask().generate(new java.util.SplittableRandom(1), 4);
        Solution s = p.solution(Style.COMPACT);
        assertEquals(Optional.of(p.answer()), TraceFormat.extractAnswer(TraceFormat.text(p, s)));
        assertTrue(TraceFormat.correct(p, TraceFormat.completion(p, s)));
    }

    @Test
    void extractAnswerRejectsMalformedOutput() {
        assertEquals(Optional.empty(), TraceFormat.extractAnswer("<think>\n1+41=42\nAnswer: 42"), "thinking never closed");
        assertEquals(Optional.empty(), TraceFormat.extractAnswer("<think>\nAnswer: 42\n</think>\n\n42<|im_end|>"), "Answer only inside thinking");
        assertEquals(Optional.empty(), TraceFormat.extractAnswer("<think>\n</think>\n\nAnswer:<|im_end|>"), "empty value");
        assertEquals(Optional.empty(), TraceFormat.extractAnswer("<think>\n</think>\n\nAnswer:   \n"), "blank value");
        assertEquals(Optional.empty(), TraceFormat.extractAnswer(""));
        assertEquals(Optional.empty(), TraceFormat.extractAnswer(null));
        Problem p = new SumTask().generate(new java.util.SplittableRandom(2), 2);
        long wrong = Long.parseLong(p.answer()) + 1;
        assertFalse(TraceFormat.correct(p, "<think>\nx\n</think>\n\nAnswer: " + wrong + "<|im_end|>"));
        assertFalse(TraceFormat.correct(p, "<think>\nx\n\nAnswer: " + p.answer()));
        assertFalse(TraceFormat.correct(p, "<think>\nx\n</think>\n\nAnswer: " + p.answer() + "0"));
    }

    @Test
    void arithmeticCheckerCatchesWrongLines() {
        assertEquals(List.of(), Arith.wrongClauses("22+18=22+10+8=32+8=40"));
        assertEquals(List.of("22+18=22+10+8=32+8=41"), Arith.wrongClauses("22+18=22+10+8=32+8=41"));
        assertEquals(List.of("20+2=23"), Arith.wrongClauses("4*5=20, 20+2=23, carry 2 >355"));
        assertEquals(List.of(), Arith.wrongClauses("x+6+1=90/5=18"));
        assertEquals(List.of("x+6+1=90/4=18"), Arith.wrongClauses("x+6+1=90/4=18"), "inexact division");
        assertEquals(List.of("u yes 1+1=3"), Arith.wrongClauses("u yes 1+1=3"));
        assertEquals(Long.valueOf(22), Arith.eval("3*(x+4)-5", 5));
    }
}
