package dev.bgl.budget;

import dev.bgl.api.PhaseSplitter;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.Fixtures;
import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.chat.ChatMessage;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.decode.GenerateRequest;
import dev.bgl.decode.GenerateResult;
import dev.bgl.decode.Generator;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Step;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.decode.ThinkingFormat.Phase;
import dev.bgl.decode.ThinkingState;
import dev.bgl.decode.TokenListener;
import dev.bgl.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Harmony's markers as gpt-oss's vocabulary spells them, several tokens each, the close starting with the control
 * token {@code <|end|>} ({@link HarmonyVocab}): the loop opens the thinking on the open marker's last token, closes it
 * on {@code <|end|>} and writes the rest of the close marker after it; every method keeps its budget, the accounting
 * and the stream put the marker in neither the thinking nor the answer.
 */
class HarmonyMarkersTest {
    @TempDir
    static Path dir;
    /** The template ends in the analysis channel's header (the prompt opens the thinking); the other leaves it to the model. */
    static LoadedModel opening, plain;
    static Tokenizer tok;
    static int[] open, close;

    @BeforeAll
    static void makeModels() throws Exception {
        opening = LoadedModel.open(HarmonyVocab.write(dir.resolve("harmony-opening.gguf"), true));
        plain = LoadedModel.open(HarmonyVocab.write(dir.resolve("harmony.gguf"), false));
        tok = opening.tokenizer();
        open = opening.thinkOpenTokens();
        close = opening.thinkCloseTokens();
    }

    @AfterAll
    static void closeModels() {
        opening.close();
        plain.close();
    }

    @Test
    void theModelIsSeenAsHarmonyWithMarkersOfSeveralTokens() {
        assertEquals(ThinkingMarkers.HARMONY, opening.markers());
        assertTrue(opening.isThinkingModel());
        assertArrayEquals(tok.encode("<|channel|>analysis<|message|>", true), open);
        assertArrayEquals(tok.encode("<|end|><|start|>assistant<|channel|>final<|message|>", true), close);
        assertTrue(open.length > 1 && close.length > 1, "several tokens each: " + open.length + ", " + close.length);
        assertEquals(tok.tokenId("<|end|>").getAsInt(), opening.thinkCloseId(), "the thinking closes on <|end|>");
        assertEquals(-1, opening.thinkOpenId(), "no one-token open marker");
        // <|end|> ends a message, not the turn: <|return|> does (as llama.cpp decides for gpt-oss's vocabulary)
        assertFalse(tok.isEndOfGeneration(tok.tokenId("<|end|>").getAsInt()));
        assertTrue(tok.isEndOfGeneration(tok.tokenId("<|return|>").getAsInt()));
        assertTrue(tok.isEndOfGeneration(tok.tokenId("<|call|>").getAsInt()));
    }

    @Test
    void theStateOpensOnTheWholeOpenMarkerAndClosesOnItsClosingToken() {
        ThinkingFormat f = opening.thinkingFormat(Phase.BEFORE);
        int[] before = tok.encode("x<|channel|>analysis<|message|>", true), thought = tok.encode("ab\ncd", true);
        int[] seq = tok.encode("x<|channel|>analysis<|message|>ab\ncd<|end|><|start|>assistant<|channel|>final<|message|>42", true);
        ThinkingState s = new ThinkingState(f);
        for (int i = 0; i < seq.length; i++) {
            s.accept(seq[i]);
            if (i == before.length - 2) assertEquals(Phase.BEFORE, s.phase(), "the open marker is not whole yet");
            if (i == before.length - 1) assertEquals(Phase.THINKING, s.phase());
            if (i > before.length + thought.length && i < before.length + thought.length + close.length)
                assertTrue(s.closingTailPending() || i == before.length + thought.length + close.length - 1, "inside the marker at " + i);
        }
        assertEquals(Phase.ANSWER, s.phase());
        assertEquals(before.length, s.from());
        assertEquals(thought.length, s.spent(), "only the thought is thinking");
        assertEquals(before.length + thought.length, s.close());
        assertEquals(before.length + thought.length + close.length, s.answerFrom());
        assertEquals(seq.length - tok.encode("42", true).length, s.answerFrom());

        // another channel does not open the thinking
        ThinkingState other = new ThinkingState(f);
        for (int id : tok.encode("<|channel|>final<|message|>42<|channel|>analysis", true)) other.accept(id);
        assertEquals(Phase.BEFORE, other.phase());

        // a prompt ending in the analysis header leaves the model thinking; one where an earlier analysis was closed does not
        assertEquals(Phase.THINKING, f.promptPhase(tok.encode("<|start|>user<|message|>hi<|end|><|start|>assistant<|channel|>analysis<|message|>", true)));
        assertEquals(Phase.BEFORE, f.promptPhase(tok.encode("<|start|>assistant<|channel|>analysis<|message|>t<|end|><|start|>user<|message|>hi<|end|><|start|>assistant", true)));
    }

    /** Forces {@code <|end|>} as the model's own choice at one step: all other logits −∞. */
    private static LogitsProcessor chooseEndAt(int step) {
        int end = close[0];
        return new LogitsProcessor() {
            public void apply(Step s, float[] logits) {
                if (s.generated() != step) return;
                Arrays.fill(logits, Float.NEGATIVE_INFINITY);
                logits[end] = 0;
            }
        };
    }

    private static int[] prompt(LoadedModel m) {
        return m.encodePrompt(m.renderPrompt(List.of(ChatMessage.user("hi")), null));
    }

    @Test
    void aCloseTheModelChoosesGetsTheRestOfItsMarkerWrittenOnce() {
        int[] prompt = prompt(opening);
        ThinkingFormat f = opening.thinkingFormat(Phase.BEFORE);
        assertEquals(Phase.THINKING, f.promptPhase(prompt));
        GenerateResult r = new Generator(opening.newSession(256), tok).generate(
                GenerateRequest.of(prompt, 30, SamplerConfig.GREEDY).withProcessors(List.of(chooseEndAt(3)))
                        .withThinking(f.startingIn(Phase.THINKING)), TokenListener.NONE);
        int[] t = r.tokens();
        assertEquals(3, r.thinkingTokens());
        assertEquals(3, r.thinkingClose());
        assertArrayEquals(close, Arrays.copyOfRange(t, 3, 3 + close.length), "the whole close marker follows the model's <|end|>");
        assertEquals(close.length - 1, r.forcedTokens(), "the marker's rest is written for the model");
        assertEquals(3 + close.length, r.answerFrom());
        assertTrue(t.length > 3 + close.length, "the answer is decoded after it");
    }

    @Test
    void aHardCutWritesTheWholeMarkerOnceAndTheAccountLeavesItOut() {
        BudgetRunner runner = new BudgetRunner(opening);
        int budget = 6;
        StringBuilder reasoning = new StringBuilder(), content = new StringBuilder();
        Plan plan = runner.plan(BudgetRequest.of("hi", new Method.Hard(), budget, 40));
        PhaseSplitter split = new PhaseSplitter(tok, plan.promptPhase(), close.length - 1, new PhaseSplitter.Sink() {
            public void reasoning(String text) {
                reasoning.append(text);
            }

            public void content(String text) {
                content.append(text);
            }
        });
        BudgetOutcome o = runner.runMetered(plan, split).outcome();
        split.finish();
        int[] t = o.result().tokens();
        assertTrue(o.thinkingClosed());
        assertEquals(budget, o.thinkingTokens());
        assertTrue(o.withinBudget());
        int at = o.result().thinkingClose();
        assertArrayEquals(close, Arrays.copyOfRange(t, at, at + close.length));
        assertEquals(1, Arrays.stream(t).filter(id -> id == close[0]).count(), "one <|end|>: the loop did not write the marker's rest again");
        assertEquals(at + close.length, o.result().answerFrom());
        assertEquals(t.length - (at + close.length), o.answerTokens(), "the marker is not answer");
        assertFalse(o.answerPhase().markerAfterClose());
        assertFalse(o.answer().contains("final") && o.answer().startsWith("<|start|>"), o.answer());
        assertEquals(tok.decode(Arrays.copyOfRange(t, 0, at)).strip(), o.thinking().strip());
        // the stream splits as the account does
        assertEquals(o.thinking().strip(), reasoning.toString().strip());
        assertEquals(o.answer(), content.toString());
    }

    @Test
    void everyMethodKeepsItsBudgetOrSaysItDidNot() {
        for (LoadedModel m : List.of(opening, plain)) {
            BudgetRunner runner = new BudgetRunner(m);
            for (Method method : Method.ALL) {
                if (method instanceof Method.Guided) continue;
                BudgetOutcome o = runner.run(BudgetRequest.of("hi", method, 8, 60), TokenListener.NONE);
                String what = m.name() + " " + method.name() + ": " + o.thinkingTokens() + " thinking, answer " + o.answer();
                assertFalse(o.answerPhase().markerAfterClose(), what);
                if (method instanceof Method.Hard) assertTrue(o.thinkingTokens() <= 8, what);
                if (method instanceof Method.NoThink) assertEquals(0, o.thinkingTokens(), what);
                if (m == plain) assertEquals(-1, o.result().thinkingFrom(), "the random model never opens the analysis itself: " + what);
            }
            BudgetOutcome none = runner.run(BudgetRequest.of("hi", new Method.Hard(), 0, 40), TokenListener.NONE);
            assertEquals(0, none.thinkingTokens(), "a budget of 0 is no thinking");
        }
    }

    @Test
    void guidanceClosesOnTheClosingToken() {
        int vocab = opening.transformer().config().vocabSize(), end = opening.thinkCloseId();
        double[] a = new double[vocab], l = new double[vocab];
        Arrays.fill(a, 40);
        Arrays.fill(l, 10);
        a[end] = 20;
        l[end] = 20;
        BudgetPredictor p = new BudgetPredictor(Fixtures.fixedHeads(PredictorConfig.bert(64, 16, 1, 2, vocab), 4, a, l), 2, vocab);
        int budget = 20;
        BudgetOutcome o = new BudgetRunner(opening, p, GuidanceOptions.DEFAULT.withEveryToken(true))
                .run(BudgetRequest.of("hi", new Method.Guided(), budget, 80), TokenListener.NONE);
        assertTrue(o.thinkingClosed(), o.thinking());
        assertTrue(o.thinkingTokens() <= budget, o.thinkingTokens() + " of " + budget);
        assertTrue(o.result().thinkingFrom() >= 0 && o.result().thinkingFrom() <= o.result().thinkingClose());
        int at = o.result().thinkingClose();
        assertArrayEquals(close, Arrays.copyOfRange(o.result().tokens(), at, at + close.length));
    }
}
