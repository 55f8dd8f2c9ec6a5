package dev.bgl.cli;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.RunnerSettings;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.server.BglServer;
import dev.bgl.server.FeedbackService;
import dev.bgl.server.InMemoryFeedback;
import dev.bgl.server.BudgetCeiling;
import dev.bgl.server.ServerConfig;
import dev.bgl.server.feedback.FeedbackStores;
import dev.bgl.server.feedback.PolicyConfig;
import dev.bgl.server.feedback.SqlFeedbackStore;
import dev.bgl.util.BglException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

/** Serves a model over HTTP: the OpenAI-compatible API with thinking budgets, feedback, metrics and the web page. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model over HTTP: OpenAI-compatible API with thinking budgets (docs/api.md), the web page, /metrics.")
final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions model;
    @Mixin GuidanceCli guidance;
    @Mixin AnswerCapOption answerCap;
    @Mixin ReasoningEffortOption effort;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for all)") String host;
    @Option(names = "--port", defaultValue = "8080", description = "Port (default ${DEFAULT-VALUE}; 0: any free port)") int port;
    @Option(names = "--api-key", description = "Accepted bearer key (repeat for several); none: no authentication") List<String> apiKeys;
    @Option(names = "--max-concurrent", defaultValue = "8",
            description = "Generations decoded together in one batch, one forward pass per step (default ${DEFAULT-VALUE})") int maxConcurrent;
    @Option(names = "--max-queue", defaultValue = "16", description = "Requests waiting for a slot before 429 (default ${DEFAULT-VALUE})") int maxQueue;
    @Option(names = "--max-body-bytes", defaultValue = "1048576", description = "Largest request body (default ${DEFAULT-VALUE})") long maxBodyBytes;
    @Option(names = "--effort-budgets", defaultValue = "0,16,32,128,256", split = ",",
            description = "Thinking-token budgets of reasoning_effort none,minimal,low,medium,high (or low,medium,high; default ${DEFAULT-VALUE}, levels of the budget policy)") int[] effortBudgets;
    @Option(names = "--max-thinking-budget", paramLabel = "BUDGET",
            description = "The most thinking any request may have, in any units (512, 300tok, 5s, 64MB, 2GFLOP; comma-separated for several): a request may ask for less, never more; one without a budget gets this") String maxThinkingBudget;
    @Option(names = "--max-tokens-per-request", defaultValue = "0",
            description = "Largest max_tokens a request may ask for; more is a 400 (default 0: the model's context)") int maxTokensPerRequest;
    @Option(names = "--max-kv-bytes-per-request", defaultValue = "0",
            description = "Largest KV cache (bytes at --kv-type: 2 per value for f16, 4 for f32; prompt + max_tokens) of one request; more is a 400 (default 0: no limit of its own)") long maxKvBytesPerRequest;
    @Option(names = "--max-memory", defaultValue = "0",
            description = "Heap bytes all running generations may reserve; a request that does not fit beside them gets 503 (default 0: half the heap left after the model)") long maxMemory;
    @Option(names = "--db", defaultValue = DEFAULT_DB, description = "Feedback store and budget policy: a SQLite file path, jdbc:sqlite:FILE,"
            + " jdbc:postgresql://HOST/DB?user=..&password=.., or none to keep feedback in memory with a fixed default budget (default ${DEFAULT-VALUE})") String db;

    @Option(names = "--admin-key", description = "Bearer key that sees every user's history and may rate any request (repeat for several)") List<String> adminKeys;
    @Option(names = "--requests-per-minute", defaultValue = "600", description = "Completions one user (key or session) may start per minute; more get 429 (default ${DEFAULT-VALUE}; 0: no limit)") int requestsPerMinute;
    @Option(names = "--ratings-per-minute", defaultValue = "120", description = "Ratings one user may post per minute (default ${DEFAULT-VALUE}; 0: no limit)") int ratingsPerMinute;
    @Option(names = "--header-timeout", defaultValue = "10", description = "Seconds a connection has to send a request's headers, and an idle keep-alive connection stays open (default ${DEFAULT-VALUE})") double headerTimeout;
    @Option(names = "--body-timeout", defaultValue = "30", description = "Seconds a request's body has to arrive after its headers (default ${DEFAULT-VALUE})") double bodyTimeout;
    @Option(names = "--idle-timeout", defaultValue = "30", description = "Seconds without a byte either way before a connection closes (default ${DEFAULT-VALUE})") double idleTimeout;
    @Option(names = "--min-body-rate", defaultValue = "1024", description = "Slowest accepted request body, bytes/s (default ${DEFAULT-VALUE}; 0: none)") long minBodyRate;
    @Option(names = "--max-connections-per-address", defaultValue = "64", description = "Open connections one client address may hold (default ${DEFAULT-VALUE})") int maxPerAddress;
    @Option(names = "--max-connections", defaultValue = "1024", description = "Open connections in all (default ${DEFAULT-VALUE})") int maxConnections;

    @Option(names = "--policy-floor", defaultValue = "" + PolicyConfig.DEFAULT_FLOOR, description = "Smallest thinking budget the learned policy"
            + " may choose, so that trying budgets never costs a right answer (default ${DEFAULT-VALUE}: the smallest level within 3 points of"
            + " the best accuracy on the embedded model; 0: any level)") int policyFloor;

    static final String DEFAULT_DB = "bgl-feedback.db";
    /** Signs session cookies; without it each start has a new secret, so browsers get new sessions after a restart. */
    static final String SESSION_SECRET_ENV = "BGL_SESSION_SECRET";

    @Override
    public Integer call() throws InterruptedException {
        if (model.context != null) throw new BglException("--context is not used by serve: each session is sized from its prompt and max_tokens");
        Path modelPath = model.resolveModel();
        PrintWriter out = spec.commandLine().getOut();
        // settings first: a bad option is reported before the model loads
        String id = String.valueOf(modelPath.getFileName()).replaceFirst("\\.gguf$", "");
        var config = new ServerConfig(host, port, id, apiKeys == null ? List.of() : apiKeys, maxConcurrent, maxQueue,
                maxBodyBytes, effortBudgets, maxTokensPerRequest, maxKvBytesPerRequest, maxMemory, guard())
                .withMaxThinkingBudget(BudgetCeiling.parse(maxThinkingBudget));
        answerCap.validate();
        effort.validate();
        try (LoadedModel m = effort.apply(model.open(modelPath))) {
            PredictorWeights weights = guidance.loadWeights(modelPath);
            BudgetPredictor predictor = weights == null ? null : BudgetPredictor.forModel(weights, m);
            FeedbackService feedback = openFeedback(db, config, predictor != null, policyFloor);
            CountDownLatch stopped = new CountDownLatch(1);
            try (BglServer server = BglServer.start(config, m, RunnerSettings.guided(predictor, serveGuidance(modelPath)).withAnswerMax(answerCap.answerMax), feedback)) {
                stopOnSignal("INT", stopped);
                stopOnSignal("TERM", stopped);
                out.println("bgl serve: " + id + (predictor == null ? "" : " with budget predictor") + " at " + server.url()
                        + "  (API " + server.url() + "/v1, " + (config.apiKeys().isEmpty() ? "no API key" : config.apiKeys().size() + " API key(s)")
                        + ", feedback: " + describeDb(db) + "; Ctrl-C stops)");
                out.flush();
                stopped.await();
                out.println("bgl serve: stopping");
                out.flush();
            }
        }
        return 0;
    }

    /** The slow-client, connection, rate and identity settings of the options; the session secret from the environment when set. */
    private dev.bgl.server.Guard guard() {
        String env = System.getenv(SESSION_SECRET_ENV);
        if (env != null && env.length() < 16) throw new BglException(SESSION_SECRET_ENV + " must have at least 16 characters");
        byte[] secret = env != null ? env.getBytes(java.nio.charset.StandardCharsets.UTF_8) : dev.bgl.server.Guard.randomSecret();
        return new dev.bgl.server.Guard(millis("--header-timeout", headerTimeout), millis("--body-timeout", bodyTimeout),
                millis("--idle-timeout", idleTimeout), minBodyRate, maxPerAddress, maxConnections, requestsPerMinute, ratingsPerMinute,
                adminKeys == null ? List.of() : adminKeys, secret);
    }

    private static long millis(String option, double seconds) {
        if (!(seconds >= 0.1 && seconds <= 3600)) throw new BglException(option + " must be 0.1..3600 seconds, got " + seconds);
        return Math.round(seconds * 1000);
    }

    /**
     * The server keeps a requested budget by default: guided runs with a ceiling of grace 0 (the
     * thinking closes at the budget if guidance has not ended it), unless --ceiling says otherwise;
     * a request asks for a purely soft budget with "soft_budget": true.
     */
    GuidanceOptions serveGuidance(Path modelPath) {
        var o = guidance.options(modelPath);
        return guidance.ceilingGiven() ? o : o.withCeiling(0);
    }

    /**
     * Ctrl-C (and kill) end the wait in {@link #call}, which then closes the server and the model
     * in order. A signal handler, not a shutdown hook: it also works where the shell started the
     * JVM with SIGINT ignored (a background job), and the exit path stays the ordinary one.
     */
    private static void stopOnSignal(String name, CountDownLatch stopped) {
        try {
            Signal.handle(new Signal(name), sig -> stopped.countDown());
        } catch (IllegalArgumentException | UnsupportedOperationException ignored) {
            // no such signal here: the JVM's default handling ends the process
        }
    }

    /**
     * The feedback store for {@code --db}: {@code none} keeps it in memory with a fixed default
     * budget; anything else is the SQL store with its learned budget policy, whose suggestions name
     * guided when a predictor is loaded and hard when not. A store that cannot be opened is one
     * BglException line naming the database.
     */
    static FeedbackService openFeedback(String db, ServerConfig config, boolean hasPredictor) {
        return openFeedback(db, config, hasPredictor, PolicyConfig.DEFAULT_FLOOR);
    }

    /** @param floor the smallest budget the learned policy may choose (tokens) */
    static FeedbackService openFeedback(String db, ServerConfig config, boolean hasPredictor, int floor) {
        String mode = hasPredictor ? "guided" : "hard";
        if (db.equals("none")) return new InMemoryFeedback(config.defaultBudget(), mode);
        return FeedbackStores.open(db, PolicyConfig.DEFAULT.withMode(mode).withFloor(floor, PolicyConfig.DEFAULT.stickySeconds()));
    }

    /** How the start line names the store: the default file says that it is the default and where it is. */
    static String describeDb(String db) {
        if (db.equals("none")) return "in memory, fixed default budget (--db none)";
        String where = db.startsWith("jdbc:") ? SqlFeedbackStore.redact(db) : "SQLite " + Path.of(db).toAbsolutePath();
        return where + (db.equals(DEFAULT_DB) ? " (the default; --db none keeps feedback in memory)" : "") + ", budgets from the learned policy";
    }
}
