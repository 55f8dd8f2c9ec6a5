package dev.bgl.decode;

import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.ExpertConfig;
import dev.bgl.model.HiddenStates;
import dev.bgl.model.KvCacheType;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Continuous batching: each sequence's tokens are those it gets alone (greedy and seeded
 * sampling, long prompts prefilled in chunks while others decode, processors reading hidden
 * states), on a dense F32 model, a Q8_0 one (packed weights) and a mixture of experts; sequences
 * join and leave at any step; faults stay with their sequence; admission keeps the memory limit.
 *
 * <p>The models are warmed up first: until C2 compiles a Vector API kernel, its lane reductions
 * may add in another order, so two lone runs in a cold JVM can differ in the last bit.
 */
class SchedulerTest {
    @TempDir
    static Path dir;
    static LoadedModel f32, q8, moe;

    @BeforeAll
    static void makeModels() throws Exception {
        var vocab = ByteLevelVocab.spec();
        f32 = model("f32.gguf", new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 2, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 512, 1e6f, 1e-6f, false, 5, "t"));
        q8 = model("q8.gguf", new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.Q8_0, 2, 128, 4, 2, 32, 256,
                vocab.vocabSize(), 512, 1e6f, 1e-6f, true, 7, "t"));
        moe = model("moe.gguf", new RandomModelMaker.Spec(Architecture.QWEN3MOE, GgmlType.F32, 2, 64, 2, 1, 32, 96,
                vocab.vocabSize(), 512, 1e6f, 1e-6f, false, 9, "t").withExperts(new ExpertConfig(8, 2, 32, true)));
    }

    static LoadedModel model(String name, RandomModelMaker.Spec spec) throws Exception {
        Path f = dir.resolve(name);
        RandomModelMaker.write(spec, ByteLevelVocab.spec()::writeTo, f);
        LoadedModel m = LoadedModel.open(f, KvCacheType.F16);
        for (int round = 0; round < 3; round++)
            for (int[] p : prompts(m)) alone(m, GenerateRequest.of(p, 24, SamplerConfig.GREEDY).withProcessors(List.of(new Recorder(m, 3))), 256);
        return m;
    }

    @AfterAll
    static void close() {
        for (LoadedModel m : new LoadedModel[]{f32, q8, moe}) if (m != null) m.close();
    }

    static LoadedModel byName(String name) {
        return switch (name) {
            case "f32" -> f32;
            case "q8" -> q8;
            default -> moe;
        };
    }

    static int[] prompt(LoadedModel m, String text) {
        return m.tokenizer().encode("<|im_start|>user\n" + text + "<|im_end|>\n<|im_start|>assistant\n", true);
    }

    /** Prompts of different lengths, one longer than two prefill chunks of a step. */
    static List<int[]> prompts(LoadedModel m) {
        List<int[]> p = new ArrayList<>();
        p.add(prompt(m, "hi"));
        p.add(prompt(m, "what is 17 + 25? think about it"));
        p.add(prompt(m, "x".repeat(3) + " tell me a long story about the sea, " .repeat(6)));
        p.add(prompt(m, "a"));
        p.add(prompt(m, "count: 1 2 3 4 5 6 7 8 9"));
        p.add(prompt(m, "the quick brown fox jumps over the lazy dog. ".repeat(4)));
        return p;
    }

    static GenerateResult alone(LoadedModel m, GenerateRequest req, int context) {
        return new Generator(m.newSession(context), m.tokenizer()).generate(req, TokenListener.NONE);
    }

    static void assertSame(GenerateResult a, GenerateResult b, String what) {
        assertArrayEquals(a.tokens(), b.tokens(), what + ": tokens");
        assertEquals(a.text(), b.text(), what + ": text");
        assertEquals(a.stopReason(), b.stopReason(), what + ": stop reason");
        assertEquals(a.forcedTokens(), b.forcedTokens(), what + ": forced tokens");
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "q8", "moe"})
    void greedySequencesGetTheirLoneTokensWhileOthersJoinAndLeave(String name) throws Exception {
        LoadedModel m = byName(name);
        List<int[]> prompts = prompts(m);
        int[] maxTokens = {5, 40, 12, 1, 27, 33};
        // The first sequence's first token waits (on the scheduler thread) until all six are
        // submitted: otherwise how many steps it runs alone depends on how fast this thread
        // submits, and the mean batch below on the machine's load.
        CountDownLatch allSubmitted = new CountDownLatch(1);
        TokenListener holdFirst = (id, text, forced, phase) -> {
            try {
                allSubmitted.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (Scheduler s = new Scheduler(m, Scheduler.Config.slots(3))) {
            List<Scheduler.Ticket> tickets = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++)
                tickets.add(s.submit(GenerateRequest.of(prompts.get(i), maxTokens[i], SamplerConfig.GREEDY), 256, i == 0 ? holdFirst : TokenListener.NONE));
            allSubmitted.countDown();
            for (int i = 0; i < prompts.size(); i++) {
                GenerateResult batched = tickets.get(i).result().get(60, TimeUnit.SECONDS);
                assertSame(alone(m, GenerateRequest.of(prompts.get(i), maxTokens[i], SamplerConfig.GREEDY), 256), batched, name + " #" + i);
            }
            Scheduler.Stats st = s.stats();
            assertTrue(st.meanBatch() > 1.5, "sequences were decoded together: mean batch " + st.meanBatch());
            assertEquals(6, st.finished());
        }
    }

    @Test
    void seededSamplingGivesTheLoneTokens() throws Exception {
        List<int[]> prompts = prompts(q8);
        try (Scheduler s = new Scheduler(q8, Scheduler.Config.slots(6))) {
            List<Scheduler.Ticket> tickets = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                var cfg = new SamplerConfig(0.9f, 40, 0.95f, 0f, 1000 + i);
                tickets.add(s.submit(GenerateRequest.of(prompts.get(i), 30, cfg), 256, TokenListener.NONE));
            }
            for (int i = 0; i < prompts.size(); i++) {
                var cfg = new SamplerConfig(0.9f, 40, 0.95f, 0f, 1000 + i);
                assertSame(alone(q8, GenerateRequest.of(prompts.get(i), 30, cfg), 256), tickets.get(i).result().get(60, TimeUnit.SECONDS), "#" + i);
            }
        }
    }

    /** Records every hidden state it is shown and inserts text at a given step: the loop's full interface. */
    static final class Recorder implements LogitsProcessor {
        final List<float[]> seen = new ArrayList<>();
        final int insertAt;
        final LoadedModel m;

        Recorder(LoadedModel m, int insertAt) {
            this.m = m;
            this.insertAt = insertAt;
        }

        @Override
        public boolean needsHiddenStates() {
            return true;
        }

        @Override
        public void apply(Step step, float[] logits) {
            HiddenStates h = step.hidden();
            seen.add(h.embedding().clone());
            for (float[] l : h.layers()) seen.add(l.clone());
            seen.add(h.finalNorm().clone());
            logits[0] = Float.NEGATIVE_INFINITY;
        }

        @Override
        public void accept(Step step, int token, boolean forced, DecodeControl control) {
            if (!forced && step.generated() == insertAt) control.insertText("\nok\n");
        }
    }

    @Test
    void processorsSeeTheLoneHiddenStatesAndMayInsert() throws Exception {
        // the Q8_0 model: its packed products sum no lanes, so the hidden states agree bit for bit
        // whatever C2 makes of each call site (see FeedBatchTest)
        LoadedModel m = q8;
        List<int[]> prompts = prompts(m);
        try (Scheduler s = new Scheduler(m, Scheduler.Config.slots(4))) {
            List<Scheduler.Ticket> tickets = new ArrayList<>();
            List<Recorder> batched = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Recorder r = new Recorder(m, 3 + i);
                batched.add(r);
                tickets.add(s.submit(GenerateRequest.of(prompts.get(i), 20, SamplerConfig.GREEDY).withProcessors(List.of(r)), 256, TokenListener.NONE));
            }
            for (int i = 0; i < 4; i++) {
                Recorder r = new Recorder(m, 3 + i);
                GenerateResult a = alone(m, GenerateRequest.of(prompts.get(i), 20, SamplerConfig.GREEDY).withProcessors(List.of(r)), 256);
                GenerateResult b = tickets.get(i).result().get(60, TimeUnit.SECONDS);
                assertSame(a, b, "#" + i);
                assertTrue(b.forcedTokens() > 0, "the insertion happened");
                assertEquals(r.seen.size(), batched.get(i).seen.size());
                for (int k = 0; k < r.seen.size(); k++)
                    assertArrayEquals(r.seen.get(k), batched.get(i).seen.get(k), "#" + i + " hidden state " + k);
            }
        }
    }

    @Test
    void aThrowingProcessorEndsOnlyItsSequence() throws Exception {
        List<int[]> prompts = prompts(f32);
        LogitsProcessor bomb = new LogitsProcessor() {
            @Override
            public void apply(Step step, float[] logits) {
                if (step.generated() == 4) throw new IllegalStateException("processor fault at step 4");
            }
        };
        try (Scheduler s = new Scheduler(f32, Scheduler.Config.slots(4))) {
            var good1 = s.submit(GenerateRequest.of(prompts.get(0), 15, SamplerConfig.GREEDY), 256, TokenListener.NONE);
            var bad = s.submit(GenerateRequest.of(prompts.get(1), 15, SamplerConfig.GREEDY).withProcessors(List.of(bomb)), 256, TokenListener.NONE);
            var good2 = s.submit(GenerateRequest.of(prompts.get(2), 15, SamplerConfig.GREEDY), 256, TokenListener.NONE);
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.result().get(60, TimeUnit.SECONDS));
            assertEquals("processor fault at step 4", e.getCause().getMessage());
            assertSame(alone(f32, GenerateRequest.of(prompts.get(0), 15, SamplerConfig.GREEDY), 256), good1.result().get(60, TimeUnit.SECONDS), "first");
            assertSame(alone(f32, GenerateRequest.of(prompts.get(2), 15, SamplerConfig.GREEDY), 256), good2.result().get(60, TimeUnit.SECONDS), "third");
            assertEquals(1, s.stats().failed());
            assertEquals(0, s.stats().running());
            assertEquals(0, s.stats().kvBytesReserved(), "every sequence's KV cache is given back");
        }
    }

    @Test
    void aCancelledSequenceLeavesAtTheNextStepAndOthersGoOn() throws Exception {
        List<int[]> prompts = prompts(f32);
        try (Scheduler s = new Scheduler(f32, Scheduler.Config.slots(4))) {
            Cancellation gone = new Cancellation();
            AtomicInteger streamed = new AtomicInteger();
            TokenListener client = (id, text, forced, phase) -> {
                if (streamed.incrementAndGet() == 3) gone.cancel(); // the client disconnects mid-stream
            };
            var other = s.submit(GenerateRequest.of(prompts.get(0), 25, SamplerConfig.GREEDY), 256, TokenListener.NONE);
            var cancelled = s.submit(GenerateRequest.of(prompts.get(1), 200, SamplerConfig.GREEDY).withCancellation(gone), 256, client);
            GenerateResult c = cancelled.result().get(60, TimeUnit.SECONDS);
            assertEquals(StopReason.CANCELLED, c.stopReason());
            assertEquals(3, c.tokens().length, "it left at the step after the cancel");
            assertSame(alone(f32, GenerateRequest.of(prompts.get(0), 25, SamplerConfig.GREEDY), 256), other.result().get(60, TimeUnit.SECONDS), "the other");
            // cancelled while waiting: ends without running
            Cancellation early = new Cancellation();
            early.cancel();
            GenerateResult w = s.submit(GenerateRequest.of(prompts.get(2), 20, SamplerConfig.GREEDY).withCancellation(early), 256, TokenListener.NONE)
                    .result().get(60, TimeUnit.SECONDS);
            assertEquals(StopReason.CANCELLED, w.stopReason());
            assertEquals(0, w.tokens().length);
        }
    }

    @Test
    void admissionKeepsTheMemoryLimitAndRefusesWhatCouldNeverFit() throws Exception {
        List<int[]> prompts = prompts(f32);
        long perSequence = 128 * f32.kvBytesPerToken();
        try (Scheduler s = new Scheduler(f32, new Scheduler.Config(8, 2 * perSequence, 64))) {
            AtomicInteger most = new AtomicInteger();
            TokenListener watch = (id, text, forced, phase) -> most.accumulateAndGet(s.stats().running(), Math::max);
            List<Scheduler.Ticket> tickets = new ArrayList<>();
            for (int i = 0; i < 5; i++)
                tickets.add(s.submit(GenerateRequest.of(prompts.get(i % 2 == 0 ? 0 : 4), 10, SamplerConfig.GREEDY), 128, watch));
            for (Scheduler.Ticket t : tickets) assertEquals(10, t.result().get(60, TimeUnit.SECONDS).tokens().length);
            assertEquals(2, most.get(), "two contexts fit the limit, and two ran at once");
            assertTrue(tickets.get(4).queueNanos() > 0, "the fifth waited for memory");
            BglException e = assertThrows(BglException.class,
                    () -> s.submit(GenerateRequest.of(prompts.get(0), 10, SamplerConfig.GREEDY), 3 * 128, TokenListener.NONE));
            assertTrue(e.getMessage().contains("KV cache") && e.getMessage().contains("384 tokens"), e.getMessage());
        }
    }

    @Test
    void badConfigurationIsNamed() {
        BglException e = assertThrows(BglException.class, () -> new Scheduler.Config(4, 1000, 40));
        assertTrue(e.getMessage().contains("multiple of 32"), e.getMessage());
        assertThrows(BglException.class, () -> new Scheduler.Config(0, 1000, 64));
    }

    @Test
    void closingEndsWaitingAndRunningSequences() throws Exception {
        List<int[]> prompts = prompts(f32);
        Scheduler s = new Scheduler(f32, Scheduler.Config.slots(1));
        var a = s.submit(GenerateRequest.of(prompts.get(0), 400, SamplerConfig.GREEDY).withStopStrings(List.of("\u0000\u0001never")), 480, TokenListener.NONE);
        var b = s.submit(GenerateRequest.of(prompts.get(1), 10, SamplerConfig.GREEDY), 256, TokenListener.NONE);
        s.close();
        for (var t : List.of(a, b)) {
            assertTrue(t.result().isDone(), "no caller is left waiting");
            ExecutionException e = assertThrows(ExecutionException.class, () -> t.result().get());
            assertEquals("the scheduler was closed", e.getCause().getMessage());
        }
        assertThrows(BglException.class, () -> s.submit(GenerateRequest.of(prompts.get(0), 1, SamplerConfig.GREEDY), 256, TokenListener.NONE));
    }
}
