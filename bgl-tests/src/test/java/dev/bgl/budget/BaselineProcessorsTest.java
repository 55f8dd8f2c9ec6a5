package dev.bgl.budget;

import dev.bgl.decode.GenerateRequest;
import dev.bgl.decode.GenerateResult;
import dev.bgl.decode.Generator;
import dev.bgl.decode.LogitsProcessor;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Session;
import dev.bgl.decode.Step;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.decode.TokenListener;
import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.GgufModelSource;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.model.Transformer;
import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The insertion baselines through the real decode loop on a tiny random model whose choices are
 * scripted: a processor ahead of the one under test leaves only the script's next token, so the
 * "model" writes a known thinking and answer, and each test states the exact output expected.
 */
class BaselineProcessorsTest {
    @TempDir
    static Path dir;
    static Transformer model;
    static Tokenizer tok;
    static int open, close;

    static final String THINKING = "\n12+7=19\n19+30=49\nso the sum is 49, as 12+7+30=49 and nothing is left\n";
    static final String ANSWER = "Answer: 49<|im_end|>";
    static int[] promptBefore, promptOpened;

    @BeforeAll
    static void makeModel() throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path f = dir.resolve("m.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 1, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 512, 1e6f, 1e-6f, false, 9, "t"), vocab::writeTo, f);
        var src = GgufModelSource.open(f);
        model = new Transformer(src);
        tok = Tokenizer.fromGguf(src.file().meta());
        open = tok.tokenId("<think>").getAsInt();
        close = tok.tokenId("</think>").getAsInt();
        promptBefore = tok.encode("<|im_start|>user\nAdd: 12+7+30<|im_end|>\n<|im_start|>assistant\n", true);
        promptOpened = tok.encode("<|im_start|>user\nAdd: 12+7+30<|im_end|>\n<|im_start|>assistant\n<think>\n", true);
    }

    /** Makes the model write {@code script}, one token per sampled step (inserted tokens do not use it up). */
    static final class Script implements LogitsProcessor {
        final int[] ids;
        int next;

        Script(int[] ids) {
            this.ids = ids;
        }

        public void apply(Step s, float[] logits) {
            int want = next < ids.length ? ids[next] : tok.eosId();
            Arrays.fill(logits, Float.NEGATIVE_INFINITY);
            logits[want] = 0;
        }

        public void accept(Step s, int token, boolean forced, dev.bgl.decode.DecodeControl c) {
            if (!forced) next++;
        }
    }

    /** The tokens, how many were inserted, and the thinking state the decode loop ended with. */
    record Run(int[] tokens, int forced, int spent, ThinkingFormat.Phase phase) {
        String text() {
            return tok.decode(tokens);
        }
    }

    static Run run(int[] prompt, String script, LogitsProcessor p) {
        GenerateResult r = new Generator(new Session(model, 512, true), tok).generate(
                GenerateRequest.of(prompt, 400, SamplerConfig.GREEDY).withProcessors(List.of(new Script(tok.encode(script, true)), p))
                        .withThinking(new ThinkingFormat(open, close, prompt == promptOpened ? ThinkingFormat.Phase.THINKING : ThinkingFormat.Phase.BEFORE)),
                TokenListener.NONE);
        return new Run(r.tokens(), r.forcedTokens(), r.thinkingTokens(), r.thinkingClosed() ? ThinkingFormat.Phase.ANSWER : ThinkingFormat.Phase.THINKING);
    }

    static int[] ids(String s) {
        return tok.encode(s, true);
    }

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    /** The first {@code n} tokens of the scripted thinking. */
    static int[] thinking(int n) {
        int[] t = ids(THINKING);
        assertTrue(t.length > n + 5, "the scripted thinking must outlast the budget");
        return Arrays.copyOf(t, n);
    }

    /** Tokens strictly between the first <think> and the </think> after it, counted here without the decode loop's ThinkingState. */
    static int thinkingTokens(int[] t, boolean promptOpened) {
        int from = promptOpened ? 0 : IntStream.range(0, t.length).filter(i -> t[i] == open).findFirst().orElseThrow() + 1;
        int to = IntStream.range(from, t.length).filter(i -> t[i] == close).findFirst().orElseThrow();
        return to - from;
    }

    // ---- qwen-stop

    @Test
    void qwenStopInsertsTheEarlyStopMessageRightAfterTheBudgetToken() {
        int budget = 12;
        HardCutoff p = QwenEarlyStop.processor(budget);
        // the model would go on thinking; after the message it writes the answer
        Run r = run(promptBefore, "<think>" + tok.decode(thinking(budget)) + ANSWER, p);
        int[] msg = ids("Considering the limited time by the user, I have to give the solution based on the thinking directly now.\n</think>\n\n");
        assertArrayEquals(concat(new int[]{open}, thinking(budget), msg, ids(ANSWER)), r.tokens(), r.text());
        assertTrue(p.fired());
        assertEquals(msg.length, r.forced());
        // overshoot: the message up to </think> is inside the thinking
        int overshoot = ids("Considering the limited time by the user, I have to give the solution based on the thinking directly now.\n").length;
        assertEquals(budget + overshoot, thinkingTokens(r.tokens(), false));
        assertEquals(budget + overshoot, r.spent());
        assertEquals(ThinkingFormat.Phase.ANSWER, r.phase());
    }

    @Test
    void qwenStopLeavesAThinkingThatEndsWithinBudgetAlone() {
        HardCutoff p = QwenEarlyStop.processor(100);
        String script = "<think>\nshort\n</think>\n\n" + ANSWER;
        Run r = run(promptBefore, script, p);
        assertArrayEquals(ids(script), r.tokens());
        assertFalse(p.fired());
        assertEquals(0, r.forced());
    }

    // ---- budget 0: immediate close, whether the model or the prompt opens the thinking

    @Test
    void budgetZeroClosesAsSoonAsTheModelOpensTheThinking() {
        HardCutoff hard = new HardCutoff(0);
        Run r = run(promptBefore, "<think>" + THINKING + ANSWER, hard);
        assertArrayEquals(concat(new int[]{open}, ids(HardCutoff.DEFAULT_CLOSE), Arrays.copyOf(ids(THINKING + ANSWER), r.tokens().length - 1 - ids(HardCutoff.DEFAULT_CLOSE).length)),
                r.tokens(), "the model's next tokens follow the close: " + r.text());
        assertEquals(1, thinkingTokens(r.tokens(), false), "only the inserted newline");
    }

    @Test
    void budgetZeroClosesAPromptOpenedThinkingBeforeTheFirstToken() {
        HardCutoff hard = new HardCutoff(0);
        Run r = run(promptOpened, ANSWER, hard);
        assertArrayEquals(concat(ids(HardCutoff.DEFAULT_CLOSE), ids(ANSWER)), r.tokens(), r.text());

        HardCutoff qwen = QwenEarlyStop.processor(0);
        r = run(promptOpened, ANSWER, qwen);
        assertArrayEquals(concat(ids(QwenEarlyStop.MESSAGE), ids(ANSWER)), r.tokens(), r.text());

        S1BudgetForcing s1 = new S1BudgetForcing(0, 8, tok);
        r = run(promptOpened, "49\n\n" + ANSWER, s1);
        assertArrayEquals(concat(ids(S1BudgetForcing.FINAL_ANSWER), ids("49\n\n"), ids("\n</think>\n\n"), ids(ANSWER)), r.tokens(), r.text());
        assertEquals(ids(S1BudgetForcing.FINAL_ANSWER + "49\n\n\n").length, thinkingTokens(r.tokens(), true));
    }

    // ---- s1

    @Test
    void s1InsertsFinalAnswerAndClosesWhenTheLineEndsWithABlankLine() {
        int budget = 10;
        S1BudgetForcing p = new S1BudgetForcing(budget, 64, tok);
        String line = ": 49\n\n";
        Run r = run(promptBefore, "<think>" + tok.decode(thinking(budget)) + line + "more thinking that is never read\n" + ANSWER, p);
        int[] expectedStart = concat(new int[]{open}, thinking(budget), ids("**Final Answer**"), ids(line), ids("\n</think>\n\n"));
        assertArrayEquals(expectedStart, Arrays.copyOf(r.tokens(), expectedStart.length), r.text());
        assertTrue(p.fired());
        assertTrue(p.closedByUs());
        assertEquals(ids(line).length, p.lineTokens());
        assertEquals(ids("**Final Answer**").length + ids("\n</think>\n\n").length, r.forced());
        int inside = budget + ids("**Final Answer**").length + ids(line).length + ids("\n").length;
        assertEquals(inside, thinkingTokens(r.tokens(), false));
        assertEquals(inside, r.spent());
    }

    @Test
    void s1ClosesWhenTheModelWritesWait() {
        int budget = 10;
        S1BudgetForcing p = new S1BudgetForcing(budget, 64, tok);
        String line = " 49. Wait";
        Run r = run(promptBefore, "<think>" + tok.decode(thinking(budget)) + line + ", 12+7 is 19 again\n" + ANSWER, p);
        int[] expectedStart = concat(new int[]{open}, thinking(budget), ids("**Final Answer**"), ids(line), ids("\n</think>\n\n"));
        assertArrayEquals(expectedStart, Arrays.copyOf(r.tokens(), expectedStart.length), r.text());
        assertTrue(p.closedByUs());
    }

    @Test
    void s1CapsTheFinalAnswerLine() {
        int budget = 6, cap = 5;
        S1BudgetForcing p = new S1BudgetForcing(budget, cap, tok);
        String endless = " 49 because twelve and seven and thirty make forty-nine";
        Run r = run(promptBefore, "<think>" + tok.decode(thinking(budget)) + endless + ANSWER, p);
        int[] expectedStart = concat(new int[]{open}, thinking(budget), ids("**Final Answer**"), Arrays.copyOf(ids(endless), cap), ids("\n</think>\n\n"));
        assertArrayEquals(expectedStart, Arrays.copyOf(r.tokens(), expectedStart.length), r.text());
        assertEquals(cap, p.lineTokens());
        assertEquals(budget + ids("**Final Answer**").length + cap + 1, thinkingTokens(r.tokens(), false));
    }

    @Test
    void s1WithCapZeroClosesRightAfterFinalAnswer() {
        S1BudgetForcing p = new S1BudgetForcing(4, 0, tok);
        Run r = run(promptBefore, "<think>" + tok.decode(thinking(4)) + ANSWER, p);
        assertArrayEquals(concat(new int[]{open}, thinking(4), ids("**Final Answer**\n</think>\n\n"), ids(ANSWER)), r.tokens(), r.text());
    }

    @Test
    void s1InsertsNoCloseWhenTheModelClosesItself() {
        S1BudgetForcing p = new S1BudgetForcing(5, 64, tok);
        String rest = " 49\n</think>\n\n" + ANSWER;
        Run r = run(promptBefore, "<think>" + tok.decode(thinking(5)) + rest, p);
        assertArrayEquals(concat(new int[]{open}, thinking(5), ids("**Final Answer**"), ids(rest)), r.tokens(), r.text());
        assertTrue(p.fired());
        assertFalse(p.closedByUs());
        assertEquals(ids("**Final Answer**").length, r.forced());
    }

    @Test
    void s1LeavesAThinkingThatEndsWithinBudgetAlone() {
        S1BudgetForcing p = new S1BudgetForcing(50, 64, tok);
        String script = "<think>\n12+7+30=49\n</think>\n\n" + ANSWER;
        Run r = run(promptBefore, script, p);
        assertArrayEquals(ids(script), r.tokens());
        assertFalse(p.fired());
    }

    @Test
    void processorsRejectNegativeSettings() {
        assertThrows(IllegalArgumentException.class, () -> new S1BudgetForcing(-1, 64, tok));
        assertThrows(IllegalArgumentException.class, () -> new S1BudgetForcing(5, -1, tok));
        assertThrows(IllegalArgumentException.class, () -> QwenEarlyStop.processor(-1));
    }
}
