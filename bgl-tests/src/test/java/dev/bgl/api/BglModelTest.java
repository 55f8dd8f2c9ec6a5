package dev.bgl.api;

import dev.bgl.util.RepoFiles;
import dev.bgl.budget.Budget;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.Cancellation;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.TokenListener;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** The embedding API on the embedded model and its predictor, in this JVM: what an application sees. */
class BglModelTest {
    static final String Q = "Add: 17+8+12+5"; // 73 thinking tokens unconstrained, answer 42
    static final List<String> QUESTIONS = List.of(Q, "Multiply: 47*6", "Solve for x: 3*x+5=20", "Count the vowels in \"gazebo\"");
    static BglModel model;

    static Path root() {
        return RepoFiles.root();
    }

    static Path modelPath() {
        return RepoFiles.shippedModel();
    }

    @BeforeAll
    static void load() {
        model = Bgl.load(modelPath(), BglOptions.DEFAULT.withConcurrency(3));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The thinking and the answer are what the budget runner produces for the same request, `bgl serve`'s settings. */
    @Test
    void askReturnsTheThinkingAsThinkingAndKeepsATokenBudget() {
        Answer a = model.ask(Q, Budget.tokens(30));
        assertEquals("guided", a.method().name(), "a budget defaults to guided when the predictor lies beside the model");
        Path predictor = RepoFiles.shippedPredictor();
        try (LoadedModel m = LoadedModel.open(modelPath())) {
            BudgetRunner runner = new BudgetRunner(m, BudgetPredictor.load(predictor, m, 0),
                    dev.bgl.budget.GuidanceOptions.recommended(PredictorWeights.recommendation(predictor)).withCeiling(0));
            BudgetOutcome o = runner.run(BudgetRequest.of(Q, new Method.Guided(), 30, BglModel.DEFAULT_MAX_TOKENS), TokenListener.NONE);
            assertEquals(o.thinking(), a.thinking());
            assertEquals(o.answer(), a.text());
            assertEquals(o.thinkingTokens(), a.thinkingTokens());
            assertEquals(o.answerTokens(), a.answerTokens());
        }
        assertFalse(a.thinking().isBlank(), "the model thought");
        assertFalse(a.thinking().contains("</think>") || a.text().contains("<think>"), "markers are not text");
        assertTrue(a.thinkingTokens() <= 30, a.thinkingTokens() + " thinking tokens under a budget of 30");
        assertTrue(a.budgetKept());
        assertTrue(a.thinkingClosed());
        assertTrue(a.text().contains("42"), a.text());
        assertTrue(a.promptTokens() > 0);
        assertEquals("end_of_generation", a.stopReason());
    }

    @Test
    void withoutABudgetTheModelThinksFreelyAndABudgetCutsThatShort() {
        Answer free = model.ask(Q, Budget.NONE);
        assertEquals("none", free.method().name());
        assertTrue(free.budgetKept(), "no budget is always kept");
        Answer hard = model.ask(List.of(ChatMessage.user(Q)), Budget.tokens(20), AskOptions.DEFAULT.withMethod(new Method.Hard()));
        assertEquals("hard", hard.method().name());
        assertTrue(free.thinkingTokens() > 20, "the question needs more than 20 thinking tokens: " + free.thinkingTokens());
        assertTrue(hard.thinkingTokens() <= 20, "the hard cut keeps 20: " + hard.thinkingTokens());
        assertTrue(hard.intervened());
        assertTrue(hard.budgetKept());
    }

    @Test
    void streamedPiecesConcatenateToTheAnswerThinkingFirst() {
        StringBuilder thinking = new StringBuilder(), text = new StringBuilder();
        List<String> order = new ArrayList<>();
        Answer a = model.stream(Q, Budget.tokens(30), new AnswerListener() {
            public void onThinking(String t) {
                thinking.append(t);
                order.add("thinking");
            }

            public void onAnswer(String t) {
                text.append(t);
                order.add("answer");
            }
        });
        assertEquals(a.thinking(), thinking.toString());
        assertEquals(a.text(), text.toString());
        assertTrue(order.indexOf("answer") > order.lastIndexOf("thinking"), "no thinking after the answer began: " + order);
        assertTrue(order.stream().filter("thinking"::equals).count() > 5, "the thinking came in pieces, not at the end");
    }

    @Test
    void aListenerCanCancelTheGeneration() {
        Cancellation cancel = new Cancellation();
        int[] pieces = {0};
        Answer a = model.stream(List.of(ChatMessage.user(Q)), Budget.NONE, AskOptions.DEFAULT.withCancellation(cancel), new AnswerListener() {
            public void onThinking(String t) {
                if (++pieces[0] == 3) cancel.cancel();
            }
        });
        assertTrue(a.cancelled(), a.stopReason());
        assertFalse(a.thinkingClosed());
        assertTrue(a.thinkingTokens() < 10, "stopped at the next token: " + a.thinkingTokens());
    }

    /** Greedy decoding is deterministic, so several threads asking at once must get what one thread gets asking in turn. */
    @Test
    void concurrentAsksGiveTheSequentialAnswers() throws Exception {
        List<Answer> sequential = new ArrayList<>();
        for (String q : QUESTIONS) sequential.add(model.ask(q, Budget.tokens(40)));
        ExecutorService pool = Executors.newFixedThreadPool(QUESTIONS.size() * 2);
        try {
            List<Future<Answer>> futures = new ArrayList<>();
            for (int round = 0; round < 2; round++)
                for (String q : QUESTIONS) futures.add(pool.submit(() -> model.ask(q, Budget.tokens(40))));
            for (int i = 0; i < futures.size(); i++) {
                Answer want = sequential.get(i % QUESTIONS.size()), got = futures.get(i).get();
                assertEquals(want.thinking(), got.thinking(), QUESTIONS.get(i % QUESTIONS.size()));
                assertEquals(want.text(), got.text(), QUESTIONS.get(i % QUESTIONS.size()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closedModelRefusesToAskAndClosesTwiceQuietly() {
        BglModel m = Bgl.load(modelPath(), BglOptions.DEFAULT.withoutPredictor());
        assertEquals("hard", m.ask(Q, Budget.tokens(10)).method().name(), "without a predictor a budget defaults to hard");
        m.close();
        m.close();
        BglException e = assertThrows(BglException.class, () -> m.ask(Q, Budget.tokens(10)));
        assertEquals("model bgl-reasoner.gguf is closed", e.getMessage());
    }

    @Test
    void closeStopsAnAskInFlight() throws Exception {
        BglModel m = Bgl.load(modelPath());
        var started = new java.util.concurrent.CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Answer> f = pool.submit(() -> m.stream(Q, Budget.NONE, new AnswerListener() {
                public void onThinking(String t) {
                    started.countDown();
                    try {
                        Thread.sleep(20); // long enough that close() comes before the thinking ends
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }));
            started.await();
            m.close();
            assertTrue(f.get().cancelled(), "the ask in flight was stopped: " + f.get().stopReason());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aListenerThatClosesTheModelIsToldToCancelInstead() {
        BglModel m = Bgl.load(modelPath());
        BglException[] thrown = {null};
        Answer a = m.stream(Q, Budget.NONE, new AnswerListener() {
            public void onThinking(String t) {
                if (thrown[0] == null) thrown[0] = assertThrows(BglException.class, m::close);
            }
        });
        assertTrue(thrown[0].getMessage().contains("would wait for itself"), thrown[0].getMessage());
        assertEquals("end_of_generation", a.stopReason(), "the ask went on");
        m.close();
        assertThrows(BglException.class, () -> m.ask(Q, Budget.NONE));
    }

    @Test
    void badInputIsOneErrorNamingTheFileOrTheProblem() {
        Path missing = root().resolve("models/no-such-model.gguf");
        assertEquals(missing + ": no such file or folder", assertThrows(BglException.class, () -> Bgl.load(missing)).getMessage());
        Path noPredictor = root().resolve("models/no-such.predictor.safetensors");
        assertEquals(noPredictor + ": no such predictor file or folder", assertThrows(BglException.class,
                () -> Bgl.load(modelPath(), BglOptions.DEFAULT.withPredictor(noPredictor))).getMessage());
        Path notAModel = root().resolve("models/README.md");
        String bad = assertThrows(BglException.class, () -> Bgl.load(notAModel)).getMessage();
        assertTrue(bad.startsWith(notAModel.toString()), bad);
        Path notAPredictor = root().resolve("models/README.md");
        String msg = assertThrows(BglException.class, () -> Bgl.load(modelPath(), BglOptions.DEFAULT.withPredictor(notAPredictor))).getMessage();
        assertTrue(msg.startsWith(notAPredictor.toString()), msg);
        String noBudget = assertThrows(BglException.class,
                () -> model.ask(List.of(ChatMessage.user(Q)), Budget.NONE, AskOptions.DEFAULT.withMethod(new Method.Hard()))).getMessage();
        assertTrue(noBudget.startsWith("method 'hard' needs a budget"), noBudget);
        assertThrows(BglException.class, () -> Budget.parse("5 parsecs"));
    }
}
