package dev.bgl.decode;

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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The decode loop on a small random model: processors, insertion, stops, cancellation, hidden states. */
class GeneratorTest {
    @TempDir
    static Path dir;
    static Transformer model;
    static Tokenizer tokenizer;
    static GgufModelSource source;

    @BeforeAll
    static void makeModel() throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path f = dir.resolve("m.gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 2, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 256, 1e6f, 1e-6f, false, 5, "t"), vocab::writeTo, f);
        source = GgufModelSource.open(f);
        model = new Transformer(source);
        tokenizer = Tokenizer.fromGguf(source.file().meta());
    }

    static GenerateResult run(GenerateRequest req, TokenListener l) {
        return new Generator(new Session(model, 256, true), tokenizer).generate(req, l);
    }

    static int[] prompt() {
        return tokenizer.encode("<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n", true);
    }

    @Test
    void greedyGenerationIsDeterministicAndMatchesStepwiseArgmax() {
        var req = new GenerateRequest(prompt(), 12, SamplerConfig.GREEDY, List.of(), false, List.of(), null);
        GenerateResult a = run(req, TokenListener.NONE);
        assertEquals(12, a.tokens().length);
        assertEquals(StopReason.MAX_TOKENS, a.stopReason());
        // the same by hand: feed, argmax, feed
        Session s = new Session(model, 256, true);
        int[] p = prompt();
        s.feed(p, 0, p.length, false);
        for (int i = 0; i < 12; i++) {
            int t = Sampler.argmax(s.logits(), model.config().vocabSize());
            assertEquals(t, a.tokens()[i], "token " + i);
            s.feed(t, false);
        }
    }

    @Test
    void aProcessorCanForbidTokensAndInsertTextCountedAsForced() {
        int close = tokenizer.tokenId("</think>").getAsInt();
        List<Boolean> forcedSeen = new ArrayList<>();
        LogitsProcessor cutAt5 = new LogitsProcessor() {
            @Override
            public void apply(Step step, float[] logits) {
                logits[close] = Float.NEGATIVE_INFINITY; // the model may not close thinking itself
            }

            @Override
            public void accept(Step step, int token, boolean forced, DecodeControl control) {
                forcedSeen.add(forced);
                if (!forced && step.generated() == 4) control.insertText("\n</think>\n\n");
            }
        };
        var req = new GenerateRequest(prompt(), 10, SamplerConfig.GREEDY, List.of(), false, List.of(cutAt5), null);
        StringBuilder streamed = new StringBuilder();
        GenerateResult r = run(req, (id, text, forced, phase) -> streamed.append(text));
        int[] inserted = tokenizer.encode("\n</think>\n\n", true);
        assertEquals(inserted.length, r.forcedTokens());
        for (int i = 0; i < inserted.length; i++) assertEquals(inserted[i], r.tokens()[5 + i], "inserted token " + i);
        assertTrue(r.text().contains("</think>"), r.text());
        assertEquals(r.text(), streamed.toString());
        for (int i = 0; i < r.tokens().length; i++) assertEquals(i >= 5 && i < 5 + inserted.length, forcedSeen.get(i), "forced flag " + i);
        for (int i = 0; i < 5; i++) assertNotEquals(close, r.tokens()[i]);
    }

    @Test
    void stopStringEndsTheOutputBeforeIt() {
        // generate freely once, then stop at a piece of that output
        var free = run(new GenerateRequest(prompt(), 20, SamplerConfig.GREEDY, List.of(), false, List.of(), null), TokenListener.NONE);
        String text = free.text();
        assertTrue(text.length() > 6, "need some text: " + text);
        String stop = text.substring(3, 6);
        var r = run(new GenerateRequest(prompt(), 20, SamplerConfig.GREEDY, List.of(stop), false, List.of(), null), TokenListener.NONE);
        assertEquals(StopReason.STOP_STRING, r.stopReason());
        assertEquals(text.substring(0, text.indexOf(stop)), r.text());
    }

    @Test
    void cancellationAndProcessorStopEndTheLoop() {
        Cancellation c = new Cancellation();
        var r = run(new GenerateRequest(prompt(), 50, SamplerConfig.GREEDY, List.of(), false, List.of(), c),
                (id, text, forced, phase) -> c.cancel());
        assertEquals(StopReason.CANCELLED, r.stopReason());
        assertEquals(1, r.tokens().length);

        LogitsProcessor stopper = new LogitsProcessor() {
            public void apply(Step step, float[] logits) {
            }

            public void accept(Step step, int token, boolean forced, DecodeControl control) {
                if (step.generated() == 2) control.stop("enough");
            }
        };
        var s = run(new GenerateRequest(prompt(), 50, SamplerConfig.GREEDY, List.of(), false, List.of(stopper), null), TokenListener.NONE);
        assertEquals(StopReason.PROCESSOR, s.stopReason());
        assertEquals("enough", s.stopDetail());
        assertEquals(3, s.tokens().length);
    }

    @Test
    void theLoopKeepsTheThinkingStateForProcessorsAndTheListener() {
        int open = tokenizer.tokenId("<think>").getAsInt(), close = tokenizer.tokenId("</think>").getAsInt();
        int a = tokenizer.encode("a", true)[0], b = tokenizer.encode("b", true)[0];
        List<String> seen = new ArrayList<>();
        LogitsProcessor writer = new LogitsProcessor() {
            public void begin(Step start, DecodeControl control) {
                seen.add("begin " + start.phase() + " " + start.thinkingSpent());
                control.insert(open, a, b, close);
            }

            public void apply(Step step, float[] logits) {
                seen.add("apply " + step.phase() + " " + step.thinkingSpent());
            }

            public void accept(Step step, int token, boolean forced, DecodeControl control) {
                seen.add("accept " + step.phase() + " " + step.thinkingSpent());
            }
        };
        List<ThinkingFormat.Phase> heard = new ArrayList<>();
        var r = run(new GenerateRequest(prompt(), 5, SamplerConfig.GREEDY, List.of(), false, List.of(writer), null,
                new ThinkingFormat(open, close, ThinkingFormat.Phase.BEFORE)), (id, text, forced, phase) -> heard.add(phase));
        // apply sees the state before the token, accept the state after it; inserted tokens count as any other
        assertEquals(List.of("begin BEFORE 0", "accept THINKING 0", "accept THINKING 1", "accept THINKING 2", "accept ANSWER 2",
                "apply ANSWER 2", "accept ANSWER 2"), seen);
        assertEquals(List.of(ThinkingFormat.Phase.THINKING, ThinkingFormat.Phase.THINKING, ThinkingFormat.Phase.THINKING,
                ThinkingFormat.Phase.ANSWER, ThinkingFormat.Phase.ANSWER), heard.subList(0, 5));
        assertEquals(1, r.thinkingFrom());
        assertEquals(3, r.thinkingClose());
        assertEquals(2, r.thinkingTokens());

        // without a format every token is answer
        List<ThinkingFormat.Phase> plain = new ArrayList<>();
        var p = run(new GenerateRequest(prompt(), 3, SamplerConfig.GREEDY, List.of(), false, List.of(), null), (id, text, forced, phase) -> plain.add(phase));
        assertTrue(plain.stream().allMatch(x -> x == ThinkingFormat.Phase.ANSWER), plain.toString());
        assertEquals(0, p.thinkingTokens());
        assertFalse(p.thinkingClosed());
    }

    @Test
    void hiddenStatesAreGivenOnlyToProcessorsThatAskAndMatchTheLogits() {
        List<float[]> finals = new ArrayList<>();
        LogitsProcessor reader = new LogitsProcessor() {
            public void apply(Step step, float[] logits) {
                assertNotNull(step.hidden());
                assertEquals(model.config().layers(), step.hidden().layers().length);
                finals.add(step.hidden().finalNorm().clone());
            }

            public boolean needsHiddenStates() {
                return true;
            }
        };
        run(new GenerateRequest(prompt(), 3, SamplerConfig.GREEDY, List.of(), false, List.of(reader), null), TokenListener.NONE);
        assertEquals(3, finals.size());
        // logits = output · finalNorm: check one logit by hand
        Session s = new Session(model, 256, true);
        int[] p = prompt();
        s.feed(p, 0, p.length, true);
        float[] h = s.hidden().finalNorm();
        // same computation; but a kernel may run interpreted once and JIT-compiled the next time (the Vector API's
        // fallback sums lanes in another order), so allow float rounding
        assertArrayEquals(finals.get(0), h, 1e-5f);
        float[] row = new float[model.config().dim()];
        source.tensor("output.weight").row(7, row);
        double logit = 0;
        for (int i = 0; i < row.length; i++) logit += row[i] * h[i];
        assertEquals(logit, s.logits()[7], 1e-3);
    }
}
