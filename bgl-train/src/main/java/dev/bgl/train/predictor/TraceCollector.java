package dev.bgl.train.predictor;

import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.BudgetScheduler;
import dev.bgl.budget.InOrderRuns;
import dev.bgl.budget.Method;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.Cancellation;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Scheduler;
import dev.bgl.decode.TokenListener;
import dev.bgl.tasks.Curriculum;
import dev.bgl.tasks.Problem;
import dev.bgl.tasks.Split;
import dev.bgl.tasks.TraceFormat;
import dev.bgl.util.BglException;
import dev.bgl.util.ProgressBar;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Collects the predictor's training data: the model's own responses, with full thinking, to TRAIN
 * problems of the curriculum (evaluation uses TEST ones). Each finished response is appended to
 * {@code traces.jsonl} at once, so an interrupted run loses at most the responses in flight; a rerun
 * skips the ids already there. Problem i of seed s has id {@code s<seed>-<i>} and, when sampling,
 * its own sampler seed, so results do not depend on the thread count or on resuming.
 */
public final class TraceCollector {

    /**
     * @param temperature 0: greedy (the default)
     * @param maxTokens   cap on generated tokens per response (thinking and answer)
     * @param parallel    responses decoded together in one continuous batch; 1: {@code threads} worker threads, each
     *                    decoding its own (above 1 the worker threads are not used)
     */
    public record Options(long seed, int n, int threads, float temperature, int maxTokens, int parallel) {
        public Options {
            if (n < 1) throw new BglException("--n must be >= 1, got " + n);
            if (threads < 1) throw new BglException("--threads must be >= 1, got " + threads);
            if (maxTokens < 1) throw new BglException("--max-tokens must be >= 1, got " + maxTokens);
            if (!(temperature >= 0)) throw new BglException("--temperature must be >= 0, got " + temperature);
            if (parallel < 1 || parallel > 1024) throw new BglException("--parallel must be in 1..1024, got " + parallel);
        }

        /** Worker threads, one response each at a time. */
        public Options(long seed, int n, int threads, float temperature, int maxTokens) {
            this(seed, n, threads, temperature, maxTokens, 1);
        }
    }

    /** What a run did: problems already present, newly collected, and of those how many closed and were right. */
    public record Summary(Path file, int skipped, int collected, int closed, int correct, double meanThinking, double seconds) {
    }

    private TraceCollector() {
    }

    public static String id(long seed, int index) {
        return "s" + seed + "-" + index;
    }

    /**
     * One problem to answer with full thinking: the id, family and difficulty its trace records, the question, the
     * gold answer, and how the response is judged.
     */
    public record Item(String id, String family, int difficulty, String question, String answer, Judge judge) {
    }

    /** Whether a response is right: the curriculum's rule, or a data set's answer checker (the caller's, from eval). */
    @FunctionalInterface
    public interface Judge {
        boolean correct(BudgetOutcome response);
    }

    /** The curriculum's TRAIN problems of {@code o.seed()}: problem i has id {@code s<seed>-<i>}. */
    public static List<Item> curriculum(Options o) {
        List<Problem> problems = Curriculum.defaults().sample(o.seed(), o.n(), Split.TRAIN);
        List<Item> items = new ArrayList<>(problems.size());
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            items.add(new Item(id(o.seed(), i), p.family(), p.difficulty(), p.question(), p.answer(),
                    // judged on the answer after the close, so a model of any thinking format is judged alike
                    out -> out.thinkingClosed() && TraceFormat.answerIn(out.answer()).map(p.answer()::equals).orElse(false)));
        }
        return items;
    }

    public static Summary collect(LoadedModel model, Path dir, Options o, ProgressBar bar) {
        return collect(model, dir, o, curriculum(o), bar);
    }

    /**
     * Where the responses are made when not in this JVM: another engine (a Spark job) that makes the trace of each
     * item with {@link #one}, the local workers' own code, and hands each back.
     */
    @FunctionalInterface
    public interface Backend {
        /**
         * Makes the trace of every item whose index is in {@code todo} and hands each to {@code done} (from one thread
         * at a time) as it finishes; returns when all are done. A trace handed twice (a retried task) is written once.
         */
        void runAll(List<Integer> todo, java.util.function.Consumer<Trace> done);
    }

    /** Where a finished response goes (the file, the counts, the progress bar); called by one thread at a time. */
    @FunctionalInterface
    private interface Sink {
        void accept(Trace t) throws IOException;
    }

    /**
     * Answers every item not already in {@code dir}'s trace file, appending each response as it finishes (with
     * {@code parallel} above 1, in the items' order: the file a sequential run writes, timings aside).
     */
    public static Summary collect(LoadedModel model, Path dir, Options o, List<Item> items, ProgressBar bar) {
        return collect(model, dir, o, items, bar, null);
    }

    /** As {@link #collect(LoadedModel, Path, Options, List, ProgressBar)}, the responses made by {@code backend} (null: here). */
    public static Summary collect(LoadedModel model, Path dir, Options o, List<Item> items, ProgressBar bar, Backend backend) {
        if (!model.isThinkingModel()) throw new BglException("model " + model.name() + " has no " + model.markers().close() + " token: it cannot make thinking traces");
        int vocab = model.transformer().config().vocabSize();
        Path file = TraceFile.in(dir);
        Set<String> have = new HashSet<>();
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            if (Files.exists(file)) {
                TraceFile.Contents c = TraceFile.read(file, vocab);
                TraceFile.cutTo(file, c.completeBytes());
                for (Trace t : c.traces()) have.add(t.id());
            }
        } catch (IOException e) {
            throw new BglException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
        }
        List<Integer> todo = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) if (!have.contains(items.get(i).id())) todo.add(i);
        int skipped = items.size() - todo.size();

        long t0 = System.nanoTime();
        AtomicInteger done = new AtomicInteger(), closed = new AtomicInteger(), right = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong thinking = new java.util.concurrent.atomic.AtomicLong();
        ExecutorService pool = o.parallel() > 1 || backend != null ? null : Executors.newFixedThreadPool(o.threads());
        Set<String> written = new HashSet<>();
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            if (bar != null) bar.update(skipped, "");
            Sink sink = t -> {
                synchronized (w) {
                    // keyed by id: a trace handed twice (a retried task), or one already in the file, is written once
                    if (have.contains(t.id()) || !written.add(t.id())) return;
                    w.write(t.toJsonLine());
                    w.write('\n');
                    w.flush();
                }
                int k = done.incrementAndGet();
                if (t.closed()) closed.incrementAndGet();
                if (t.correct()) right.incrementAndGet();
                thinking.addAndGet(t.thinkingTokens());
                if (bar != null) bar.update(skipped + k, String.format("acc %.0f%% think %.0f", 100.0 * right.get() / k, (double) thinking.get() / k));
            };
            List<Future<?>> futures = new ArrayList<>();
            if (backend != null) backend.runAll(todo, t -> {
                try {
                    sink.accept(t);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e); // the caller names the file
                }
            });
            else if (pool == null) batched(model, items, todo, o, sink);
            else for (int i : todo)
                futures.add(pool.submit(() -> {
                    sink.accept(one(model, items.get(i), o));
                    return null;
                }));
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    throw new BglException("trace collection failed: " + e.getCause(), e.getCause());
                }
            }
            if (bar != null) bar.finish();
        } catch (IOException e) {
            throw new BglException("cannot write " + file + ": " + e.getMessage(), e);
        } catch (java.io.UncheckedIOException e) {
            throw new BglException("cannot write " + file + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BglException("trace collection interrupted");
        } finally {
            if (pool != null) pool.shutdownNow();
        }
        int n = done.get();
        return new Summary(file, skipped, n, closed.get(), right.get(), n == 0 ? 0 : (double) thinking.get() / n, (System.nanoTime() - t0) / 1e9);
    }

    /** One problem answered with full thinking ({@link Method.None}): what a local worker and a Spark task both run. */
    public static Trace one(LoadedModel model, Item p, Options o) {
        long t0 = System.nanoTime();
        BudgetOutcome out = new BudgetRunner(model).run(request(p, o), TokenListener.NONE);
        return trace(model, p, out, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The items of {@code todo} decoded {@code o.parallel()} at a time in one continuous batch, each handed to the
     * sink in their order as soon as those before it are: each response is the one it gets alone.
     */
    private static void batched(LoadedModel model, List<Item> items, List<Integer> todo, Options o, Sink sink) {
        BudgetRunner runner = new BudgetRunner(model);
        try (BudgetScheduler batch = new BudgetScheduler(runner, Scheduler.Config.slots(o.parallel()))) {
            InOrderRuns.run(batch, todo.size(), o.parallel(), InOrderRuns.Window.RUNNING, k -> runner.plan(request(items.get(todo.get(k)), o)),
                    (k, metered, nanos) -> {
                        try {
                            sink.accept(trace(model, items.get(todo.get(k)), metered.outcome(), nanos / 1e9));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e); // the caller names the file
                        }
                    });
        }
    }

    /** The request of one problem: its question, full thinking, its own sampler seed when sampling. */
    static BudgetRequest request(Item p, Options o) {
        SamplerConfig sampler = o.temperature() > 0 ? SamplerConfig.temperature(o.temperature(), samplerSeed(o.seed(), p.id())) : SamplerConfig.GREEDY;
        return new BudgetRequest(List.of(ChatMessage.user(p.question())), new Method.None(), dev.bgl.budget.Budget.NONE, sampler, o.maxTokens(),
                new Cancellation());
    }

    /** A problem's trace from its response, however it was decoded. */
    static Trace trace(LoadedModel model, Item p, BudgetOutcome out, double seconds) {
        int[] prompt = model.encodePrompt(model.renderPrompt(List.of(ChatMessage.user(p.question())), null)); // what the runner fed
        return new Trace(p.id(), p.family(), p.difficulty(), p.question(), p.answer(), model.name(),
                model.transformer().config().vocabSize(), prompt, out.result().tokens(), out.thinkingTokens(),
                out.thinkingClosed(), p.judge().correct(out), seconds);
    }

    static long samplerSeed(long seed, String id) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < id.length(); i++) h = (h ^ id.charAt(i)) * 0x100000001B3L;
        return h;
    }
}
