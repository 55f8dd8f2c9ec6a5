package dev.bgl.server;

import dev.bgl.budget.BudgetUnit;
import dev.bgl.util.BglException;

import java.util.List;
import java.util.Locale;

/**
 * How {@code bgl serve} runs: where it listens, who may call it, how much work it takes at once.
 *
 * @param modelId       the name clients use in {@code "model"} (the model file's name without .gguf)
 * @param apiKeys       accepted bearer keys; empty: no authentication
 * @param maxConcurrent generations running at once (each has its own runner and session)
 * @param maxQueue      requests that may wait for a slot; beyond that 429 at once
 * @param maxBodyBytes  largest request body accepted (413 beyond)
 * @param effortBudgets thinking-token budgets of reasoning_effort none, minimal, low, medium, high (or low, medium,
 *                      high only: then none is 0 and minimal the policy's lowest level above 0, 16, or low if less)
 * @param maxTokensPerRequest   largest max_tokens a request may ask for (0: the model's context); the default max_tokens is capped to it
 * @param maxKvBytesPerRequest  largest KV cache (bytes at the model's --kv-type, prompt + max_tokens) one request may reserve (0: no limit of its own)
 * @param maxMemoryBytes        heap all running generations may reserve together; a request that does not fit beside the
 *                              running ones gets 503, one that could never fit 400 (0: automatic, see {@link MemoryAdmission#defaultBudget})
 * @param maxThinkingBudget     the most thinking any request may have, in any units (empty: no ceiling): a request's own
 *                              limit of a kind is lowered to it, a request without one gets it ({@link BudgetCeiling})
 * @param guard                 slow-client deadlines, connection caps, rate limits, admin keys, session secret
 */
public record ServerConfig(String host, int port, String modelId, List<String> apiKeys, int maxConcurrent, int maxQueue,
                           long maxBodyBytes, int[] effortBudgets, int maxTokensPerRequest, long maxKvBytesPerRequest,
                           long maxMemoryBytes, List<BudgetUnit> maxThinkingBudget, Guard guard) {
    public static final long DEFAULT_MAX_BODY_BYTES = 1 << 20;
    /** none, minimal, low, medium, high: levels the budget policy chooses between too (PolicyConfig.DEFAULT_LEVELS). */
    public static final int[] DEFAULT_EFFORT_BUDGETS = {0, 16, 32, 128, 256};
    public static final List<String> EFFORT_LEVELS = List.of("none", "minimal", "low", "medium", "high");

    public ServerConfig {
        if (host == null || host.isBlank()) throw new BglException("--host must not be empty");
        if (port < 0 || port > 65535) throw new BglException("--port must be in 0..65535, got " + port);
        apiKeys = List.copyOf(apiKeys);
        for (String k : apiKeys) if (k.isBlank()) throw new BglException("--api-key must not be empty");
        if (maxConcurrent < 1 || maxConcurrent > 256) throw new BglException("--max-concurrent must be in 1..256, got " + maxConcurrent);
        if (maxQueue < 0 || maxQueue > 100_000) throw new BglException("--max-queue must be in 0..100000, got " + maxQueue);
        if (maxBodyBytes < 1024 || maxBodyBytes > (1L << 30)) throw new BglException("--max-body-bytes must be in 1024..1073741824, got " + maxBodyBytes);
        if (effortBudgets == null || effortBudgets.length != 3 && effortBudgets.length != 5)
            throw new BglException("--effort-budgets needs five token budgets (none,minimal,low,medium,high), e.g. 0,16,32,128,256, or three (low,medium,high)");
        for (int b : effortBudgets)
            if (b < 0 || b > RequestParser.MAX_BUDGET_TOKENS)
                throw new BglException("--effort-budgets: each budget must be in 0.." + RequestParser.MAX_BUDGET_TOKENS + ", got " + b);
        effortBudgets = effortBudgets.length == 5 ? effortBudgets.clone()
                : new int[]{0, Math.min(16, effortBudgets[0]), effortBudgets[0], effortBudgets[1], effortBudgets[2]};
        maxThinkingBudget = maxThinkingBudget == null ? List.of() : List.copyOf(maxThinkingBudget);
        if (maxTokensPerRequest < 0) throw new BglException("--max-tokens-per-request must be >= 1 (0: the model's context), got " + maxTokensPerRequest);
        if (maxKvBytesPerRequest < 0) throw new BglException("--max-kv-bytes-per-request must be >= 1 (0: no limit), got " + maxKvBytesPerRequest);
        if (maxMemoryBytes < 0) throw new BglException("--max-memory must be >= 1 (0: automatic), got " + maxMemoryBytes);
        if (guard == null) guard = Guard.defaults();
    }

    /** Without a thinking-budget ceiling, with this guard (null: {@link Guard#defaults()}). */
    public ServerConfig(String host, int port, String modelId, List<String> apiKeys, int maxConcurrent, int maxQueue,
                        long maxBodyBytes, int[] effortBudgets, int maxTokensPerRequest, long maxKvBytesPerRequest,
                        long maxMemoryBytes, Guard guard) {
        this(host, port, modelId, apiKeys, maxConcurrent, maxQueue, maxBodyBytes, effortBudgets, maxTokensPerRequest,
                maxKvBytesPerRequest, maxMemoryBytes, List.of(), guard);
    }

    /** Without per-request limits and with the automatic memory budget. */
    public ServerConfig(String host, int port, String modelId, List<String> apiKeys, int maxConcurrent, int maxQueue,
                        long maxBodyBytes, int[] effortBudgets) {
        this(host, port, modelId, apiKeys, maxConcurrent, maxQueue, maxBodyBytes, effortBudgets, 0, 0, 0);
    }

    /** Without a thinking-budget ceiling, with the default guard. */
    public ServerConfig(String host, int port, String modelId, List<String> apiKeys, int maxConcurrent, int maxQueue,
                        long maxBodyBytes, int[] effortBudgets, int maxTokensPerRequest, long maxKvBytesPerRequest,
                        long maxMemoryBytes) {
        this(host, port, modelId, apiKeys, maxConcurrent, maxQueue, maxBodyBytes, effortBudgets, maxTokensPerRequest,
                maxKvBytesPerRequest, maxMemoryBytes, List.of(), null);
    }

    /** The same with a ceiling on every request's thinking (empty: none). */
    public ServerConfig withMaxThinkingBudget(List<BudgetUnit> ceiling) {
        return new ServerConfig(host, port, modelId, apiKeys, maxConcurrent, maxQueue, maxBodyBytes, effortBudgets,
                maxTokensPerRequest, maxKvBytesPerRequest, maxMemoryBytes, ceiling, guard);
    }

    /** The thinking-token budget of a reasoning_effort level (none, minimal, low, medium, high), or null for another word. */
    public Integer effortBudget(String level) {
        int i = EFFORT_LEVELS.indexOf(level.toLowerCase(Locale.ROOT));
        return i < 0 ? null : effortBudgets[i];
    }

    /** Defaults for tests: local, any free port, no keys. */
    public static ServerConfig local(String modelId) {
        return new ServerConfig("127.0.0.1", 0, modelId, List.of(), 2, 16, DEFAULT_MAX_BODY_BYTES, DEFAULT_EFFORT_BUDGETS);
    }

    public ServerConfig withKeys(List<String> keys) {
        return new ServerConfig(host, port, modelId, keys, maxConcurrent, maxQueue, maxBodyBytes, effortBudgets,
                maxTokensPerRequest, maxKvBytesPerRequest, maxMemoryBytes, maxThinkingBudget, guard);
    }

    public ServerConfig withLimits(int concurrent, int queue) {
        return new ServerConfig(host, port, modelId, apiKeys, concurrent, queue, maxBodyBytes, effortBudgets,
                maxTokensPerRequest, maxKvBytesPerRequest, maxMemoryBytes, maxThinkingBudget, guard);
    }

    /** The same with per-request limits and a memory budget (0: as in the record's components). */
    public ServerConfig withResourceLimits(int tokensPerRequest, long kvBytesPerRequest, long memoryBytes) {
        return new ServerConfig(host, port, modelId, apiKeys, maxConcurrent, maxQueue, maxBodyBytes, effortBudgets,
                tokensPerRequest, kvBytesPerRequest, memoryBytes, maxThinkingBudget, guard);
    }

    public ServerConfig withGuard(Guard g) {
        return new ServerConfig(host, port, modelId, apiKeys, maxConcurrent, maxQueue, maxBodyBytes, effortBudgets,
                maxTokensPerRequest, maxKvBytesPerRequest, maxMemoryBytes, maxThinkingBudget, g);
    }

    /** The medium effort budget: the default a fixed policy suggests. */
    public int defaultBudget() {
        return effortBudgets[3];
    }
}
