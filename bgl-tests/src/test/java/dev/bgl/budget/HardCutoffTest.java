package dev.bgl.budget;

import dev.bgl.decode.GenerateRequest;
import dev.bgl.decode.GenerateResult;
import dev.bgl.decode.Generator;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Session;
import dev.bgl.decode.Drive;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.decode.ThinkingState;
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
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class HardCutoffTest {
    @TempDir
    static Path dir;
    static Transformer model;
    static Tokenizer tok;
    static int open, close;

    @BeforeAll
    static void makeModel() throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path f = dir.resolve("m.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 1, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 256, 1e6f, 1e-6f, false, 9, "t"), vocab::writeTo, f);
        var src = GgufModelSource.open(f);
        model = new Transformer(src);
        tok = Tokenizer.fromGguf(src.file().meta());
        open = tok.tokenId("<think>").getAsInt();
        close = tok.tokenId("</think>").getAsInt();
    }

    @Test
    void trackerCountsOnlyTokensBetweenTheMarkers() {
        ThinkingState t = new ThinkingState(new ThinkingFormat(open, close, ThinkingFormat.Phase.BEFORE));
        int[] seq = tok.encode("x<think>\nab</think>\n\nanswer", true);
        for (int id : seq) t.accept(id);
        assertEquals(ThinkingFormat.Phase.ANSWER, t.phase());
        assertEquals(tok.encode("\nab", true).length, t.spent());
    }

    @Test
    void thinkingIsClosedExactlyAtTheBudgetAndTheAnswerFollows() {
        // the prompt opens the thinking, as DeepSeek-R1's template does; the random model never closes it itself
        int[] prompt = tok.encode("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n", true);
        int budget = 7;
        HardCutoff cut = new HardCutoff(budget);
        var suppressClose = new dev.bgl.decode.LogitsProcessor() {
            public void apply(dev.bgl.decode.Step s, float[] logits) {
                logits[close] = Float.NEGATIVE_INFINITY;
            }
        };
        GenerateResult r = new Generator(new Session(model, 256, true), tok).generate(
                new GenerateRequest(prompt, 30, SamplerConfig.GREEDY, List.of(), false, List.of(suppressClose, cut), null,
                        new ThinkingFormat(open, close, ThinkingFormat.Phase.THINKING)), TokenListener.NONE);
        assertTrue(cut.fired());
        int[] closing = tok.encode(HardCutoff.DEFAULT_CLOSE, true);
        assertEquals(closing.length, r.forcedTokens());
        for (int i = 0; i < closing.length; i++) assertEquals(closing[i], r.tokens()[budget + i], "inserted token " + i);
        assertTrue(r.thinkingClosed(), "the loop saw the thinking close");
        // the budget counts sampled thinking tokens; the inserted newline before </think> counts too
        assertEquals(budget + closing.length - tok.encode("</think>\n\n", true).length, r.thinkingTokens());
        assertEquals(30, r.tokens().length, "the answer is decoded after the cut");
    }

    @Test
    void noCutWhenTheThinkingEndsWithinBudget() {
        HardCutoff cut = Drive.track(new HardCutoff(100), open, close, false);
        int[] seq = tok.encode("<think>\nshort</think>\n\n4", true);
        var control = new dev.bgl.decode.DecodeControl() {
            public void insert(int... t) {
                fail("nothing should be inserted");
            }

            public void insertText(String t) {
                fail("nothing should be inserted");
            }

            public void stop(String r) {
            }
        };
        for (int id : seq) Drive.accept(cut, null, id, false, control);
        assertFalse(cut.fired());
    }
}
